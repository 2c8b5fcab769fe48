/**
 * A local fake of the Mattermost REST API v4 over real HTTP, for tests that drive the real `@mattermost/client`
 * Client4 (`client.setUrl(fake.url); client.setToken('bot-token')`).
 *
 * It answers the way the Mattermost server does, as far as Client4 can tell:
 *  - `Content-Type: application/json` exactly (Client4 only parses JSON for that exact value; with a charset it
 *    hands back the raw text), errors as `{id, message, detailed_error, request_id, status_code}` with the
 *    matching HTTP status (ClientError reads `server_error_id` and `status_code` from that body);
 *  - the success statuses of the real handlers (201 for createPost/createChannel/addToChannel/createDirectChannel/
 *    ephemeral posts, 200 elsewhere) and the real error ids (see mattermost/errors.ts, taken from the server source);
 *  - ids are 26 lowercase alphanumerics, and ids in URLs and bodies are checked the way the server checks them.
 * It keeps a small model (one team, users, channels, members, headers, posts, pins, dialogs, uploaded files),
 * records every API call, and can be scripted to fail or be rate limited. It also serves
 * `POST /hooks/commands/<id>`, the `response_url` Mattermost gives slash commands.
 *
 * File uploads follow api4/file.go: Client4.uploadFile(formData) is `POST /api/v4/files` with a
 * multipart/form-data body (fields `channel_id`, optional `client_ids`, file parts named `files`), answered 201
 * `{file_infos, client_ids}`; createPost({file_ids}) then attaches them. A body that is not multipart is the
 * "simple" upload (`?channel_id=&filename=` and the raw bytes). File ids that cannot be attached (unknown, already
 * attached, someone else's) are silently dropped from the post's file_ids, as the server does.
 *
 * Deliberate leniencies: posting or uploading to a channel id the fake has never heard of is accepted (so a bot can
 * answer in the channel a slash command came from without seeding it); the team and permission model is reduced to
 * "the bot must be a member of a known channel to post or upload in it, and of a private one to add members to it".
 *
 * Its parts live in mattermost/: ids and trigger ids, error bodies, the shapes tests see, post props, request
 * bodies (shared with the Slack fake), Dialog.IsValid and Slack-compatible parsing. This file is the server itself.
 */
import { closeServer, listenOnLoopback, readRequest } from './local-server.ts';
import { PlatformFaults } from './platform-faults.ts';
import { dialogProblems } from './mattermost/dialog-rules.ts';
import { applySlackParsing } from './mattermost/slack-compatibility.ts';
import { AppError, forbidden, invalidBody, invalidUrl, readRequestError } from './mattermost/errors.ts';
import { parseHeaderValue, parseMultipart, type MultipartPart } from './mattermost/http-bodies.ts';
import { DEFAULT_TRIGGER_TIMEOUT_MS, decodeTriggerId, FAKE_MATTERMOST, fakeMattermostId, isValidMattermostId, randomMattermostId } from './mattermost/ids.ts';
import { parseJson, stripActionIntegrations, withActionIds } from './mattermost/post-props.ts';
import type {
  AddChannelOptions,
  AddUserOptions,
  ChannelType,
  EphemeralPost,
  FakeMattermostChannel,
  FakeMattermostFile,
  FakeMattermostPost,
  FakeMattermostUser,
  MattermostCall,
  OpenedDialog,
  StartOptions,
  Wire,
} from './mattermost/shapes.ts';
import type { Channel, ChannelMembership } from '@mattermost/types/channels';
import type { Team } from '@mattermost/types/teams';
import type { UserProfile } from '@mattermost/types/users';
import { ResponseUrlBodies } from './response-urls.ts';
import { Waiters } from './waiters.ts';
import { createServer } from 'node:http';
import { FakeMattermostWebSocket } from './mattermost/websocket.ts';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export { FAKE_MATTERMOST, fakeMattermostId, isValidMattermostId, makeTriggerId } from './mattermost/ids.ts';
export type { MattermostErrorBody } from './mattermost/errors.ts';
export * from './mattermost/shapes.ts';
export { parseHeaderValue, parseMultipart, readBytes, type MultipartPart } from './mattermost/http-bodies.ts';

// ---- Internal state ---------------------------------------------------------------------------------------------

const API_PREFIX = '/api/v4';
const CHANNEL_NAME_MAX = 64;
const CHANNEL_DISPLAY_NAME_MAX = 64;
const CHANNEL_HEADER_MAX = 1024;
const CHANNEL_PURPOSE_MAX = 250;
const POST_MESSAGE_MAX = 16383;
/** model.PostFileidsMaxRunes: the JSON of file_ids may be 300 runes, i.e. at most 10 ids. */
const POST_FILE_IDS_MAX_RUNES = 300;
/** api4/file.go maxMultipartFormDataBytes: form values in an upload are read up to 10 KB. */
const MULTIPART_FORM_VALUE_MAX = 10 * 1024;
/** Each response_url may be used 5 times (store.CommandWebhook().TryUse(hook.Id, 5)). */
const RESPONSE_URL_MAX_USES = 5;
/** Lowercase letters, digits, '-' and '_', starting and ending with a letter or digit. */
const CHANNEL_NAME = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$/;

interface ChannelState {
  id: string;
  teamId: string;
  type: ChannelType;
  name: string;
  displayName: string;
  header: string;
  purpose: string;
  creatorId: string;
  createAt: number;
  updateAt: number;
  lastPostAt: number;
  totalMsgCount: number;
  members: Set<string>;
}

interface UserState extends FakeMattermostUser {
  createAt: number;
  inTeam: boolean;
  deleteAt: number;
}

/** model.FileInfo, with the bytes. */
interface FileState {
  id: string;
  creatorId: string;
  /** The upload's channel, then the post's once attached (FileInfoStore.AttachToPost sets both). */
  channelId: string;
  postId: string;
  name: string;
  extension: string;
  mimeType: string;
  bytes: Buffer;
  createAt: number;
}

type Scripted = { kind: 'error'; status: number; errorId: string } | { kind: 'ratelimit'; retryAfterSeconds: number } | { kind: 'lose_answer' };

interface ScriptedEntry {
  method: string;
  pattern: RegExp;
  outcome: Scripted;
}

interface Answer {
  status: number;
  /** JSON body, or text when `text` is set. */
  body: unknown;
  text?: { contentType: string; value: string };
  headers?: Record<string, string>;
}

type Params = Record<string, string | undefined>;

interface RequestContext {
  params: Params;
  query: URLSearchParams;
  json: { ok: true; value: unknown } | { ok: false };
  /** The request body as received, for the handlers that do not take JSON (file uploads). */
  body: Buffer;
  contentType: string | undefined;
}

interface Route {
  method: string;
  /** The route as written ('/posts/{post_id}'), naming the call in faults' logs. */
  template: string;
  pattern: RegExp;
  /** Whether a session (bearer token) is required; /actions/dialogs/open is an APIHandler, not APISessionRequired. */
  session: boolean;
  handle: (ctx: RequestContext) => Answer;
}


const ok = (body: unknown, status = 200): Answer => ({ status, body });
const statusOk = (): Answer => ok({ status: 'OK' });
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const runes = (s: string): number => [...s].length;
const clone = <T>(value: T): T => structuredClone(value);
const summarize = (value: unknown, max = 160): string => {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > max ? `${json.slice(0, max)}…` : json;
};

/** '/api/v4/posts/{post_id}/pin' → a RegExp with named groups; `{name:kind}` picks the segment syntax the server's router uses. */
function compileRoute(template: string): RegExp {
  const kinds: Record<string, string> = {
    id: '[A-Za-z0-9]+',
    name: '[A-Za-z0-9_-]+',
    username: '[A-Za-z0-9_.\\-]+',
  };
  const source = template.replace(/\{(\w+)(?::(\w+))?\}/g, (_, name: string, kind?: string) => `(?<${name}>${kinds[kind ?? 'id'] ?? kinds.id})`);
  return new RegExp(`^${source}$`);
}

