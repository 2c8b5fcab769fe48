/**
 * What sitroom answers a person after acknowledging their command, click or form, as an outbox row: the answer is
 * retried and paced like every other message, a platform that is down or hung when it is sent loses nothing, and
 * no request waits for it. (Forms are opened at once instead: their trigger ids expire within seconds.)
 * Here, beside the neutral message it carries, because the outbox (src/delivery) stores it and may import no adapter.
 */
import type { QueuedEffect } from '../incidents/effects.ts';
import type { Platform, UserId } from '../incidents/incident.ts';
import type { ChatMessage } from './message.ts';

/** Where a reply shows: to `user` alone, the way the platform answers the request it came with. */
export interface ReplyTo {
  user: UserId;
  /** The request's response URL (Slack commands and clicks, Mattermost commands): an ephemeral answer through it. */
  responseUrl?: string;
  /** Without a response URL: an ephemeral post in this channel where the platform has them (Mattermost), else a DM. */
  channel?: string;
}

export type ReplyEffect = { kind: 'reply'; to: ReplyTo; message: ChatMessage };

export const isReplyEffect = (effect: { kind: string }): effect is ReplyEffect => effect.kind === 'reply';

/**
 * The reply as a row: in the person's own queue (their replies keep their order), in the reply lane: after war
 * rooms, announcements and nags (a backlog of replies once held new incidents' announcements for minutes), before
 * alert cards.
 */
export function replyEffect(platform: Platform, to: ReplyTo, message: ChatMessage, now: number): QueuedEffect<ReplyEffect> {
  return { platform, lane: 'reply', target: `reply:${to.user}`, effect: { kind: 'reply', to, message }, at: now };
}
