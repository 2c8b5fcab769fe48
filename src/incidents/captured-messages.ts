/**
 * Chat messages captured onto the timeline (a 📌 reaction or Slack's "Add to incident timeline" shortcut). The entry
 * is the message itself, not the act of capturing it: its author, its own time and its text as typed, with links to
 * its files and to the message. Each platform message is captured at most once (its key is stored unique), and
 * removing the reaction later leaves the history as it is.
 */
import type { Platform, UserId } from './incident.ts';
import { event, type TimelineEvent } from './timeline.ts';
import { normaliseUserText } from './user-text.ts';

/** The emoji name both platforms give 📌 (Slack's and Mattermost's emoji short names agree on it). */
export const CAPTURE_EMOJI = 'pushpin';

export interface ChatFileLink {
  name: string;
  url: string;
}

/** A chat message as an adapter read it back from its platform, text already decoded to what the person typed. */
export interface ChatMessageToCapture {
  platform: Platform;
  channelId: string;
  /** The platform's id of the message in its channel (Slack's ts, Mattermost's post id). */
  messageId: string;
  author: UserId;
  /** When the message was posted (ms since the epoch), not when it was captured. */
  at: number;
  text: string;
  files: readonly ChatFileLink[];
  /** A link that opens the message in the chat, when the platform gave one. */
  permalink: string | null;
  /** Posted by sitroom itself: a reaction on one of the bot's own messages captures nothing. */
  byBot: boolean;
}

/** The stored key that makes "captured once" a database constraint: one per platform message. */
export const capturedMessageKey = (m: Pick<ChatMessageToCapture, 'platform' | 'channelId' | 'messageId'>): string =>
  `${m.platform}:${m.channelId}:${m.messageId}`;

/**
 * `url` when it is an absolute http(s) URL without spaces or angle brackets, else null: links are shown on the page
 * and in the postmortem, so a `javascript:` or otherwise odd link from a platform is dropped here, once.
 */
export function webLink(url: string | null | undefined): string | null {
  if (!url || !/^https?:\/\/[^\s<>"]+$/i.test(url)) return null;
  try {
    return new URL(url).protocol.startsWith('http') ? url : null;
  } catch {
    return null;
  }
}

/** The timeline entry for `message`, captured by `capturedBy` at `now`. */
export function capturedMessageEvent(message: ChatMessageToCapture, capturedBy: UserId, now: number): TimelineEvent {
  const files = message.files.flatMap((f) => {
    const url = webLink(f.url);
    return url ? [{ name: normaliseUserText(f.name, { multiline: false }) || 'file', url }] : [];
  });
  return event('message_captured', message.at, message.author, normaliseUserText(message.text, { multiline: true }), {
    captured: true,
    capturedBy,
    capturedAt: now,
    permalink: webLink(message.permalink),
    // Event data holds scalars only: the file links travel as JSON and are read back with capturedFiles().
    files: files.length > 0 ? JSON.stringify(files) : null,
  });
}

/** The file links of a captured message's entry (none for any other entry, or data that is not a list of links). */
export function capturedFiles(e: TimelineEvent): ChatFileLink[] {
  const raw = e.data['files'];
  if (e.kind !== 'message_captured' || typeof raw !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((f: unknown) => {
      const link = f as Partial<ChatFileLink> | null;
      return typeof link?.name === 'string' && typeof link.url === 'string' ? [{ name: link.name, url: link.url }] : [];
    });
  } catch {
    return [];
  }
}

/**
 * The timeline in time order. Every other entry is written as it happens, so the store's order is time order; a
 * captured message carries its own (earlier) time, so the captured ones, sorted by their time, are merged among the
 * others, each after any entry of the same millisecond. The entries that are not captured keep their stored order.
 */
export function inTimeOrder(events: readonly TimelineEvent[]): TimelineEvent[] {
  const written = events.filter((e) => e.kind !== 'message_captured');
  const captured = events.filter((e) => e.kind === 'message_captured').sort((a, b) => a.at - b.at);
  const out: TimelineEvent[] = [];
  let c = 0;
  for (const e of written) {
    for (; c < captured.length && (captured[c]?.at ?? Infinity) < e.at; c += 1) out.push(captured[c] as TimelineEvent);
    out.push(e);
  }
  return out.concat(captured.slice(c));
}

/** What the page, the API and the postmortem show about a captured entry besides its text; undefined for any other entry. */
export function capturedDetails(e: TimelineEvent): { by: UserId; permalink: string | null; files: ChatFileLink[] } | undefined {
  if (e.kind !== 'message_captured') return undefined;
  const permalink = e.data['permalink'];
  return { by: String(e.data['capturedBy'] ?? ''), permalink: typeof permalink === 'string' ? webLink(permalink) : null, files: capturedFiles(e) };
}
