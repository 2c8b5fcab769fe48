/**
 * ChatPlatform on the Mattermost REST API v4 through Client4. Only translation: Mattermost addresses users by
 * @username and channels by ~name, so ids are looked up (and cached) before a message is rendered.
 */
import type { UserId } from '../../incidents/incident.ts';
import type { ChatPlatform, PostedMessage, Updated } from '../chat-platform.ts';
import type { ChatMessage, Line } from '../../presentation/message.ts';
import type { ReplyTo } from '../../presentation/reply-effects.ts';
import { postToResponseUrl } from '../response-url.ts';
import { clientError, type MattermostClient } from './mattermost-client.ts';
import { POST_MESSAGE_MAX_RUNES, type ButtonSigner, looksLikeId, mentionedIds, type MattermostPost, type Names, renderLine, renderPost, splitOnLines } from './mattermost-render.ts';

/** Mattermost's limit on channel names. */
export const MATTERMOST_CHANNEL_NAME_MAX = 64;
/** Mattermost's limit on channel headers. */
const HEADER_MAX = 1024;
const NAME_TAKEN = 'store.sql_channel.save_channel.exists.app_error';
const EDIT_TIME_LIMIT = 'api.post.update_post.permissions_time_limit.app_error';
/** Ends an edited post that had to be cut to fit Mattermost's length limit. */
const TRUNCATED = '\n… (cut to fit Mattermost’s post length limit)';


/** A Mattermost setting the server refused (bad token, no such team or channel). */
export class MattermostSettingError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
  }
}

/** Turns the given refusals of a lookup into a MattermostSettingError; anything else (an outage) passes through. */
const refused = (variable: string, statuses: readonly number[], message: string) => (e: unknown): never => {
  const status = clientError(e).status_code;
  if (status !== undefined && statuses.includes(status)) throw new MattermostSettingError(variable, `${message} (HTTP ${status})`);
  throw e;
};

