/** ChatPlatform on the Slack Web API. Only translation: what to say and when is decided in chat/. */
import type { webApi } from '@slack/bolt';
import type { UserId } from '../../incidents/incident.ts';
import type { ChatPlatform, PostedMessage, Updated } from '../chat-platform.ts';
import type { ChatMessage, Line } from '../../presentation/message.ts';
import type { ReplyTo } from '../../presentation/reply-effects.ts';
import { postToResponseUrl } from '../response-url.ts';
import { renderLineWithin, renderMessage } from './slack-render.ts';

/** Slack's limit on channel names. */
export const SLACK_CHANNEL_NAME_MAX = 80;
/** Slack's limit on topic length. */
const TOPIC_MAX = 250;

interface SlackError {
  data?: { error?: string; errors?: InviteError[] };
}
const slackError = (e: unknown): string | undefined => (e as SlackError).data?.error;

/** One user conversations.invite could not add (its `errors` array, https://docs.slack.dev/reference/methods/conversations.invite). */
interface InviteError {
  user?: string;
  error?: string;
}

/** Already there (or inviting ourselves) is the state we wanted. */
const HARMLESS_INVITE_ERRORS = ['already_in_channel', 'cant_invite_self'];

/** Slack's reasons a person cannot be invited, in words for the war room. */
const INVITE_REASONS: Readonly<Record<string, string>> = {
  user_not_found: 'not a member of this workspace',
  cant_invite: 'Slack does not allow inviting them',
  user_is_restricted: 'a guest account that this app cannot invite',
  ura_max_channels: 'a single-channel guest already in their one channel',
  user_is_deactivated: 'their account is deactivated',
};

export class SlackPlatform implements ChatPlatform {
  readonly platform = 'slack' as const;
  readonly maxChannelNameLength = SLACK_CHANNEL_NAME_MAX;
  readonly announceChannel: string;
  readonly alertsChannel: string;
  private readonly client: webApi.WebClient;

  private readonly callTimeoutMs: number;
  private botUserId: Promise<string> | undefined;

  constructor(client: webApi.WebClient, channels: { announce: string; alerts: string }, callTimeoutMs = 15_000) {
    this.client = client;
    this.callTimeoutMs = callTimeoutMs;
    this.announceChannel = channels.announce;
    this.alertsChannel = channels.alerts;
  }

  async createChannel(name: string, isPrivate: boolean): Promise<{ id: string } | 'name_taken'> {
    try {
      const res = await this.client.conversations.create({ name, is_private: isPrivate });
      const id = res.channel?.id;
      if (!id) throw new Error('conversations.create returned no channel id');
      return { id };
    } catch (e) {
      if (slackError(e) !== 'name_taken') throw e;
      const own = await this.ownChannelNamed(name);
      return own ? { id: own } : 'name_taken';
    }
  }

  /**
   * The live channel called `name` that the bot itself created, if any: the channel an earlier attempt made when its
   * answer, or sitroom itself, was lost before the war room was recorded. Slack has no lookup by name, so the bot's
   * own conversations are listed (users.conversations, https://docs.slack.dev/reference/methods/users.conversations:
   * the caller's channels, `creator` and `is_archived` on each, paged by `response_metadata.next_cursor`). A token
   * installed before the read scopes were asked for answers missing_scope: then the name is simply taken, as before.
   */
  private async ownChannelNamed(name: string): Promise<string | undefined> {
    const bot = await this.ownUserId();
    let cursor: string | undefined;
    try {
      do {
        const page = await this.client.users.conversations({ types: 'public_channel,private_channel', exclude_archived: true, limit: 200, ...(cursor && { cursor }) });
        const own = page.channels?.find((c) => c.name === name && c.creator === bot && !c.is_archived);
        if (own?.id) return own.id;
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor);
    } catch (e) {
      if (slackError(e) === 'missing_scope') return undefined;
      throw e;
    }
    return undefined;
  }

