/**
 * The few things sitroom needs a chat platform to do, in the platform's own terms. Slack and Mattermost
 * each implement this and nothing more; everything above it (what to say, when) is shared.
 */
import type { Platform, UserId } from '../incidents/incident.ts';
import type { ChatMessage, Line } from '../presentation/message.ts';
import type { ReplyTo } from '../presentation/reply-effects.ts';

export interface PostedMessage {
  channel: string;
  id: string;
}

/** What became of an update: a platform that could not edit the message posted a new one, `replacedBy`. */
export interface Updated {
  replacedBy?: string;
}

export interface ChatPlatform {
  readonly platform: Platform;
  /** Longest channel name the platform accepts (Slack 80, Mattermost 64). */
  readonly maxChannelNameLength: number;
  /** Where announcements and stakeholder updates go (id or name as configured); empty for none. */
  readonly announceChannel: string;
  /** Where alert cards go (id or name as configured); empty for none. */
  readonly alertsChannel: string;
  /**
   * Creates a channel, or reports that the name is taken. A live channel of that name the bot itself made is returned
   * as created: it is this war room's, made by an attempt whose answer (or whose process) was lost before it was recorded.
   */
  createChannel(name: string, isPrivate: boolean): Promise<{ id: string } | 'name_taken'>;
  /** Adds users to a channel; users already in it are not an error. */
  invite(channelId: string, users: readonly UserId[]): Promise<void>;
  /** Sets the channel topic (Slack) or header (Mattermost). */
  setTopic(channelId: string, topic: Line): Promise<void>;
  /**
   * Posts a message; returns its id and the id of the channel it landed in (`channel` may be a name). `key`, when
   * given, is the same for every attempt at one post: a platform that can drop repeats (Mattermost) uses it.
   */
  post(channel: string, message: ChatMessage, key?: string): Promise<PostedMessage>;
  /**
   * Replaces a message posted earlier. A platform that may refuse to edit an old message (Mattermost's
   * PostEditTimeLimit) posts it anew and reports the new id, which the caller saves in place of the old one.
   */
  update(channel: string, messageId: string, message: ChatMessage): Promise<Updated>;
  /** Pins a message to its channel. */
  pin(channel: string, messageId: string): Promise<void>;
  /** Sends a direct message to a user. */
  sendDirect(user: UserId, message: ChatMessage): Promise<void>;
  /** Answers a person's command, click or form, shown to them alone (reply-effects.ts says where). */
  reply(to: ReplyTo, message: ChatMessage): Promise<void>;
  /**
   * The user's e-mail address from their chat profile (for the overdue e-mail), or undefined when the platform
   * does not show it to the bot (Slack without users:read.email, Mattermost with ShowEmailAddress off).
   */
  emailOf(user: UserId): Promise<string | undefined>;
  /** Uploads a text file into a channel, with a message. */
  postFile(channel: string, file: { filename: string; content: string; title: string }, message: ChatMessage): Promise<void>;
}
