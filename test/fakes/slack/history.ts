/**
 * Reading messages back, as the fake Slack Web API answers conversations.history, conversations.replies and
 * chat.getPermalink. Rules from Slack's method reference:
 * - https://docs.slack.dev/reference/methods/conversations.history: newest first; `latest` and `oldest` bound the
 *   range, exclusive unless `inclusive`; replies in threads are not in the history (their parent is); `has_more`.
 * - https://docs.slack.dev/reference/methods/conversations.replies: `ts` may be the parent or any reply; the parent
 *   comes first, then the replies in the range, oldest first; an unknown ts is `thread_not_found`.
 * - https://docs.slack.dev/reference/methods/chat.getPermalink: `https://<domain>.slack.com/archives/<channel>/p<ts
 *   without the dot>`, with `?thread_ts=…&cid=…` for a reply; an unknown message is `message_not_found`.
 */
import type { FakeMessage } from './types.ts';

export interface TimeRange {
  oldest?: string | undefined;
  latest?: string | undefined;
  inclusive: boolean;
}

/** Slack's ts compare as decimal numbers; all of the fake's have six decimals, so as strings of one length too. */
const tsValue = (ts: string): number => Number(ts);

function inRange(ts: string, range: TimeRange): boolean {
  const t = tsValue(ts);
  if (range.oldest !== undefined && (range.inclusive ? t < tsValue(range.oldest) : t <= tsValue(range.oldest))) return false;
  if (range.latest !== undefined && (range.inclusive ? t > tsValue(range.latest) : t >= tsValue(range.latest))) return false;
  return true;
}

const isReply = (m: FakeMessage): boolean => m.thread_ts !== undefined && m.thread_ts !== m.ts;

/** The channel's history page: top-level messages in the range, newest first, at most `limit` (Slack's default 100). */
export function historyPage(messages: readonly FakeMessage[], range: TimeRange, limit = 100): { messages: FakeMessage[]; hasMore: boolean } {
  const matching = messages.filter((m) => !isReply(m) && inRange(m.ts, range)).sort((a, b) => tsValue(b.ts) - tsValue(a.ts));
  return { messages: matching.slice(0, limit), hasMore: matching.length > limit };
}

/** The thread `ts` belongs to: its parent first, then its replies in the range, oldest first; undefined when no such message. */
export function threadPage(messages: readonly FakeMessage[], ts: string, range: TimeRange, limit = 1000): FakeMessage[] | undefined {
  const message = messages.find((m) => m.ts === ts);
  if (!message) return undefined;
  const rootTs = message.thread_ts ?? message.ts;
  const root = messages.find((m) => m.ts === rootTs);
  const replies = messages.filter((m) => m.thread_ts === rootTs && m.ts !== rootTs && inRange(m.ts, range)).sort((a, b) => tsValue(a.ts) - tsValue(b.ts));
  return [...(root ? [root] : []), ...replies.slice(0, limit)];
}

export function permalinkOf(domain: string, m: FakeMessage): string {
  const base = `https://${domain}.slack.com/archives/${m.channel}/p${m.ts.replace('.', '')}`;
  return isReply(m) ? `${base}?thread_ts=${m.thread_ts ?? ''}&cid=${m.channel}` : base;
}