export interface MattermostPlatformOptions {
  client: MattermostClient;
  /** Team name or id. */
  team: string;
  announceChannel: string;
  alertsChannel: string;
  /** Where buttons call back: PUBLIC_URL + /mattermost/actions. */
  actionUrl: string;
  sign: ButtonSigner;
  /** A response_url POST not answered within this long fails (and the outbox retries it). */
  callTimeoutMs?: number;
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
  /** Posts too old to edit -> the post that replaced them (the id the caller recorded stays valid). */
  private readonly replaced = new Map<string, string>();
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
      if (clientError(e).server_error_id !== NAME_TAKEN) throw e;
      const own = await this.ownChannelNamed(teamId, name);
      return own ? { id: own } : 'name_taken';
    }
  }

  /**
   * The live channel called `name` that the bot itself created, if any: the channel an earlier attempt made when its
   * answer, or sitroom itself, was lost before the war room was recorded. GET /teams/{team_id}/channels/name/{name}
   * (server/channels/api4/channel.go getChannelByName) leaves archived channels out unless include_deleted=true,
   * answers 404 for none and for a private channel the bot cannot read, 403 for a public one it may not read (neither
   * is ours); the channel carries `creator_id` and `delete_at` (public/model/channel.go).
   */
  private async ownChannelNamed(teamId: string, name: string): Promise<string | undefined> {
    try {
      const channel = await this.client.getChannelByName(teamId, name);
      if (channel.creator_id !== (await this.bot()) || channel.delete_at !== 0 || channel.name !== name) return undefined;
      this.remember(channel.id, channel.name);
      return channel.id;
    } catch (e) {
      const status = clientError(e).status_code;
      if (status === 403 || status === 404) return undefined;
      throw e;
    }
  }

  /**
   * Adds everyone who can be added. Mattermost refuses a user outside the team or deactivated
   * (app/channel.go addUserToChannel), and one refusal must not keep the others out, so each is added on its own
   * and the channel is told who could not be.
   */
  async invite(channelId: string, users: readonly UserId[]): Promise<void> {
    const failed: UserId[] = [];
    for (const user of new Set(users)) {
      try {
        await this.client.addToChannel(user, channelId);
      } catch (e) {
        const status = clientError(e).status_code;
        if (status === undefined || status >= 500 || status === 429) throw e;
        failed.push(user);
      }
    }
    if (failed.length === 0) return;
    const names: Line = failed.flatMap((user, n) => [...(n > 0 ? [', '] : []), { user }]);
    await this.post(channelId, { lines: [['Could not add ', ...names, ' to this channel (not in the team, or deactivated). Add them by hand if they should be here.']] });
  }

  async setTopic(channelId: string, topic: Line): Promise<void> {
    await this.resolveNames({ lines: [topic] });
    await this.client.patchChannel(channelId, { header: renderLine(topic, this.names()).slice(0, HEADER_MAX) });
  }

  /**
   * Posts the message, in several posts when it is over Mattermost's length limit; the last (with the buttons) is
   * returned. With a `key`, each part carries a pending_post_id: the server drops a create carrying one it has seen in
   * the last 30 s and returns the first post (mattermost/server app/post.go deduplicateCreatePost,
   * PendingPostIDsCacheTTL), so a retry whose answer was lost does not post twice.
   */
  async post(channel: string, message: ChatMessage, key?: string): Promise<PostedMessage> {
    const channelId = await this.channelId(channel);
    let id = '';
    let part = 0;
    for (const post of await this.renderParts(message, channelId)) {
      const pending = key ? { pending_post_id: `sitroom-${key}${part > 0 ? `-${part}` : ''}` } : {};
      id = (await this.client.createPost({ channel_id: channelId, ...post, ...pending } as never)).id;
      part += 1;
    }
    return { channel: channelId, id };
  }

  /**
   * Replaces a post (cut to the length limit, as one post cannot be split). A server with
   * ServiceSettings.PostEditTimeLimit refuses to edit older posts (api4/post.go patchPost:
   * api.post.update_post.permissions_time_limit.app_error), so the card is posted anew, pinned if the old one was,
   * and its id is reported so the caller saves it (a restart forgets `replaced`); until then, later updates of the
   * old id go to the new post.
   */
  async update(channel: string, messageId: string, message: ChatMessage): Promise<Updated> {
    const channelId = await this.channelId(channel);
    const current = this.replaced.get(messageId) ?? messageId;
    const post = await this.render(message, channelId);
    const [first = '', ...more] = splitOnLines(post.message, POST_MESSAGE_MAX_RUNES - TRUNCATED.length);
    const fitted = { ...post, message: more.length ? `${first}${TRUNCATED}` : first };
    try {
      await this.client.patchPost({ id: current, ...fitted } as never);
      return current === messageId ? {} : { replacedBy: current };
    } catch (e) {
      if (clientError(e).server_error_id !== EDIT_TIME_LIMIT) throw e;
      const old = await this.client.getPost(current);
      const created = await this.client.createPost({ channel_id: channelId, ...fitted } as never);
      if (old.is_pinned) await this.client.pinPost(created.id);
      this.replaced.set(messageId, created.id);
      return { replacedBy: created.id };
    }
  }

  /** A message only one user sees (api4/post.go createEphemeralPost), e.g. the outcome of their click. */
  async postEphemeral(user: UserId, channel: string, message: ChatMessage): Promise<void> {
    const channelId = await this.channelId(channel);
    for (const post of await this.renderParts(message, channelId, user)) {
      await this.client.createPostEphemeral(user, { channel_id: channelId, ...post } as never);
    }
  }

  async pin(_channel: string, messageId: string): Promise<void> {
    await this.client.pinPost(this.replaced.get(messageId) ?? messageId);
  }

  async postFile(channel: string, file: { filename: string; content: string; title: string }, message: ChatMessage): Promise<void> {
    const channelId = await this.channelId(channel);
    const form = new FormData();
    form.append('channel_id', channelId);
    form.append('files', new Blob([file.content], { type: 'text/markdown' }), file.filename);
    const uploaded = await this.client.uploadFile(form);
    const post = await this.render(message, channelId);
    await this.client.createPost({ channel_id: channelId, ...post, file_ids: uploaded.file_infos.map((f) => f.id) } as never);
  }

  /**
   * A command's answer goes to its response_url, part by part (Mattermost builds it from its Site URL, app/command.go;
   * without one it is a bare path and the answer is posted as an ephemeral post instead). A click's or a dialog's goes
   * as an ephemeral post in its channel, a DM when the request named none.
   */
  async reply(to: ReplyTo, message: ChatMessage): Promise<void> {
    if (to.responseUrl && /^https?:\/\//.test(to.responseUrl) && to.channel) {
      // A command's answer is an ephemeral post for the user who typed it (app/command.go HandleCommandResponsePost).
      for (const post of await this.renderParts(message, to.channel, to.user)) {
        await postToResponseUrl(to.responseUrl, commandResponseOf(post), this.o.callTimeoutMs ?? 15_000);
      }
    } else if (to.channel) await this.postEphemeral(to.user, to.channel, message);
    else await this.sendDirect(to.user, message);
  }

  async emailOf(user: UserId): Promise<string | undefined> {
    // GET /api/v4/users/{id}: `email` is blanked for a caller without manage_system when the server's
    // PrivacySettings.ShowEmailAddress is off (mattermost server/channels/app/user.go, GetSanitizeOptions).
    return (await this.client.getUser(user)).email || undefined;
  }

  async sendDirect(user: UserId, message: ChatMessage): Promise<void> {
    const bot = await this.bot();
    const dm = await this.client.createDirectChannel([bot, user]);
    await this.post(dm.id, message);
  }

  /**
   * The message as a Mattermost post for `channelId` (its buttons are bound to it, and to `shownTo` for an ephemeral
   * message), every mention looked up.
   */
  async render(message: ChatMessage, channelId: string, shownTo?: UserId): Promise<MattermostPost> {
    await this.resolveNames(message);
    return renderPost(message, this.names(), this.o.actionUrl, this.o.sign, channelId, shownTo);
  }

  /** The message as posts within Mattermost's length limit, split on line ends; the buttons go on the last. */
  async renderParts(message: ChatMessage, channelId: string, shownTo?: UserId): Promise<MattermostPost[]> {
    return splitPost(await this.render(message, channelId, shownTo));
  }

  /**
   * The reply as the body of a slash command's answer (chat/answer-in-ack.ts): the parts renderParts makes, the first
   * as the response and the rest as its `extra_responses`. Undefined when a user or channel it mentions has not been
   * looked up yet: the answer to a request never waits for a call to Mattermost (the outbox's reply does the looking up).
   * The answer is an ephemeral post for `user`, who typed the command: its buttons are bound to them.
   */
  commandAnswer(message: ChatMessage, channelId: string, user: UserId): MattermostCommandResponse | undefined {
    const { users, channels } = mentionedIds(message);
    if ([...users].some((id) => !this.usernames.has(id)) || [...channels].some((id) => !this.channelNames.has(id))) return undefined;
    const [first, ...rest] = splitPost(renderPost(message, this.names(), this.o.actionUrl, this.o.sign, channelId, user)).map(commandResponseOf);
    return first && { ...first, ...(rest.length ? { extra_responses: rest } : {}) };
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

  /**
   * Checks the settings against the server: the bot token (getMe), the team and the announce/alerts channels.
   * Resolves with the team's name (URLs need it, not the id). A setting the server refuses throws
   * MattermostSettingError naming the variable; an unreachable server throws what Client4 threw.
   */
  async verify(): Promise<{ teamName: string }> {
    await this.bot().catch(refused('MATTERMOST_BOT_TOKEN', [401, 403], 'Mattermost refused the bot token'));
    const team = looksLikeId(this.o.team) ? this.client.getTeam(this.o.team) : this.client.getTeamByName(this.o.team);
    const { name } = await team.catch(refused('MATTERMOST_TEAM', [400, 403, 404], `Mattermost has no team ${JSON.stringify(this.o.team)} the bot can see`));
    const channels: [string, string][] = [['MATTERMOST_ANNOUNCE_CHANNEL', this.announceChannel]];
    if (this.alertsChannel !== this.announceChannel) channels.push(['MATTERMOST_ALERTS_CHANNEL', this.alertsChannel]);
    for (const [variable, channel] of channels) {
      const id = await this.channelId(channel).catch(refused(variable, [400, 403, 404], `no channel ${JSON.stringify(channel)} in team ${name}`));
      await this.client.getChannelMember(id, await this.bot()).catch(refused(variable, [403, 404], `the bot is not a member of ${JSON.stringify(channel)}; add it`));
    }
    return { teamName: name };
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
      try {
        const channel = await this.client.getChannel(id);
        this.remember(channel.id, channel.name);
      } catch (e) {
        // A channel deleted or out of the bot's reach is named without a link rather than losing the whole message.
        const status = clientError(e).status_code;
        if (status !== 404 && status !== 403) throw e;
      }
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

  /** The bot's own user id (asked once, with GET /users/me). */
  ownUserId(): Promise<string> {
    return this.bot();
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

/** A slash command's reply as Mattermost reads it (server/public/model/command_response.go CommandResponse). */
export interface MattermostCommandResponse {
  response_type: 'ephemeral';
  text: string;
  skip_slack_parsing: true;
  attachments?: unknown;
  extra_responses?: MattermostCommandResponse[];
}

/**
 * One post as a CommandResponse, for a response_url or an answer's body. skip_slack_parsing: sitroom's Markdown is
 * Mattermost's own; without it app/command.go runs model.ParseSlackLinksToMarkdown and ParseSlackAttachment over it.
 */
function commandResponseOf(post: MattermostPost): MattermostCommandResponse {
  return { response_type: 'ephemeral', text: post.message, skip_slack_parsing: true, ...(post.props.attachments ? { attachments: post.props.attachments } : {}) };
}

/** A post within Mattermost's length limit: split on line ends, the buttons on the last part. */
function splitPost(post: MattermostPost): MattermostPost[] {
  const texts = splitOnLines(post.message);
  return texts.map((text, n) => (n === texts.length - 1 ? { ...post, message: text } : { message: text, props: {} }));
}
