/**
 * A drill runs the whole flow for practice, so every message it causes says DRILL (war room, direct messages,
 * nags, topic) and nothing reaches the announcement channel: stakeholders must never mistake practice for an
 * outage. Done once, as a ChatPlatform wrapper the outbox's deliverer (chat-effect-deliverer.ts) uses for drill
 * incidents' rows.
 */
import type { ChatPlatform, PostedMessage } from './chat-platform.ts';
import type { ChatMessage, Line } from '../presentation/message.ts';

export const DRILL_MARK = '🧪 DRILL';

/** The message with DRILL in front of its heading (or its first line when it has none). */
export function markDrill(message: ChatMessage): ChatMessage {
  if (message.heading) return { ...message, heading: [`${DRILL_MARK} · `, ...message.heading] };
  const [first, ...rest] = message.lines;
  return { ...message, lines: [[`${DRILL_MARK} · `, ...(first ?? [])], ...rest] };
}

/** A topic with DRILL in front. */
export function drillTopic(topic: Line): Line {
  return [`${DRILL_MARK} · `, ...topic];
}

/** `platform` as a drill sees it: every message marked, no announcement channel. */
export function drillPlatform(platform: ChatPlatform): ChatPlatform {
  return {
    platform: platform.platform,
    maxChannelNameLength: platform.maxChannelNameLength,
    announceChannel: '',
    alertsChannel: platform.alertsChannel,
    createChannel: (name, isPrivate) => platform.createChannel(name, isPrivate),
    invite: (channelId, users) => platform.invite(channelId, users),
    setTopic: (channelId, topic: Line) => platform.setTopic(channelId, drillTopic(topic)),
    post: (channel, message, key): Promise<PostedMessage> => platform.post(channel, markDrill(message), key),
    update: (channel, messageId, message) => platform.update(channel, messageId, markDrill(message)),
    pin: (channel, messageId) => platform.pin(channel, messageId),
    sendDirect: (user, message) => platform.sendDirect(user, markDrill(message)),
    emailOf: (user) => platform.emailOf(user),
    postFile: (channel, file, message) => platform.postFile(channel, file, markDrill(message)),
    // A reply answers the person who acted; it says what happened to the drill already.
    reply: (to, message) => platform.reply(to, message),
  };
}
