/**
 * ChatPlatform on the Mattermost REST API v4 through Client4. Only translation: Mattermost addresses users by
 * @username and channels by ~name, so ids are looked up (and cached) before a message is rendered.
 */
import type { UserId } from '../../incidents/incident.ts';
import type { ChatPlatform, PostedMessage } from '../chat-platform.ts';
import type { Button, ChatMessage, Line } from '../message.ts';
import { clientError, type MattermostClient } from './mattermost-client.ts';
import { mentionedIds, type MattermostPost, type Names, renderLine, renderPost } from './mattermost-render.ts';

/** Mattermost's limit on channel names. */
export const MATTERMOST_CHANNEL_NAME_MAX = 64;
/** Mattermost's limit on channel headers. */
const HEADER_MAX = 1024;
const NAME_TAKEN = 'store.sql_channel.save_channel.exists.app_error';

/** Mattermost ids are 26 lowercase letters and digits. */
export const looksLikeId = (s: string): boolean => /^[a-z0-9]{26}$/.test(s);

export interface MattermostPlatformOptions {
  client: MattermostClient;
  /** Team name or id. */
  team: string;
  announceChannel: string;
  alertsChannel: string;
  /** Where buttons call back: PUBLIC_URL + /mattermost/actions. */
  actionUrl: string;
  sign: (button: Button['id'], value: number) => string;
}

export class MattermostPlatform implements ChatPlatform {
  readonly platform = 'mattermost' as const;
  readonly maxChannelNameLength = MATTERMOST_CHANNEL_NAME_MAX;
  readonly announceChannel: string;
  readonly alertsChannel: string;
  private readonly o: MattermostPlatformOptions;
  private readonly client: MattermostClient;
  private readonly usernames = new Map<string, string>();
  private readonly channelNames = new Map<string, string>();
  private readonly channelIds = new Map<string, string>();
  private teamId: Promise<string> | undefined;
  private botUserId: Promise<string> | undefined;

  constructor(opts: MattermostPlatformOptions) {
    this.o = opts;
    this.client = opts.client;
    this.announceChannel = opts.announceChannel;
    this.alertsChannel = opts.alertsChannel;
  }

  async createChannel(name: string, isPrivate: boolean): Promise<{ id: string } | 'name_taken'> {
    const teamId = await this.team();
    try {
      const channel = await this.client.createChannel({ team_id: teamId, name, display_name: name, type: isPrivate ? 'P' : 'O' } as never);
      this.remember(channel.id, channel.name);
      return { id: channel.id };
    } catch (e) {
      if (clientError(e).server_error_id === NAME_TAKEN) return 'name_taken';
      throw e;
    }
  }

  async invite(channelId: string, users: readonly UserId[]): Promise<void> {
    for (const user of new Set(users)) await this.client.addToChannel(user, channelId);
  }

  async setTopic(channelId: string, topic: Line): Promise<void> {
    await this.resolveNames({ lines: [topic] });
    await this.client.patchChannel(channelId, { header: renderLine(topic, this.names()).slice(0, HEADER_MAX) });
  }

  async post(channel: string, message: ChatMessage, key?: string): Promise<PostedMessage> {
    const channelId = await this.channelId(channel);
    const post = await this.render(message);
    // The server drops a create carrying a pending_post_id it has seen in the last 30 s and returns the first post
    // (mattermost/server app/post.go deduplicateCreatePost, PendingPostIDsCacheTTL): a retry whose answer was lost
    // does not post twice.
    const pending = key ? { pending_post_id: `sitroom-${key}` } : {};
    const created = await this.client.createPost({ channel_id: channelId, ...post, ...pending } as never);
    return { channel: channelId, id: created.id };
  }

  async update(_channel: string, messageId: string, message: ChatMessage): Promise<void> {
    const post = await this.render(message);
    await this.client.patchPost({ id: messageId, ...post } as never);
  }

  async pin(_channel: string, messageId: string): Promise<void> {
    await this.client.pinPost(messageId);
  }

  async postFile(channel: string, file: { filename: string; content: string; title: string }, message: ChatMessage): Promise<void> {
    const channelId = await this.channelId(channel);
    const form = new FormData();
    form.append('channel_id', channelId);
    form.append('files', new Blob([file.content], { type: 'text/markdown' }), file.filename);
    const uploaded = await this.client.uploadFile(form);
    const post = await this.render(message);
    await this.client.createPost({ channel_id: channelId, ...post, file_ids: uploaded.file_infos.map((f) => f.id) } as never);
  }

  async sendDirect(user: UserId, message: ChatMessage): Promise<void> {
    const bot = await this.bot();
    const dm = await this.client.createDirectChannel([bot, user]);
    await this.post(dm.id, message);
  }

  /** The message as a Mattermost post, with every mentioned user and channel looked up. */
  async render(message: ChatMessage): Promise<MattermostPost> {
    await this.resolveNames(message);
    return renderPost(message, this.names(), this.o.actionUrl, this.o.sign);
  }

  /** User ids for @usernames (those Mattermost did not already resolve in the request). */
  async userIdsByName(usernames: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (usernames.length === 0) return found;
    const users = await this.client.getProfilesByUsernames([...usernames]);
    for (const u of users) {
      found.set(u.username, u.id);
      this.usernames.set(u.id, u.username);
    }
    return found;
  }

  /** Opens an interactive dialog for the user whose click or command carried `triggerId`. */
  async openDialog(triggerId: string, url: string, dialog: Record<string, unknown>): Promise<void> {
    await this.client.openInteractiveDialog({ trigger_id: triggerId, url, dialog });
  }

  private names(): Names {
    return { user: (id) => this.usernames.get(id), channel: (id) => this.channelNames.get(id) };
  }

  private async resolveNames(message: ChatMessage): Promise<void> {
    const { users, channels } = mentionedIds(message);
    const unknownUsers = [...users].filter((id) => !this.usernames.has(id));
    if (unknownUsers.length) {
      for (const u of await this.client.getProfilesByIds(unknownUsers)) this.usernames.set(u.id, u.username);
    }
    for (const id of channels) {
      if (this.channelNames.has(id)) continue;
      const channel = await this.client.getChannel(id);
      this.remember(channel.id, channel.name);
    }
  }

  /** A configured channel (id or name) as an id. */
  private async channelId(channel: string): Promise<string> {
    if (looksLikeId(channel)) return channel;
    const name = channel.replace(/^~/, '');
    const known = this.channelIds.get(name);
    if (known) return known;
    const teamId = await this.team();
    const found = await this.client.getChannelByName(teamId, name);
    this.remember(found.id, found.name);
    return found.id;
  }

  private remember(id: string, name: string): void {
    this.channelNames.set(id, name);
    this.channelIds.set(name, id);
  }

  private team(): Promise<string> {
    this.teamId ??= (looksLikeId(this.o.team) ? Promise.resolve(this.o.team) : this.client.getTeamByName(this.o.team).then((t) => t.id)).catch(
      (e: unknown) => {
        this.teamId = undefined;
        throw e;
      },
    );
    return this.teamId;
  }

  private bot(): Promise<string> {
    this.botUserId ??= this.client.getMe()
      .then((me) => me.id)
      .catch((e: unknown) => {
        this.botUserId = undefined;
        throw e;
      });
    return this.botUserId;
  }

}
