/**
 * A Slack message read back for the timeline (📌 reaction or the "Add to incident timeline" shortcut), translated to
 * the core's ChatMessageToCapture. Only translation: which messages may be captured is decided in the core.
 *
 * - A reaction names the message by channel and ts only (https://docs.slack.dev/reference/events/reaction_added), so it
 *   is fetched: conversations.history with latest=ts, inclusive, limit=1 returns it when it is a top-level message
 *   (https://docs.slack.dev/reference/methods/conversations.history, "Retrieving a single message"); a thread reply is
 *   not in the history, and is fetched with conversations.replies, whose `ts` may be any message of the thread
 *   (https://docs.slack.dev/reference/methods/conversations.replies; the thread's parent always comes first).
 * - A message shortcut carries the message itself (https://docs.slack.dev/interactivity/implementing-shortcuts,
 *   message_action payload `message`).
 * - chat.getPermalink gives the link that opens the message (https://docs.slack.dev/reference/methods/chat.getPermalink).
 */
import type { webApi } from '@slack/bolt';
import type { ChatMessageToCapture } from '../../incidents/captured-messages.ts';
import { decodeSlackText } from './slack-inbound-text.ts';

/** The fields of a Slack message object sitroom reads (node-slack-sdk's MessageElement has them all). */
export interface SlackMessageObject {
  ts?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  files?: { name?: string; title?: string; permalink?: string; url_private?: string }[];
}

/** Who sitroom's bot is, to tell its own messages (auth.test's user_id and bot_id). */
export interface SlackBotIdentity {
  botUserId?: string | undefined;
  botId?: string | undefined;
}

/** Slack's ts (`<seconds>.<microseconds>`) as milliseconds since the epoch; NaN when it is not one. */
export function slackTsToMillis(ts: string): number {
  const match = /^(\d+)\.(\d{6})$/.exec(ts);
  if (!match) return Number.NaN;
  return Number(match[1]) * 1000 + Math.floor(Number(match[2]) / 1000);
}

/** `message` of `channel` as the core captures it. */
export function slackMessageToCapture(channel: string, message: SlackMessageObject, permalink: string | null, bot: SlackBotIdentity): ChatMessageToCapture | undefined {
  const ts = message.ts ?? '';
  const at = slackTsToMillis(ts);
  if (Number.isNaN(at)) return undefined;
  const byBot = (bot.botUserId !== undefined && message.user === bot.botUserId) || (bot.botId !== undefined && message.bot_id === bot.botId);
  return {
    platform: 'slack',
    channelId: channel,
    messageId: ts,
    author: message.user ?? message.bot_id ?? 'unknown',
    at,
    text: decodeSlackText(message.text ?? '', { linkTargets: true }),
    files: (message.files ?? []).flatMap((f) => {
      const url = f.permalink ?? f.url_private;
      return url ? [{ name: f.name ?? f.title ?? 'file', url }] : [];
    }),
    permalink,
    byBot,
  };
}

/** The message `ts` of `channel`: from the channel's history, or from its thread when it is a reply. */
export async function fetchSlackMessage(client: webApi.WebClient, channel: string, ts: string): Promise<SlackMessageObject | undefined> {
  const history = await client.conversations.history({ channel, latest: ts, inclusive: true, limit: 1 });
  const top = history.messages?.find((m) => m.ts === ts);
  if (top) return top;
  // oldest = latest = ts, inclusive: the reply alone (after the thread's parent, which Slack always puts first).
  const thread = await client.conversations.replies({ channel, ts, oldest: ts, latest: ts, inclusive: true });
  return thread.messages?.find((m) => m.ts === ts);
}

/** The link that opens the message, or null when Slack would not give one (the entry is still worth keeping). */
export async function slackPermalink(client: webApi.WebClient, channel: string, ts: string): Promise<string | null> {
  try {
    const answer = await client.chat.getPermalink({ channel, message_ts: ts });
    return answer.permalink ?? null;
  } catch {
    return null;
  }
}
