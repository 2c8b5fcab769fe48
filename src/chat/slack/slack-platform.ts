/** ChatPlatform on the Slack Web API. Only translation: what to say and when is decided in chat/. */
import type { webApi } from '@slack/bolt';
import type { UserId } from '../../incidents/incident.ts';
import type { ChatPlatform, PostedMessage } from '../chat-platform.ts';
import type { ChatMessage, Line } from '../message.ts';
import { renderLine, renderMessage } from './slack-render.ts';

/** Slack's limit on channel names. */
export const SLACK_CHANNEL_NAME_MAX = 80;
/** Slack's limit on topic length. */
const TOPIC_MAX = 250;

interface SlackError {
  data?: { error?: string };
}
const slackError = (e: unknown): string | undefined => (e as SlackError).data?.error;

export class SlackPlatform implements ChatPlatform {
  readonly platform = 'slack' as const;
  readonly maxChannelNameLength = SLACK_CHANNEL_NAME_MAX;
  readonly announceChannel: string;
  readonly alertsChannel: string;
  private readonly client: webApi.WebClient;

  constructor(client: webApi.WebClient, channels: { announce: string; alerts: string }) {
    this.client = client;
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
      if (slackError(e) === 'name_taken') return 'name_taken';
      throw e;
    }
  }

  async invite(channelId: string, users: readonly UserId[]): Promise<void> {
    for (const user of new Set(users)) {
      try {
        await this.client.conversations.invite({ channel: channelId, users: user });
      } catch (e) {
        // Already there (or inviting ourselves) is the state we wanted.
        if (!['already_in_channel', 'cant_invite_self'].includes(slackError(e) ?? '')) throw e;
      }
    }
  }

  async setTopic(channelId: string, topic: Line): Promise<void> {
    await this.client.conversations.setTopic({ channel: channelId, topic: renderLine(topic).slice(0, TOPIC_MAX) });
  }

  async post(channel: string, message: ChatMessage): Promise<PostedMessage> {
    const res = await this.client.chat.postMessage({ channel, ...renderMessage(message), unfurl_links: false });
    if (!res.ts || !res.channel) throw new Error('chat.postMessage returned no ts or channel');
    return { channel: res.channel, id: res.ts };
  }

  async update(channel: string, messageId: string, message: ChatMessage): Promise<void> {
    await this.client.chat.update({ channel, ts: messageId, ...renderMessage(message) });
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

  async sendDirect(user: UserId, message: ChatMessage): Promise<void> {
    const opened = await this.client.conversations.open({ users: user });
    const channel = opened.channel?.id;
    if (!channel) throw new Error('conversations.open returned no channel');
    await this.post(channel, message);
  }
}