  /** The bot's user id (auth.test, no scope needed), asked once. */
  private async ownUserId(): Promise<string> {
    this.botUserId ??= this.client.auth.test().then((res) => {
      if (!res.user_id) throw new Error('auth.test returned no user_id');
      return res.user_id;
    });
    return this.botUserId.catch((e: unknown) => {
      this.botUserId = undefined;
      throw e;
    });
  }

  /**
   * One call with `force: true`, which "continues inviting the valid ones while disregarding invalid IDs"
   * (conversations.invite reference), so one unknown or guest user never keeps the others out. Who could not be
   * invited is said in the war room.
   */
  async invite(channelId: string, users: readonly UserId[]): Promise<void> {
    const wanted = [...new Set(users)];
    if (wanted.length === 0) return;
    let errors: InviteError[];
    try {
      const res = await this.client.conversations.invite({ channel: channelId, users: wanted.join(','), force: true });
      errors = (res as { errors?: InviteError[] }).errors ?? [];
    } catch (e) {
      const data = (e as SlackError).data;
      const error = data?.error ?? '';
      // A per-user error when no one could be invited; anything else (channel_not_found, not_in_channel…) is the call failing.
      if (!(error in INVITE_REASONS) && !HARMLESS_INVITE_ERRORS.includes(error)) throw e;
      errors = data?.errors ?? (wanted.length === 1 ? [{ user: wanted[0], error }] : []);
    }
    const failed = errors.filter((x) => x.user && !HARMLESS_INVITE_ERRORS.includes(x.error ?? ''));
    if (failed.length === 0) return;
    await this.post(channelId, {
      lines: failed.map((x) => ['Could not invite ', { user: x.user ?? '' }, `: ${INVITE_REASONS[x.error ?? ''] ?? `Slack said ${x.error ?? 'no'}`}.`]),
    });
  }

  async setTopic(channelId: string, topic: Line): Promise<void> {
    await this.client.conversations.setTopic({ channel: channelId, topic: renderLineWithin(topic, TOPIC_MAX) });
  }

  async post(channel: string, message: ChatMessage): Promise<PostedMessage> {
    const res = await this.client.chat.postMessage({ channel, ...renderMessage(message), unfurl_links: false });
    if (!res.ts || !res.channel) throw new Error('chat.postMessage returned no ts or channel');
    return { channel: res.channel, id: res.ts };
  }

  async update(channel: string, messageId: string, message: ChatMessage): Promise<Updated> {
    await this.client.chat.update({ channel, ts: messageId, ...renderMessage(message) });
    return {};
  }

  async pin(channel: string, messageId: string): Promise<void> {
    try {
      await this.client.pins.add({ channel, timestamp: messageId });
    } catch (e) {
      if (slackError(e) !== 'already_pinned') throw e;
    }
  }

  async postFile(channel: string, file: { filename: string; content: string; title: string }, message: ChatMessage): Promise<void> {
    await this.client.filesUploadV2({
      channel_id: channel,
      filename: file.filename,
      title: file.title,
      content: file.content,
      initial_comment: renderMessage(message).text,
    });
  }

  /** Ephemeral through the request's response_url (Bolt's respond() does the same POST); a DM when there is none (a modal's submission). */
  async reply(to: ReplyTo, message: ChatMessage): Promise<void> {
    if (to.responseUrl) await postToResponseUrl(to.responseUrl, { response_type: 'ephemeral', replace_original: false, ...renderMessage(message) }, this.callTimeoutMs);
    else await this.sendDirect(to.user, message);
  }

  async emailOf(user: UserId): Promise<string | undefined> {
    // profile.email is only in the answer with the users:read.email scope
    // (https://docs.slack.dev/reference/scopes/users:read.email); without it the field is simply left out.
    const res = await this.client.users.info({ user });
    return res.user?.profile?.email || undefined;
  }

  async sendDirect(user: UserId, message: ChatMessage): Promise<void> {
    const opened = await this.client.conversations.open({ users: user });
    const channel = opened.channel?.id;
    if (!channel) throw new Error('conversations.open returned no channel');
    await this.post(channel, message);
  }
}