/** The path pattern of failNext/rateLimitNext: a RegExp as is, or a whole path where `{x}` and `*` stand for one segment. */
function compilePathPattern(pattern: string | RegExp): RegExp {
  if (pattern instanceof RegExp) return pattern;
  const escaped = normalizePath(pattern)
    .split(/(\{[^}]*\}|\*)/)
    .map((part) => (part === '*' || part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${escaped}$`);
}

/** Paths given to callsTo/failNext may leave out the /api/v4 prefix. */
function normalizePath(path: string): string {
  return path.startsWith('/api/') || path.startsWith('/hooks/') ? path : `${API_PREFIX}${path.startsWith('/') ? '' : '/'}${path}`;
}

/** server/channels/app/post.go: pendingPostIDsCacheTTL = 30 * time.Second. */
export const PENDING_POST_IDS_TTL_MS = 30_000;

export class FakeMattermostApi {
  readonly url: string;
  readonly calls: MattermostCall[] = [];
  readonly team = { id: FAKE_MATTERMOST.teamId, name: FAKE_MATTERMOST.teamName, displayName: FAKE_MATTERMOST.teamDisplayName } as const;
  readonly botUserId: string = FAKE_MATTERMOST.botUserId;
  /** Trigger ids older than this are refused with interactive_message.decode_trigger_id.expired. */
  triggerTimeoutMs: number;
  /**
   * Mattermost itself only refuses expired trigger ids; the fake also refuses one already used to open a dialog
   * (with the same "expired" error id), because a bot that reuses a trigger is buggy. Set false to allow it.
   */
  rejectReusedTriggers = true;
  /**
   * ServiceSettings.OutgoingIntegrationRequestsTimeout in ms: how long the server waits for an integration's answer
   * to a click or dialog submission (see deliverAsMattermost in mattermost-requests.ts).
   */
  integrationTimeoutMs = DEFAULT_TRIGGER_TIMEOUT_MS;
  /** Milliseconds every API answer is held back: a slow server (sitroom must still answer Mattermost at once). */
  latencyMs = 0;
  /**
   * ServiceSettings.PostEditTimeLimit in seconds (-1, the default, for no limit). api4/post.go updatePost and
   * patchPost refuse to change the message of a post older than this with 400
   * api.post.update_post.permissions_time_limit.app_error.
   */
  postEditTimeLimitSeconds = -1;
  /**
   * Outages and the server's rate limiter (platform-faults.ts: MATTERMOST_RATE_LIMIT), answered before the model.
   * Down, every API call and response URL answers 503 in plain text, as the proxy in front of a stopped server does.
   */
  readonly faults = new PlatformFaults(Date.now, { status: 503, body: {}, text: 'Service Unavailable\n', headers: {} });
  /**
   * pending_post_id -> the post created with it and until when the server remembers it. server/channels/app/post.go
   * deduplicateCreatePost: a create carrying a pending_post_id seen in the last pendingPostIDsCacheTTL (30 s) returns
   * the post already created instead of a second one (the cache is keyed by the raw id, for every user and channel;
   * SetWithExpiry after the save restarts the 30 s). No id: no deduplication.
   */
  private readonly pendingPostIds = new Map<string, { postId: string; until: number }>();
  /** The clock of the dedup window and the faults (a test's fixed clock; Date.now by default). */
  private clock: () => number = Date.now;

  /** The WebSocket API on /api/v4/websocket (events: hello, posted, reaction_added, reaction_removed). */
  readonly websocket: FakeMattermostWebSocket;
  private readonly server: Server;
  private readonly token: string | undefined;
  private readonly routes: Route[];
  private readonly scripted: ScriptedEntry[] = [];
  private readonly responseUses = new Map<string, number>();
  private readonly waiters = new Waiters('FakeMattermostApi');
  private readonly responseBodies = new ResponseUrlBodies(this.waiters);

  // The model; everything below is cleared by reset().
  private readonly users = new Map<string, UserState>();
  private readonly channels = new Map<string, ChannelState>();
  private readonly posts = new Map<string, FakeMattermostPost>();
  private readonly files = new Map<string, FileState>();
  private readonly pins = new Map<string, string[]>();
  private readonly dialogs: OpenedDialog[] = [];
  private readonly ephemerals: EphemeralPost[] = [];
  private readonly usedTriggers = new Set<string>();
  private readonly showEmailAddress: boolean;
  private channelCounter = 0;
  private postCounter = 0;
  private fileCounter = 0;
  private lastMillis = 0;

  private constructor(server: Server, url: string, opts: StartOptions) {
    this.server = server;
    this.url = url;
    this.token = opts.token;
    this.triggerTimeoutMs = opts.triggerTimeoutMs ?? DEFAULT_TRIGGER_TIMEOUT_MS;
    this.showEmailAddress = opts.showEmailAddress ?? true;
    this.seed();
    // The REST API's rule for sessions holds on the socket too: the bot's token (or any, when none is configured).
    this.websocket = new FakeMattermostWebSocket(server, {
      userOfToken: (token) => (this.token === undefined || token === this.token ? this.botUserId : undefined),
      isMember: (userId, channelId) => this.channels.get(channelId)?.members.has(userId) ?? false,
      serverVersion: FAKE_MATTERMOST.serverVersion,
    });
    const r = (method: string, template: string, handle: (ctx: RequestContext) => Answer, session = true): Route => ({
      method,
      template,
      pattern: compileRoute(`${API_PREFIX}${template}`),
      session,
      handle,
    });
    // Order matters where a literal segment could also match a parameter (me, ids, direct, ephemeral, name).
    this.routes = [
      // One's own address is never sanitized away.
      r('GET', '/users/me', () => ok({ ...this.userObject(this.sessionUser()), email: this.sessionUser().email })),
      r('POST', '/users/ids', (c) => this.getUsersByIds(c)),
      r('POST', '/users/usernames', (c) => this.getUsersByUsernames(c)),
      r('GET', '/users/username/{username:username}', (c) => this.getUserByUsername(c)),
      r('GET', '/users/{user_id}', (c) => this.getUser(c)),
      r('GET', '/teams/name/{team_name:name}', (c) => this.getTeamByName(c)),
      r('GET', '/teams/{team_id}/channels/name/{channel_name:name}', (c) => this.getChannelByName(c)),
      r('GET', '/teams/{team_id}/members/{user_id}', (c) => this.getTeamMember(c)),
      r('GET', '/teams/{team_id}', (c) => this.getTeam(c)),
      r('POST', '/channels', (c) => this.createChannel(c)),
      r('POST', '/channels/direct', (c) => this.createDirectChannel(c)),
      r('GET', '/channels/{channel_id}', (c) => ok(this.channelObject(this.existingChannel(c.params.channel_id)))),
      r('PUT', '/channels/{channel_id}/patch', (c) => this.patchChannel(c)),
      r('POST', '/channels/{channel_id}/members', (c) => this.addChannelMember(c)),
      r('GET', '/channels/{channel_id}/members/{user_id}', (c) => this.getChannelMember(c)),
      r('POST', '/posts', (c) => this.createPost(c)),
      r('POST', '/posts/ephemeral', (c) => this.createEphemeralPost(c)),
      r('GET', '/posts/{post_id}', (c) => this.getPost(c)),
      r('PUT', '/posts/{post_id}', (c) => this.updatePost(c)),
      r('PUT', '/posts/{post_id}/patch', (c) => this.patchPost(c)),
      r('POST', '/posts/{post_id}/pin', (c) => this.pinPost(c)),
      r('POST', '/files', (c) => this.uploadFile(c)),
      r('POST', '/actions/dialogs/open', (c) => this.openDialog(c), false),
    ];
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.send(res, { status: 500, body: new AppError(500, 'fake.internal_error', {}, String(err)).body() });
      });
    });
  }

  static async start(opts: StartOptions = {}): Promise<FakeMattermostApi> {
    const server = createServer();
    return new FakeMattermostApi(server, await listenOnLoopback(server), opts);
  }

  // ---- Recording and scripting -------------------------------------------------------------------------------

  /** Calls with this method whose path starts with pathPrefix ('/api/v4' may be left out: callsTo('POST', '/posts')). */
  callsTo(method: string, pathPrefix: string): MattermostCall[] {
    const prefix = normalizePath(pathPrefix);
    return this.calls.filter((c) => c.method === method.toUpperCase() && c.path.startsWith(prefix));
  }

  /**
   * Make the next `times` matching calls fail with an AppError body {id: errorId, status_code: status}.
   * pathPattern: a RegExp, or a whole path where `{x}` or `*` stands for one segment ('/posts/{id}/patch').
   */
  failNext(method: string, pathPattern: string | RegExp, status: number, errorId: string, times = 1): void {
    this.script(method, pathPattern, { kind: 'error', status, errorId }, times);
  }

  /**
   * Make the next `times` matching calls answer like Mattermost's rate limiter: 429, X-RateLimit-Limit/-Remaining/
   * -Reset and Retry-After headers, and the plain-text body "limit exceeded\n" (http.Error), not JSON. Client4
   * therefore throws a ClientError with message '' and no status_code or server_error_id.
   */
  rateLimitNext(method: string, pathPattern: string | RegExp, retryAfterSeconds = 1, times = 1): void {
    this.script(method, pathPattern, { kind: 'ratelimit', retryAfterSeconds }, times);
  }

  /**
   * The next `times` matching calls are carried out, but their answer is lost: the connection is dropped before a
   * byte of it is sent (a proxy or network failing after the server did the work). The caller sees a network error.
   */
  loseAnswerNext(method: string, pathPattern: string | RegExp, times = 1): void {
    this.script(method, pathPattern, { kind: 'lose_answer' }, times);
  }

  /** Reads time from `now` from here on: the pending_post_id window and the faults' rate limit and logs. */
  timeFrom(now: () => number): void {
    this.clock = now;
    this.faults.timeFrom(now);
  }

  /** Resolves with the first recorded call matching predicate; rejects after timeoutMs listing the calls seen. */
  waitFor(predicate: (c: MattermostCall) => boolean, timeoutMs = 5000): Promise<MattermostCall> {
    return this.waitUntil(
      () => this.calls.find(predicate),
      timeoutMs,
      () => {
        const seen = this.calls.map((c) => `  ${c.method} ${c.path} ${summarize(c.body)} -> ${c.status} ${summarize(c.response)}`);
        return `no call matching the predicate; calls seen:\n${seen.join('\n') || '  (none)'}`;
      },
    );
  }

  /** The URL to put in a slash command's response_url. */
  responseUrl(id: string): string {
    return `${this.url}/hooks/commands/${encodeURIComponent(id)}`;
  }

  /**
   * Bodies POSTed to responseUrl(id), in order. As Mattermost parses them: JSON when the request says
   * Content-Type: application/json, otherwise the text becomes {text: <body>}.
   */
  responses(id: string): unknown[] {
    return clone(this.responseBodies.all(id));
  }

  /** Resolves with the first body POSTed to responseUrl(id); use responses(id) for later ones. */
  waitForResponse(id: string, timeoutMs = 5000): Promise<unknown> {
    return this.responseBodies.first(id, timeoutMs);
  }

  /**
   * What the server does with an integration's answer to the slash command whose response_url is responseUrl(id):
   * app/command.go DoCommandRequest reads a 200's body with model.CommandResponseFromHTTPBody (JSON when the
   * Content-Type says so, else the text), and HandleCommandResponse posts it and each of its `extra_responses`
   * (HandleCommandResponsePost), as a response_url post is. A response without text or attachments (sitroom's `{}`)
   * shows nothing. Kept with responses(id), first; it is the answer to the server's own request, so it uses none of
   * the response_url's 5 uses and passes no rate limiter. Returns the error the user would see instead, if any.
   */
  commandAnswered(id: string, answer: { status: number; contentType: string | null; body: string }): string | undefined {
    if (answer.status !== 200) return 'api.command.execute_command.failed_resp.app_error';
    const isJson = (answer.contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
    let response: Record<string, unknown> = { text: answer.body };
    if (isJson) {
      const parsed = parseJson(answer.body);
      if (!parsed.ok || !isObject(parsed.value)) return 'api.command.execute_command.failed.app_error';
      response = parsed.value;
    }
    const extra = Array.isArray(response['extra_responses']) ? response['extra_responses'].filter(isObject) : [];
    for (const one of [response, ...extra]) {
      const shown = applySlackParsing(one) as { text?: unknown; attachments?: unknown };
      if (str(shown.text) !== '' || (Array.isArray(shown.attachments) && shown.attachments.length > 0)) this.responseBodies.record(id, shown);
    }
    return undefined;
  }

  // ---- Model inspection and seeding --------------------------------------------------------------------------

  channel(channelId: string): FakeMattermostChannel | undefined {
    const ch = this.channels.get(channelId);
    return (
      ch && {
        id: ch.id,
        teamId: ch.teamId,
        name: ch.name,
        displayName: ch.displayName,
        type: ch.type,
        header: ch.header,
        purpose: ch.purpose,
        creatorId: ch.creatorId,
        members: [...ch.members],
      }
    );
  }

  channelNamed(name: string, teamId: string = this.team.id): FakeMattermostChannel | undefined {
    const ch = [...this.channels.values()].find((c) => c.name === name && (c.teamId === teamId || c.teamId === ''));
    return ch && this.channel(ch.id);
  }

  headerOf(channelId: string): string | undefined {
    return this.channels.get(channelId)?.header;
  }

  membersOf(channelId: string): string[] {
    return [...(this.channels.get(channelId)?.members ?? [])];
  }

  /** The latest version of each post in the channel, oldest first. */
  postsIn(channelId: string): FakeMattermostPost[] {
    return [...this.posts.values()].filter((p) => p.channelId === channelId).map((p) => clone(p));
  }

  post(postId: string): FakeMattermostPost | undefined {
    const p = this.posts.get(postId);
    return p && clone(p);
  }

  /**
   * Files uploaded to the channel, oldest first; a file attached to a post counts in the post's channel (the server
   * moves it there). postId is set once createPost({file_ids}) attached the file.
   */
  filesIn(channelId: string): FakeMattermostFile[] {
    return [...this.files.values()]
      .filter((f) => f.channelId === channelId)
      .map((f) => ({ id: f.id, name: f.name, content: f.bytes.toString('utf8'), ...(f.postId !== '' && { postId: f.postId }) }));
  }

  /** Ids of the posts pinned in the channel, in the order they were pinned. */
  pinnedIn(channelId: string): string[] {
    return [...(this.pins.get(channelId) ?? [])];
  }

  dialogsOpened(): OpenedDialog[] {
    return clone(this.dialogs);
  }

  /** Makes a post look `ms` older, e.g. past postEditTimeLimitSeconds. */
  agePost(postId: string, ms: number): void {
    const post = this.posts.get(postId);
    if (!post) throw new Error(`FakeMattermostApi.agePost: no post ${postId}`);
    post.createAt -= ms;
  }

  /** Ephemeral posts sent (POST /posts/ephemeral), optionally only those for one user. */
  ephemeralPosts(userId?: string): EphemeralPost[] {
    return clone(this.ephemerals.filter((e) => userId === undefined || e.userId === userId));
  }

  user(userId: string): FakeMattermostUser | undefined {
    const u = this.users.get(userId);
    return u && this.publicUser(u);
  }

  /** Add a user (ids must be valid Mattermost ids: use fakeMattermostId('alice')). Usernames are lowercased, as the server stores them. */
  addUser(id: string, username: string, opts: AddUserOptions = {}): FakeMattermostUser {
    if (!isValidMattermostId(id)) {
      throw new Error(`FakeMattermostApi.addUser: '${id}' is not a valid Mattermost id (26 lowercase alphanumerics); use fakeMattermostId('${id}')`);
    }
    const lower = username.toLowerCase();
    const user: UserState = {
      id,
      username: lower,
      isBot: opts.isBot ?? false,
      firstName: opts.firstName ?? '',
      lastName: opts.lastName ?? '',
      nickname: opts.nickname ?? '',
      email: opts.email ?? `${lower}@sitroom.test`,
      createAt: this.now(),
      inTeam: opts.inTeam ?? true,
      deleteAt: opts.deactivated ? this.now() : 0,
    };
    this.users.set(id, user);
    return this.publicUser(user);
  }

  /** Seed a channel that exists before the test; the bot is a member unless botIsMember is false. */
  addChannel(opts: AddChannelOptions): FakeMattermostChannel {
    if (opts.id !== undefined && !isValidMattermostId(opts.id)) {
      throw new Error(`FakeMattermostApi.addChannel: '${opts.id}' is not a valid Mattermost id; use fakeMattermostId('${opts.id}')`);
    }
    if (!CHANNEL_NAME.test(opts.name) || opts.name.length > CHANNEL_NAME_MAX) {
      throw new Error(`FakeMattermostApi.addChannel: '${opts.name}' is not a valid channel name`);
    }
    const ch = this.createChannelState({
      id: opts.id ?? this.nextChannelId(),
      teamId: opts.teamId ?? this.team.id,
      type: opts.type ?? 'O',
      name: opts.name,
      displayName: opts.displayName ?? opts.name,
      header: opts.header ?? '',
      purpose: opts.purpose ?? '',
    });
    if (opts.creatorId !== undefined) ch.creatorId = opts.creatorId;
    if (opts.botIsMember === false) ch.members.delete(this.botUserId);
    for (const member of opts.members ?? []) ch.members.add(member);
    return this.channel(ch.id) as FakeMattermostChannel;
  }

  /** Forget calls, scripted outcomes, response_url bodies and the model (users but the bot too): as good as new. */
  reset(): void {
    this.calls.length = 0;
    this.scripted.length = 0;
    this.dialogs.length = 0;
    this.ephemerals.length = 0;
    this.responseBodies.clear();
    for (const map of [this.responseUses, this.users, this.channels, this.posts, this.files, this.pins, this.pendingPostIds]) map.clear();
    this.usedTriggers.clear();
    this.channelCounter = 0;
    this.postCounter = 0;
    this.fileCounter = 0;
    this.seed();
  }

  /**
   * A person posts in a channel (as typed in Mattermost, not through the API): stored, and broadcast as the `posted`
   * event (app/post.go: `data.post` is the post's JSON string). `at` (ms) sets its create_at. Returns the post's id.
   * `props` are what the user's own POST /api/v4/posts may carry: the server keeps props.attachments, integration
   * actions (url, context) included, and only gives actions their ids (api4/post.go createPost -> app/post.go
   * CreatePost: post.GenerateActionIds; model.Post.ValidateProps only logs bad actions). So any channel member can
   * post a copy of a bot's buttons: the click is then sent with the copy's context (app/integration_action.go).
   */
  postAs(userId: string, channelId: string, message: string, opts: { at?: number; rootId?: string; fileNames?: string[]; props?: Record<string, unknown> } = {}): string {
    const at = opts.at ?? this.now();
    const postId = this.nextPostId();
    const fileIds = (opts.fileNames ?? []).map((name) => {
      const id = fakeMattermostId(`file${++this.fileCounter}`);
      const extension = name.includes('.') ? (name.split('.').pop() ?? '') : '';
      this.files.set(id, { id, creatorId: userId, channelId, postId, name, extension, mimeType: 'application/octet-stream', bytes: Buffer.alloc(0), createAt: at });
      return id;
    });
    const props = withActionIds(clone(opts.props ?? {}));
    const post: FakeMattermostPost = { id: postId, channelId, userId, rootId: opts.rootId ?? '', message, props, fileIds, isPinned: false, createAt: at, updateAt: at, editAt: 0 };
    this.posts.set(post.id, post);
    this.websocket.broadcastToChannel('posted', { channel_type: 'O', post: JSON.stringify(this.postObject(post)), sender_name: `@${this.users.get(userId)?.username ?? userId}` }, channelId);
    return post.id;
  }

  /** A user joins a channel themselves (as in the webapp, not through the bot). */
  join(userId: string, channelId: string): void {
    const ch = this.channels.get(channelId);
    if (!ch) throw new Error(`FakeMattermostApi.join: no channel ${channelId}`);
    ch.members.add(userId);
  }

  /**
   * `userId` adds (or removes) the reaction `emojiName` on a post: broadcast to the channel's members as
   * reaction_added / reaction_removed with the reaction as a JSON string in `data.reaction` (app/reaction.go sendReactionEvent).
   */
  react(userId: string, postId: string, emojiName: string, opts: { remove?: boolean } = {}): void {
    const post = this.posts.get(postId);
    if (!post) throw new Error(`no post ${postId}`);
    const at = this.now();
    const reaction = { user_id: userId, post_id: postId, emoji_name: emojiName, create_at: at, update_at: at, delete_at: opts.remove ? at : 0, remote_id: '', channel_id: post.channelId };
    this.websocket.broadcastToChannel(opts.remove ? 'reaction_removed' : 'reaction_added', { reaction: JSON.stringify(reaction) }, post.channelId);
  }

  async close(): Promise<void> {
    this.websocket.close();
    this.waiters.abortAll();
    await closeServer(this.server);
  }

  // ---- HTTP --------------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { url, bytes, raw } = await readRequest(req, this.url);
    const method = (req.method ?? 'GET').toUpperCase();
    const hookId = /^\/hooks\/commands\/([^/]+)$/.exec(url.pathname)?.[1];

    if (method === 'POST' && hookId !== undefined) {
      // The server's rate limiter wraps its whole router (server/channels/app/server.go Start: handler =
      // rateLimiter.RateLimitHandler(handler) over RootRouter), and /hooks/commands/{id} is on that router
      // (server/channels/web/webhook.go InitWebhooks, lines 20-21): a response_url post is limited like an API call.
      // Its key is the remote address (RateLimitSettings.VaryByRemoteAddr, true by default; ratelimit.go GenerateKey,
      // and the post carries no token for VaryByUser), so from sitroom's host it shares the API calls' bucket.
      const fault = this.faults.answer('POST /hooks/commands/{id}', '');
      if (fault) return this.send(res, { status: fault.status, body: fault.body, headers: fault.headers, ...(fault.text === undefined ? {} : { text: { contentType: 'text/plain; charset=utf-8', value: fault.text } }) });
      this.send(res, this.commandWebhook(decodeURIComponent(hookId), req.headers['content-type'], raw));
      return;
    }
    const token = /^(?:bearer|token)\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? (url.searchParams.get('access_token') || undefined);
    const lost = { answer: false };
    const answer = this.answerApiCall(method, url, { raw, bytes, contentType: req.headers['content-type'] }, token, lost);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const parsed = parseJson(raw);
    this.record({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: raw === '' ? undefined : parsed.ok ? parsed.value : raw,
      token,
      headers: { ...req.headers },
      at: Date.now(),
      status: answer.status,
      response: answer.text ? answer.text.value : answer.body,
    });
    if (lost.answer) {
      res.socket?.destroy();
      return;
    }
    this.send(res, answer);
  }

  private answerApiCall(
    method: string,
    url: URL,
    body: { raw: string; bytes: Buffer; contentType: string | undefined },
    token: string | undefined,
    lost: { answer: boolean },
  ): Answer {
    const found = this.matchRoute(method, url.pathname);
    if (!found) return { status: 404, body: new AppError(404, 'api.context.404.app_error').body() };
    const { route, params } = found;
    const json = parseJson(body.raw);
    const bodyChannel = json.ok && isObject(json.value) ? str(json.value.channel_id) : '';
    const fault = this.faults.answer(`${method} ${route.template}`, params.channel_id ?? bodyChannel);
    if (fault) return { status: fault.status, body: fault.body, headers: fault.headers, ...(fault.text === undefined ? {} : { text: { contentType: 'text/plain; charset=utf-8', value: fault.text } }) };

    // The rate limiter wraps every handler, so it answers before authentication does.
    const scripted = this.takeScripted(method, url.pathname);
    if (scripted?.kind === 'ratelimit') {
      const seconds = String(scripted.retryAfterSeconds);
      return {
        status: 429,
        body: undefined,
        text: { contentType: 'text/plain; charset=utf-8', value: 'limit exceeded\n' },
        headers: {
          'X-RateLimit-Limit': '10',
          'X-RateLimit-Remaining': '0',
          'X-RateLimit-Reset': seconds,
          'Retry-After': seconds,
          'X-Content-Type-Options': 'nosniff',
        },
      };
    }
    if (route.session && (token === undefined || (this.token !== undefined && token !== this.token))) {
      const detail = token === undefined ? '' : `token=${token}`;
      return { status: 401, body: new AppError(401, 'api.context.session_expired.app_error', {}, detail).body() };
    }
    if (scripted?.kind === 'error') {
      return { status: scripted.status, body: new AppError(scripted.status, scripted.errorId, {}, 'scripted by FakeMattermostApi.failNext').body() };
    }
    if (scripted?.kind === 'lose_answer') lost.answer = true;

    try {
      return route.handle({
        params,
        query: url.searchParams,
        json,
        body: body.bytes,
        contentType: body.contentType,
      });
    } catch (err) {
      if (err instanceof AppError) return { status: err.status, body: err.body() };
      throw err;
    }
  }

  private matchRoute(method: string, path: string): { route: Route; params: Params } | undefined {
    for (const route of this.routes) {
      const match = route.method === method ? route.pattern.exec(path) : null;
      if (match) return { route, params: match.groups ?? {} };
    }
    return undefined;
  }

  private send(res: ServerResponse, answer: Answer): void {
    const common = { 'X-Request-Id': randomMattermostId(), 'X-Version-Id': FAKE_MATTERMOST.serverVersion, ...answer.headers };
    if (answer.text) {
      res.writeHead(answer.status, { ...common, 'Content-Type': answer.text.contentType });
      res.end(answer.text.value);
      return;
    }
    // Exactly application/json: Client4 compares the header with === and returns raw text for anything else.
    res.writeHead(answer.status, { ...common, 'Content-Type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  }

  private script(method: string, pathPattern: string | RegExp, outcome: Scripted, times: number): void {
    const pattern = compilePathPattern(pathPattern);
    for (let i = 0; i < times; i++) this.scripted.push({ method: method.toUpperCase(), pattern, outcome });
  }

  private takeScripted(method: string, path: string): Scripted | undefined {
    const index = this.scripted.findIndex((s) => s.method === method && s.pattern.test(path));
    if (index < 0) return undefined;
    const [entry] = this.scripted.splice(index, 1);
    return entry?.outcome;
  }

  private record(call: MattermostCall): void {
    this.calls.push(call);
    this.notifyWaiters();
  }

  private notifyWaiters(): void {
    this.waiters.notify();
  }

  private waitUntil<T>(find: () => T | undefined, timeoutMs: number, describeMiss: () => string): Promise<T> {
    return this.waiters.until(find, timeoutMs, describeMiss);
  }


  /**
   * web/webhook.go commandWebhook: JSON when the Content-Type says so, else the text; 5 uses per hook; answers text
   * "ok". The response is recorded as Mattermost would post it (Slack-style links parsed unless skip_slack_parsing).
   */
  private commandWebhook(id: string, contentType: string | undefined, raw: string): Answer {
    const isJson = (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
    let body: unknown = { text: raw };
    if (isJson) {
      const parsed = parseJson(raw);
      if (!parsed.ok || !isObject(parsed.value)) {
        return { status: 400, body: new AppError(400, 'web.command_webhook.parse.app_error', {}, 'invalid JSON').body() };
      }
      body = applySlackParsing(parsed.value);
    }
    const uses = (this.responseUses.get(id) ?? 0) + 1;
    if (uses > RESPONSE_URL_MAX_USES) {
      return { status: 400, body: new AppError(400, 'web.command_webhook.general.app_error', {}, 'app.command_webhook.try_use.invalid').body() };
    }
    this.responseUses.set(id, uses);
    this.responseBodies.record(id, body);
    return { status: 200, body: undefined, text: { contentType: 'text/plain', value: 'ok' } };
  }

  // ---- Model -------------------------------------------------------------------------------------------------

  private seed(): void {
    this.users.set(this.botUserId, {
      id: this.botUserId,
      username: FAKE_MATTERMOST.botUsername,
      isBot: true,
      firstName: '',
      lastName: '',
      nickname: '',
      email: `${FAKE_MATTERMOST.botUsername}@localhost`,
      createAt: this.now(),
      inTeam: true,
      deleteAt: 0,
    });
  }

  /** Strictly increasing milliseconds, so create_at orders posts even within one millisecond. */
  private now(): number {
    this.lastMillis = Math.max(Date.now(), this.lastMillis + 1);
    return this.lastMillis;
  }

  private sessionUser(): UserState {
    return this.users.get(this.botUserId) as UserState;
  }

  private nextChannelId(): string {
    let id: string;
    do id = fakeMattermostId(`channel${++this.channelCounter}`);
    while (this.channels.has(id));
    return id;
  }

  private createChannelState(fields: Pick<ChannelState, 'id' | 'teamId' | 'type' | 'name' | 'displayName' | 'header' | 'purpose'>): ChannelState {
    const at = this.now();
    const ch: ChannelState = {
      ...fields,
      creatorId: this.botUserId,
      createAt: at,
      updateAt: at,
      lastPostAt: at,
      totalMsgCount: 0,
      members: new Set([this.botUserId]),
    };
    this.channels.set(ch.id, ch);
    return ch;
  }

  private existingChannel(channelId: string | undefined): ChannelState {
    if (!isValidMattermostId(channelId)) throw invalidUrl('channel_id');
    const ch = this.channels.get(channelId);
    if (!ch) throw new AppError(404, 'app.channel.get.existing.app_error', {}, `channel_id=${channelId}`);
    return ch;
  }

  /** Unknown posts answer 403: the server checks edit/read permission on the post before anything else. */
  private editablePost(postId: string | undefined): FakeMattermostPost {
    if (!isValidMattermostId(postId)) throw invalidUrl('post_id');
    const post = this.posts.get(postId);
    if (!post) throw forbidden(`post ${postId} does not exist`);
    return post;
  }

  private bodyObject(ctx: RequestContext, name: string): Record<string, unknown> {
    if (!ctx.json.ok || !isObject(ctx.json.value)) throw invalidBody(name);
    return ctx.json.value;
  }

  private bodyStrings(ctx: RequestContext, name: string): string[] {
    if (!ctx.json.ok || !Array.isArray(ctx.json.value) || ctx.json.value.length === 0) throw invalidBody(name);
    if (!ctx.json.value.every((v): v is string => typeof v === 'string')) throw invalidBody(name);
    return ctx.json.value;
  }

  /** Channel.IsValid's checks on the fields a bot sets, in the server's order. */
  private validateChannelFields(ch: Pick<ChannelState, 'type' | 'name' | 'displayName' | 'header' | 'purpose'>): void {
    if (runes(ch.displayName) > CHANNEL_DISPLAY_NAME_MAX) throw new AppError(400, 'model.channel.is_valid.display_name.app_error');
    if (ch.name.length > CHANNEL_NAME_MAX) {
      throw new AppError(400, 'model.channel.is_valid.name.app_error', {}, `name is longer than ${CHANNEL_NAME_MAX}`);
    }
    if (ch.type !== 'D' && !CHANNEL_NAME.test(ch.name)) throw new AppError(400, 'model.channel.is_valid.1_or_more.app_error', {}, `name=${ch.name}`);
    if (!['O', 'P', 'D', 'G'].includes(ch.type)) throw new AppError(400, 'model.channel.is_valid.type.app_error');
    if (runes(ch.header) > CHANNEL_HEADER_MAX) throw new AppError(400, 'model.channel.is_valid.header.app_error');
    if (runes(ch.purpose) > CHANNEL_PURPOSE_MAX) throw new AppError(400, 'model.channel.is_valid.purpose.app_error');
    const userIds = ch.name.split('__');
    if (ch.type !== 'D' && ch.type !== 'G' && ((userIds.length === 2 && userIds.every(isValidMattermostId)) || /^[a-f0-9]{40}$/.test(ch.name))) {
      throw new AppError(400, 'model.channel.is_valid.name.app_error');
    }
  }

  private nameTaken(teamId: string, name: string, exceptId?: string): boolean {
    return [...this.channels.values()].some((c) => c.teamId === teamId && c.name === name && c.id !== exceptId);
  }

  private publicUser(u: UserState): FakeMattermostUser {
    const { id, username, isBot, firstName, lastName, nickname, email } = u;
    return { id, username, isBot, firstName, lastName, nickname, email };
  }

  private userObject(u: UserState): Record<string, unknown> {
    return {
      id: u.id,
      create_at: u.createAt,
      update_at: u.createAt,
      delete_at: u.deleteAt,
      username: u.username,
      auth_service: '',
      email: this.showEmailAddress ? u.email : '',
      nickname: u.nickname,
      first_name: u.firstName,
      last_name: u.lastName,
      position: '',
      roles: 'system_user',
      locale: 'en',
      timezone: { automaticTimezone: '', manualTimezone: '', useAutomaticTimezone: 'true' },
      disable_welcome_email: false,
      ...(u.isBot && { is_bot: true, bot_description: '' }),
    } satisfies Wire<UserProfile, 'disable_welcome_email'>;
  }

  private teamObject(): Record<string, unknown> {
    return {
      id: this.team.id,
      create_at: 1_700_000_000_000,
      update_at: 1_700_000_000_000,
      delete_at: 0,
      display_name: this.team.displayName,
      name: this.team.name,
      description: '',
      email: '',
      type: 'O',
      company_name: '',
      allowed_domains: '',
      invite_id: '',
      allow_open_invite: false,
      scheme_id: null,
      group_constrained: null,
      policy_id: null,
      cloud_limits_archived: false,
    } satisfies Wire<Team, 'cloud_limits_archived'>;
  }

  private channelObject(ch: ChannelState): Record<string, unknown> {
    return {
      id: ch.id,
      create_at: ch.createAt,
      update_at: ch.updateAt,
      delete_at: 0,
      team_id: ch.teamId,
      type: ch.type,
      display_name: ch.displayName,
      name: ch.name,
      header: ch.header,
      purpose: ch.purpose,
      last_post_at: ch.lastPostAt,
      total_msg_count: ch.totalMsgCount,
      extra_update_at: 0,
      creator_id: ch.creatorId,
      scheme_id: null,
      props: null,
      group_constrained: null,
      shared: null,
      total_msg_count_root: ch.totalMsgCount,
      policy_id: null,
      last_root_post_at: ch.lastPostAt,
    } satisfies Wire<Channel, 'total_msg_count' | 'extra_update_at' | 'total_msg_count_root'>;
  }

  private memberObject(channelId: string, userId: string): Record<string, unknown> {
    return {
      channel_id: channelId,
      user_id: userId,
      roles: 'channel_user',
      last_viewed_at: 0,
      msg_count: 0,
      mention_count: 0,
      mention_count_root: 0,
      urgent_mention_count: 0,
      msg_count_root: 0,
      notify_props: { desktop: 'default', email: 'default', ignore_channel_mentions: 'default', mark_unread: 'all', push: 'default' },
      last_update_at: this.now(),
      scheme_guest: false,
      scheme_user: true,
      scheme_admin: false,
      explicit_roles: '',
    } satisfies Wire<ChannelMembership, 'scheme_guest' | 'explicit_roles'>;
  }

  /** The post as Post.EncodeJSON sends it: action integrations (url, context) stripped. */
  private postObject(p: FakeMattermostPost, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      id: p.id,
      create_at: p.createAt,
      update_at: p.updateAt,
      edit_at: p.editAt,
      delete_at: 0,
      is_pinned: p.isPinned,
      user_id: p.userId,
      channel_id: p.channelId,
      root_id: p.rootId,
      original_id: '',
      message: p.message,
      type: '',
      props: stripActionIntegrations(p.props),
      hashtags: '',
      pending_post_id: '',
      reply_count: 0,
      last_reply_at: 0,
      participants: null,
      ...(p.fileIds.length > 0 && { file_ids: [...p.fileIds] }),
      // PreparePostForClient puts the attached files' infos in metadata.files.
      metadata: p.fileIds.length > 0 ? { files: p.fileIds.flatMap((id) => this.files.get(id) ?? []).map((f) => this.fileInfoObject(f)) } : {},
      ...extra,
    };
  }

  // ---- Handlers: users and teams -----------------------------------------------------------------------------

  private getUsersByIds(ctx: RequestContext): Answer {
    const ids = this.bodyStrings(ctx, 'user_ids');
    if (!ids.every(isValidMattermostId)) throw invalidBody('user_id');
    return ok(ids.flatMap((id) => this.users.get(id) ?? []).map((u) => this.userObject(u)));
  }

  private getUsersByUsernames(ctx: RequestContext): Answer {
    const names = this.bodyStrings(ctx, 'usernames');
    const users = [...this.users.values()];
    return ok(names.flatMap((name) => users.find((u) => u.username === name) ?? []).map((u) => this.userObject(u)));
  }

  private getUserByUsername(ctx: RequestContext): Answer {
    const username = ctx.params.username ?? '';
    const user = [...this.users.values()].find((u) => u.username === username);
    if (!user) throw new AppError(404, 'app.user.get_by_username.app_error', {}, `username=${username}`);
    return ok(this.userObject(user));
  }

  private getUser(ctx: RequestContext): Answer {
    const id = ctx.params.user_id;
    if (!isValidMattermostId(id)) throw invalidUrl('user_id');
    const user = this.users.get(id);
    if (!user) throw new AppError(404, 'app.user.missing_account.const', {}, `user_id=${id}`);
    return ok(this.userObject(user));
  }

  private getTeamByName(ctx: RequestContext): Answer {
    if (ctx.params.team_name !== this.team.name) throw new AppError(404, 'app.team.get_by_name.missing.app_error');
    return ok(this.teamObject());
  }

  private getTeam(ctx: RequestContext): Answer {
    const id = ctx.params.team_id;
    if (!isValidMattermostId(id)) throw invalidUrl('team_id');
    if (id !== this.team.id) throw new AppError(404, 'app.team.get.find.app_error', {}, `team_id=${id}`);
    return ok(this.teamObject());
  }

  /** api4/team.go getTeamMember: 404 app.team.get_member.missing.app_error for a user not in the team. */
  private getTeamMember(ctx: RequestContext): Answer {
    const teamId = ctx.params.team_id;
    const userId = ctx.params.user_id;
    if (!isValidMattermostId(teamId)) throw invalidUrl('team_id');
    if (!isValidMattermostId(userId)) throw invalidUrl('user_id');
    const user = this.users.get(userId);
    if (teamId !== this.team.id || !user?.inTeam) throw new AppError(404, 'app.team.get_member.missing.app_error', {}, `team_id=${teamId}, user_id=${userId}`);
    return ok({ team_id: teamId, user_id: userId, roles: 'team_user', delete_at: 0, scheme_guest: false, scheme_user: true, scheme_admin: false, explicit_roles: '' });
  }

  // ---- Handlers: channels ------------------------------------------------------------------------------------

  private createChannel(ctx: RequestContext): Answer {
    const body = this.bodyObject(ctx, 'channel');
    const teamId = str(body.team_id);
    const displayName = str(body.display_name);
    const type = str(body.type) as ChannelType;
    if (teamId === '') throw invalidBody('team_id');
    if (displayName === '') throw invalidBody('display_name');
    if (type === 'D' || type === 'G') throw new AppError(400, 'api.channel.create_channel.direct_channel.app_error');
    // The bot can only create channels in its own team.
    if ((type === 'O' || type === 'P') && teamId !== this.team.id) throw forbidden(`not a member of team ${teamId}`);
    const fields = { type, name: str(body.name), displayName, header: str(body.header), purpose: str(body.purpose) };
    this.validateChannelFields(fields);
    if (this.nameTaken(teamId, fields.name)) throw new AppError(400, 'store.sql_channel.save_channel.exists.app_error', {}, `name=${fields.name}`);
    const ch = this.createChannelState({ id: this.nextChannelId(), teamId, ...fields });
    return ok(this.channelObject(ch), 201);
  }

  /** DMs are named '<lower id>__<higher id>'; the fake derives the channel id from that name, so it is stable. */
  private createDirectChannel(ctx: RequestContext): Answer {
    const ids = this.bodyStrings(ctx, 'user_ids');
    if (ids.length !== 2) throw invalidBody('user_ids');
    if (!ids.every(isValidMattermostId)) throw invalidBody('user_id');
    if (!ids.includes(this.botUserId)) throw forbidden('manage_system is required to create a DM between two other users');
    const [a = '', b = ''] = [...ids].sort();
    if (!this.users.has(a) || !this.users.has(b)) {
      throw new AppError(400, 'api.channel.create_direct_channel.invalid_user.app_error', {}, `No users found for ids: ${a}. ${b}`);
    }
    const name = `${a}__${b}`;
    const id = fakeMattermostId(`dm:${name}`);
    const ch =
      this.channels.get(id) ??
      this.createChannelState({ id, teamId: '', type: 'D', name, displayName: '', header: '', purpose: '' });
    ch.members = new Set([a, b]);
    return ok(this.channelObject(ch), 201);
  }

  private getChannelByName(ctx: RequestContext): Answer {
    if (!isValidMattermostId(ctx.params.team_id)) throw invalidUrl('team_id');
    const name = ctx.params.channel_name ?? '';
    const ch = [...this.channels.values()].find((c) => c.teamId === ctx.params.team_id && c.name === name);
    // A private channel the bot is not in is answered as missing (server/channels/api4/channel.go getChannelByName).
    if (!ch || (ch.type === 'P' && !ch.members.has(this.botUserId))) {
      throw new AppError(404, 'app.channel.get_by_name.missing.app_error', {}, `teamId=${ctx.params.team_id}, name=${name}`);
    }
    return ok(this.channelObject(ch));
  }

  private patchChannel(ctx: RequestContext): Answer {
    const body = this.bodyObject(ctx, 'channel');
    const ch = this.existingChannel(ctx.params.channel_id);
    const next = {
      type: ch.type,
      name: typeof body.name === 'string' ? body.name : ch.name,
      displayName: typeof body.display_name === 'string' ? body.display_name.trim() : ch.displayName,
      header: typeof body.header === 'string' ? body.header : ch.header,
      purpose: typeof body.purpose === 'string' ? body.purpose : ch.purpose,
    };
    if ((ch.type === 'D' || ch.type === 'G') && (next.name !== ch.name || next.displayName !== ch.displayName || next.purpose !== ch.purpose)) {
      throw new AppError(400, 'api.channel.patch_update_channel.update_direct_or_group_messages_not_allowed.app_error');
    }
    this.validateChannelFields(next);
    if (next.name !== ch.name && this.nameTaken(ch.teamId, next.name, ch.id)) {
      throw new AppError(400, 'store.sql_channel.save_channel.exists.app_error', {}, `name=${next.name}`);
    }
    Object.assign(ch, next, { updateAt: this.now() });
    return ok(this.channelObject(ch));
  }

  /** Adding someone who is already a member succeeds (201) and answers their membership, as Mattermost does. */
  private addChannelMember(ctx: RequestContext): Answer {
    const ch = this.existingChannel(ctx.params.channel_id);
    const body = this.bodyObject(ctx, 'user_id or user_ids');
    const many = Array.isArray(body.user_ids);
    const userIds: unknown[] = many ? (body.user_ids as unknown[]) : [body.user_id];
    if (userIds.length === 0 || (!many && body.user_id === undefined)) throw invalidBody('user_id or user_ids');
    if (ch.type === 'D' || ch.type === 'G') throw new AppError(400, 'api.channel.add_user_to_channel.type.app_error');
    if (ch.type === 'P' && !ch.members.has(this.botUserId)) throw forbidden('manage_private_channel_members');
    for (const userId of userIds) {
      if (!isValidMattermostId(userId)) throw invalidBody('user_id');
      const user = this.users.get(userId);
      if (!user) throw new AppError(404, 'app.user.missing_account.const', {}, `user_id=${userId}`);
      // app/channel.go AddUserToChannel: the user must be a member of the channel's team (404
      // app.team.get_member.missing.app_error); one whose team membership is deleted is a 400. The fake treats a
      // deactivated account like one that left the team (deactivation ends its sessions and memberships' use).
      if (ch.type === 'O' || ch.type === 'P') {
        if (!user.inTeam) throw new AppError(404, 'app.team.get_member.missing.app_error', {}, `user_id=${userId}`);
        if (user.deleteAt > 0) throw new AppError(400, 'api.channel.add_user.to.channel.failed.deleted.app_error', {}, `user_id=${userId}`);
      }
    }
    for (const userId of userIds as string[]) ch.members.add(userId);
    const members = (userIds as string[]).map((userId) => this.memberObject(ch.id, userId));
    return ok(many ? members : members[0], 201);
  }

  /** api4/channel.go getChannelMember: a user not in the channel is a 404 (app.channel.get_member.missing.app_error). */
  private getChannelMember(ctx: RequestContext): Answer {
    const ch = this.existingChannel(ctx.params.channel_id);
    const userId = ctx.params.user_id;
    if (!isValidMattermostId(userId)) throw invalidUrl('user_id');
    if (!ch.members.has(userId)) throw new AppError(404, 'app.channel.get_member.missing.app_error', {}, `channel_id=${ch.id}, user_id=${userId}`);
    return ok(this.memberObject(ch.id, userId));
  }

  // ---- Handlers: posts ---------------------------------------------------------------------------------------

  private createPost(ctx: RequestContext): Answer {
    const body = this.bodyObject(ctx, 'post');
    const channelId = str(body.channel_id);
    // The create_post permission check comes first: no channel, or one the bot is not in, is a 403.
    if (!isValidMattermostId(channelId)) throw forbidden('create_post');
    const ch = this.channels.get(channelId);
    if (ch && !ch.members.has(this.botUserId)) throw forbidden('create_post');
    const message = str(body.message);
    this.checkMessageLength(message);
    const rootId = str(body.root_id);
    if (rootId !== '') {
      const root = this.posts.get(rootId);
      if (!root) throw new AppError(400, 'api.post.create_post.root_id.app_error');
      if (root.channelId !== channelId) throw new AppError(400, 'api.post.create_post.channel_root_id.app_error');
    }
    const pendingPostId = str(body.pending_post_id);
    const seen = pendingPostId ? this.pendingPostIds.get(pendingPostId) : undefined;
    const earlier = seen && seen.until > this.clock() ? this.posts.get(seen.postId) : undefined;
    if (earlier) return ok(this.postObject(earlier, { pending_post_id: pendingPostId }), 201);
    const fileIds = this.postFileIds(body.file_ids);
    const at = this.now();
    const props = withActionIds(isObject(body.props) ? clone(body.props) : {});
    // Posts made by bot accounts are marked so clients can show the BOT tag.
    if (this.sessionUser().isBot) props.from_bot = 'true';
    const post: FakeMattermostPost = {
      id: this.nextPostId(),
      channelId,
      userId: this.botUserId,
      rootId,
      message,
      props,
      fileIds: [],
      isPinned: false,
      createAt: at,
      updateAt: at,
      editAt: 0,
    };
    post.fileIds = this.attachFiles(post, fileIds);
    this.posts.set(post.id, post);
    if (ch) {
      ch.lastPostAt = at;
      ch.totalMsgCount++;
    }
    if (pendingPostId) this.pendingPostIds.set(pendingPostId, { postId: post.id, until: this.clock() + PENDING_POST_IDS_TTL_MS });
    return ok(this.postObject(post, { pending_post_id: pendingPostId }), 201);
  }

  private createEphemeralPost(ctx: RequestContext): Answer {
    const body = this.bodyObject(ctx, 'body');
    const userId = str(body.user_id);
    if (userId === '') throw invalidBody('user_id');
    const sent = body.post;
    if (!isObject(sent)) throw invalidBody('post');
    const post: Record<string, unknown> = {
      ...clone(sent),
      // Its actions get ids as a stored post's do (app/post.go SendEphemeralPost: post.GenerateActionIds), so a click
      // on it can name one; the webapp then sends the post in a PostActionCookie (app/integration_action.go).
      ...(isObject(sent.props) && { props: withActionIds(clone(sent.props)) }),
      id: randomMattermostId(),
      create_at: this.now(),
      user_id: this.botUserId,
      type: 'system_ephemeral',
    };
    this.ephemerals.push({ userId, post });
    return ok({ ...post, props: stripActionIntegrations(isObject(post.props) ? post.props : {}) }, 201);
  }

  /** updatePost replaces message, props and is_pinned (an update without is_pinned unpins the post). */
  private updatePost(ctx: RequestContext): Answer {
    const body = this.bodyObject(ctx, 'post');
    if (!isValidMattermostId(ctx.params.post_id)) throw invalidUrl('post_id');
    if (body.id !== ctx.params.post_id) throw invalidBody('id');
    const post = this.editablePost(ctx.params.post_id);
    const message = str(body.message);
    this.checkEditTimeLimit(post, message);
    this.checkMessageLength(message);
    const props = withActionIds(isObject(body.props) ? clone(body.props) : {});
    this.applyEdit(post, message, props, body.is_pinned === true);
    return ok(this.postObject(post));
  }

  /** patchPost changes only the fields present: message, props (replaced as a whole), is_pinned. */
  private patchPost(ctx: RequestContext): Answer {
    const body = this.bodyObject(ctx, 'post');
    const post = this.editablePost(ctx.params.post_id);
    const message = typeof body.message === 'string' ? body.message : post.message;
    this.checkEditTimeLimit(post, message);
    this.checkMessageLength(message);
    const props = isObject(body.props) ? withActionIds(clone(body.props)) : post.props;
    this.applyEdit(post, message, props, typeof body.is_pinned === 'boolean' ? body.is_pinned : post.isPinned);
    return ok(this.postObject(post));
  }

  /**
   * GET /posts/{post_id} (api4/post.go getPost -> app.GetPostIfAuthorized): a post that is not stored, which every
   * ephemeral post is (app.SendEphemeralPost only publishes it over the WebSocket), is 404 app.post.get.app_error.
   */
  private getPost(ctx: RequestContext): Answer {
    const postId = ctx.params.post_id;
    if (!isValidMattermostId(postId)) throw invalidUrl('post_id');
    const post = this.posts.get(postId);
    if (!post) throw new AppError(404, 'app.post.get.app_error', {}, `post_id=${postId}`);
    return ok(this.postObject(post));
  }

  private pinPost(ctx: RequestContext): Answer {
    const post = this.editablePost(ctx.params.post_id);
    this.setPinned(post, true);
    return statusOk();
  }

  /** Post.IsValid: file_ids must be strings, and their JSON at most 300 runes (10 ids). */
  private postFileIds(value: unknown): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) throw invalidBody('post');
    if (runes(JSON.stringify(value)) > POST_FILE_IDS_MAX_RUNES) throw new AppError(400, 'model.post.is_valid.file_ids.app_error');
    return value;
  }

  /**
   * app.attachFilesToPost: FileInfoStore.AttachToPost succeeds only for an existing file of the same creator that no
   * post has yet; it moves the file to the post's channel. Ids that fail are dropped without an error.
   */
  private attachFiles(post: FakeMattermostPost, fileIds: string[]): string[] {
    const attached: string[] = [];
    for (const id of fileIds) {
      const file = this.files.get(id);
      if (!file || file.postId !== '' || file.creatorId !== post.userId) continue;
      file.postId = post.id;
      file.channelId = post.channelId;
      attached.push(id);
    }
    return attached;
  }

  private checkEditTimeLimit(post: FakeMattermostPost, message: string): void {
    const limit = this.postEditTimeLimitSeconds;
    if (limit !== -1 && this.now() > post.createAt + limit * 1000 && message !== post.message) {
      throw new AppError(400, 'api.post.update_post.permissions_time_limit.app_error', { timeLimit: limit });
    }
  }

  private checkMessageLength(message: string): void {
    if (runes(message) > POST_MESSAGE_MAX) {
      throw new AppError(400, 'model.post.is_valid.message_length.app_error', { Length: runes(message), MaxLength: POST_MESSAGE_MAX });
    }
  }

  /** app.UpdatePost: edit_at moves when the message or the attachments change. */
  private applyEdit(post: FakeMattermostPost, message: string, props: Record<string, unknown>, isPinned: boolean): void {
    const at = this.now();
    const attachmentsChanged = JSON.stringify(post.props.attachments) !== JSON.stringify(props.attachments);
    if (message !== post.message || attachmentsChanged) post.editAt = at;
    post.message = message;
    post.props = props;
    post.updateAt = at;
    this.setPinned(post, isPinned);
  }

  private setPinned(post: FakeMattermostPost, pinned: boolean): void {
    post.isPinned = pinned;
    const list = this.pins.get(post.channelId) ?? [];
    const index = list.indexOf(post.id);
    if (pinned && index < 0) list.push(post.id);
    if (!pinned && index >= 0) list.splice(index, 1);
    this.pins.set(post.channelId, list);
  }

  private nextPostId(): string {
    let id: string;
    do id = fakeMattermostId(`post${++this.postCounter}`);
    while (this.posts.has(id));
    return id;
  }

  // ---- Handlers: files ---------------------------------------------------------------------------------------

  /** api4/file.go uploadFileStream: multipart/form-data, or the "simple" upload when the body is not multipart. */
  private uploadFile(ctx: RequestContext): Answer {
    if (ctx.body.length === 0) throw readRequestError('Content-Length should not be 0');
    const { type, params } = parseHeaderValue(ctx.contentType ?? '');
    if (type !== 'multipart/form-data') return this.uploadFileSimple(ctx);
    if (params.boundary === undefined) throw readRequestError('no multipart boundary param in Content-Type');
    const parsed = parseMultipart(ctx.contentType, ctx.body);
    if (!parsed.ok) throw readRequestError(parsed.error);
    return ok(this.uploadFileMultipart(parsed.parts, ctx.query.get('channel_id') ?? ''), 201);
  }

  /** uploadFileSimple: the body is the file; channel_id, filename and client_id come from the query string. */
  private uploadFileSimple(ctx: RequestContext): Answer {
    const channelId = ctx.query.get('channel_id') ?? '';
    if (!isValidMattermostId(channelId)) throw invalidUrl('channel_id');
    const filename = ctx.query.get('filename') ?? '';
    if (filename === '') throw invalidUrl('filename');
    this.checkUploadPermission(channelId);
    const clientId = ctx.query.get('client_id') ?? '';
    const info = this.fileInfoObject(this.storeFile(channelId, filename, ctx.body));
    // FileUploadResponse.ClientIds has no omitempty: a nil slice is sent as null.
    return ok({ file_infos: [info], client_ids: clientId === '' ? null : [clientId] }, 201);
  }

  /**
   * uploadFileMultipart, its two passes folded into one: form fields before the first file (channel_id, client_ids;
   * any other name is refused), then every part with a filename is a file, whatever its field name. A file that
   * arrives before any channel_id field (and without ?channel_id=) switches to the legacy buffered mode.
   */
  private uploadFileMultipart(parts: MultipartPart[], queryChannelId: string): Record<string, unknown> {
    let channelId = queryChannelId;
    let sawChannelField = false;
    let expectClientIds = true;
    const clientIds: string[] = [];
    const infos: Record<string, unknown>[] = [];
    const answeredClientIds: string[] = [];
    for (const part of parts) {
      if (part.name === undefined || part.name === '') continue;
      if (part.filename === undefined || part.filename === '') {
        const value = part.data.subarray(0, MULTIPART_FORM_VALUE_MAX).toString('utf8');
        if (part.name === 'channel_id') {
          if (channelId !== '' && channelId !== value) throw new AppError(400, 'api.file.upload_file.multiple_channel_ids.app_error');
          if (value !== '') channelId = value;
          sawChannelField = true;
        } else if (part.name === 'client_ids') {
          if (!expectClientIds) throw invalidBody('client_ids');
          clientIds.push(value);
        } else {
          throw invalidBody(part.name);
        }
        continue;
      }
      if (channelId === '' && !sawChannelField) return this.uploadFileMultipartLegacy(parts);
      if (!isValidMattermostId(channelId)) throw invalidUrl('channel_id');
      this.checkUploadPermission(channelId);
      if (infos.length === 0 && clientIds.length === 0) expectClientIds = false;
      let clientId = '';
      if (expectClientIds) {
        const next = clientIds[infos.length];
        if (next === undefined) throw invalidBody('client_ids');
        clientId = next;
        answeredClientIds.push(clientId);
      }
      infos.push(this.fileInfoObject(this.storeFile(channelId, part.filename, part.data)));
    }
    if (expectClientIds && clientIds.length !== infos.length) {
      throw new AppError(400, 'api.file.upload_file.incorrect_number_of_client_ids.app_error', {
        NumClientIds: clientIds.length,
        NumFiles: infos.length,
      });
    }
    return { file_infos: infos, client_ids: answeredClientIds };
  }

  /** uploadFileMultipartLegacy: the whole form is read; only file parts named `files` are uploaded. */
  private uploadFileMultipartLegacy(parts: MultipartPart[]): Record<string, unknown> {
    const fields = parts.filter((p) => p.name !== undefined && p.name !== '' && (p.filename === undefined || p.filename === ''));
    const valuesOf = (name: string) => fields.filter((p) => p.name === name).map((p) => p.data.toString('utf8'));
    const channelId = valuesOf('channel_id')[0];
    if (channelId === undefined) throw invalidBody('channel_id');
    if (!isValidMattermostId(channelId)) throw invalidUrl('channel_id');
    this.checkUploadPermission(channelId);
    const clientIds = valuesOf('client_ids');
    const files = parts.filter((p) => p.name === 'files' && p.filename !== undefined && p.filename !== '');
    if (clientIds.length !== 0 && clientIds.length !== files.length) {
      throw new AppError(400, 'api.file.upload_file.incorrect_number_of_client_ids.app_error', {
        NumClientIds: clientIds.length,
        NumFiles: files.length,
      });
    }
    const infos = files.map((p) => this.fileInfoObject(this.storeFile(channelId, p.filename ?? '', p.data)));
    return { file_infos: infos, client_ids: clientIds };
  }

  /** SessionHasPermissionToChannelContent(upload_file), reduced like createPost's check. */
  private checkUploadPermission(channelId: string): void {
    const ch = this.channels.get(channelId);
    if (ch && !ch.members.has(this.botUserId)) throw forbidden('upload_file');
  }

  /** app.UploadFileX with model.NewInfo: the base name, its lowercased extension, and the MIME type that implies. */
  private storeFile(channelId: string, filename: string, bytes: Buffer): FileState {
    const name = filename.split('/').pop() ?? filename;
    const dot = name.lastIndexOf('.');
    const extension = dot >= 0 ? name.slice(dot + 1).toLowerCase() : '';
    let id: string;
    do id = fakeMattermostId(`file${++this.fileCounter}`);
    while (this.files.has(id));
    const file: FileState = {
      id,
      creatorId: this.botUserId,
      channelId,
      postId: '',
      name,
      extension,
      mimeType: MIME_BY_EXTENSION[extension] ?? '',
      bytes: Buffer.from(bytes),
      createAt: this.now(),
    };
    this.files.set(id, file);
    return file;
  }

  /** model.FileInfo as JSON (post_id, width, height and has_preview_image are omitempty). */
  private fileInfoObject(f: FileState): Record<string, unknown> {
    return {
      id: f.id,
      user_id: f.creatorId,
      ...(f.postId !== '' && { post_id: f.postId }),
      channel_id: f.channelId,
      create_at: f.createAt,
      update_at: f.createAt,
      delete_at: 0,
      name: f.name,
      extension: f.extension,
      size: f.bytes.length,
      mime_type: f.mimeType,
      mini_preview: null,
      remote_id: '',
      archived: false,
    };
  }

  // ---- Handlers: dialogs -------------------------------------------------------------------------------------

  private openDialog(ctx: RequestContext): Answer {
    const body = this.bodyObject(ctx, 'dialog');
    const url = str(body.url);
    if (url === '') throw invalidBody('url');
    const triggerId = str(body.trigger_id);
    const check = decodeTriggerId(triggerId, this.triggerTimeoutMs);
    if (!check.ok) throw new AppError(400, check.errorId, check.params);
    if (this.rejectReusedTriggers && this.usedTriggers.has(triggerId)) {
      const params = { Duration: `${this.triggerTimeoutMs / 1000}s` };
      throw new AppError(400, 'interactive_message.decode_trigger_id.expired', params, 'fake: this trigger_id already opened a dialog');
    }
    this.usedTriggers.add(triggerId);
    const dialog = isObject(body.dialog) ? clone(body.dialog) : {};
    this.dialogs.push({ triggerId, url, dialog, userId: check.userId, at: Date.now(), problems: dialogProblems(dialog) });
    return statusOk();
  }
}

/**
 * mime.TypeByExtension as the server answers it for common extensions (Go's built-in table plus a typical
 * /etc/mime.types; Go appends "; charset=utf-8" to text/ types). Unknown extensions get ''.
 */
const MIME_BY_EXTENSION: Record<string, string> = {
  md: 'text/markdown; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  xml: 'text/xml; charset=utf-8',
  json: 'application/json',
  pdf: 'application/pdf',
  zip: 'application/zip',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  webp: 'image/webp',
};
