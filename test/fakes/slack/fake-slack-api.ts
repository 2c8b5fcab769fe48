/**
 * A local fake of the Slack Web API over real HTTP, for tests that drive the real `@slack/web-api` WebClient
 * (directly or through Bolt) with `slackApiUrl: fake.url + '/api/'`.
 *
 * It keeps a small workspace model (channels, members, topics, messages, pins, views, files) so that answers are
 * shaped and ordered like Slack's, records every call, and can be scripted to fail or rate-limit.
 * It also serves `POST /response/<id>` so slash commands and interactions can be given a `response_url`.
 *
 * File uploads are the three steps of WebClient.filesUploadV2: files.getUploadURLExternal (filename, length) hands
 * out `<url>/upload/v1/<file_id>`; the client POSTs the bytes there (WebClient sends multipart/form-data with one
 * part; raw bytes are accepted too) and gets 200 "OK - <bytes>"; files.completeUploadExternal (files, channel_id,
 * initial_comment…) shares them. Sharing posts a message carrying `files` into the channel, as Slack does; the fake
 * does it before answering, where Slack finishes sharing asynchronously (its answer usually has empty `shares`, as
 * the fake's always does: read the channel, not `shares`).
 */
import { closeServer, listenOnLoopback, readRequest } from '../local-server.ts';
import { parseMultipart } from '../mattermost/http-bodies.ts';
import { PlatformFaults } from '../platform-faults.ts';
import { ResponseUrlBodies } from '../response-urls.ts';
import { Waiters } from '../waiters.ts';
import { FAKE_WORKSPACE, type FakeChannel, type FakeMessage, type FakeMessageFile, type FakeSlackFile, type RecordedCall, type RecordedUpload, type SlackAnswer, type SlackArgs, type UserKind } from './types.ts';
import { bool, csv, decodeArgs, fail, list, parseJsonOr, sendJson, str, summarize } from './wire.ts';
import { checkScopes } from './scopes.ts';
import { manifestBotScopes } from './manifest.ts';
import { messageProblems, viewProblems } from './block-kit-limits.ts';
import { fileObject, type FileState } from './files.ts';
import { historyPage, permalinkOf, threadPage } from './history.ts';
import { FakeSocketMode, SOCKET_MODE_PATH } from './socket-mode.ts';
import { RESPONSE_URL_MAX_USES, RESPONSE_URL_TTL_MS, TRIGGER_ID_TTL_MS, triggerIssuedAt } from './time-limits.ts';
import type { webApi } from '@slack/bolt';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export * from './types.ts';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const CHANNEL_NAME_MAX = 80;
const TOPIC_MAX = 250;
const TS_BASE_SECONDS = 1_700_000_000;

type Scripted = { kind: 'error'; error: string } | { kind: 'ratelimit'; retryAfterSeconds: number } | { kind: 'lose_answer' };

interface ChannelState {
  id: string;
  name: string;
  isPrivate: boolean;
  created: number;
  creator: string;
  members: Set<string>;
  topic: { value: string; creator: string; last_set: number };
}

interface ViewState {
  id: string;
  view: SlackArgs;
}

export class FakeSlackApi {
  readonly url: string;
  readonly calls: RecordedCall[] = [];
  /** POSTs to upload URLs (they are not Web API methods, so they are not in `calls`). */
  readonly uploads: RecordedUpload[] = [];
  /** Outages and rate limits (platform-faults.ts), answered before the workspace model. */
  readonly faults = new PlatformFaults();
  /** Socket Mode: the WebSocket apps.connections.open hands out. */
  readonly socketMode: FakeSocketMode;
  /** Milliseconds every Web API answer is held back: a slow Slack (calls stay in flight, e.g. across a kill -9). */
  latencyMs = 0;

  private readonly server: Server;
  private readonly scripted = new Map<string, Scripted[]>();
  private readonly waiters = new Waiters('FakeSlackApi');
  private readonly responseBodies = new ResponseUrlBodies(this.waiters);
  private readonly handlers: ReadonlyMap<string, (args: SlackArgs) => SlackAnswer>;
  private scopes: ReadonlySet<string> = new Set();
  private readonly userEmails = new Map<string, string>();
  private readonly refusedTokens = new Map<string, string>();
  private readonly responseFirstUse = new Map<string, number>();
  private clockOffsetMs = 0;

  // Workspace model; everything below is cleared by reset().
  private readonly channels = new Map<string, ChannelState>();
  private readonly messages = new Map<string, Map<string, FakeMessage>>();
  private readonly pins = new Map<string, string[]>();
  private readonly views = new Map<string, ViewState>();
  private readonly files = new Map<string, FileState>();
  private readonly usedTriggers = new Set<string>();
  private readonly userNames = new Map<string, string>();
  private readonly userKinds = new Map<string, UserKind>();
  private channelCounter = 0;
  private tsCounter = 0;
  private viewCounter = 0;
  private fileCounter = 0;

  private constructor(server: Server, url: string) {
    this.server = server;
    this.url = url;
    this.socketMode = new FakeSocketMode(server);
    this.handlers = new Map<string, (args: SlackArgs) => SlackAnswer>([
      ['auth.test', () => this.authTest()],
      ['conversations.create', (a) => this.conversationsCreate(a)],
      ['conversations.invite', (a) => this.conversationsInvite(a)],
      ['conversations.setTopic', (a) => this.conversationsSetTopic(a)],
      ['conversations.open', (a) => this.conversationsOpen(a)],
      ['users.conversations', (a) => this.usersConversations(a)],
      ['chat.postMessage', (a) => this.chatPostMessage(a)],
      ['chat.update', (a) => this.chatUpdate(a)],
      ['chat.postEphemeral', (a) => this.chatPostEphemeral(a)],
      ['pins.add', (a) => this.pinsAdd(a)],
      ['views.open', (a) => this.viewsOpen(a)],
      ['views.push', (a) => this.viewsOpen(a)],
      ['views.update', (a) => this.viewsUpdate(a)],
      ['users.info', (a) => this.usersInfo(a)],
      ['conversations.history', (a) => this.conversationsHistory(a)],
      ['conversations.replies', (a) => this.conversationsReplies(a)],
      ['chat.getPermalink', (a) => this.chatGetPermalink(a)],
      // https://docs.slack.dev/reference/methods/apps.connections.open (called with the xapp- app-level token).
      ['apps.connections.open', () => ({ ok: true, url: `${this.url.replace(/^http/, 'ws')}${SOCKET_MODE_PATH}?ticket=fake` })],
      ['files.getUploadURLExternal', (a) => this.filesGetUploadURLExternal(a)],
      ['files.completeUploadExternal', (a) => this.filesCompleteUploadExternal(a)],
    ]);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, fail('internal_error', { detail: String(err) }));
      });
    });
  }

  /** `scopes`: what the bot token was granted; by default what manifest.yml asks for, as after installing the app. */
  static async start(opts: { scopes?: readonly string[] } = {}): Promise<FakeSlackApi> {
    const server = createServer();
    const fake = new FakeSlackApi(server, await listenOnLoopback(server));
    fake.scopes = new Set(opts.scopes ?? manifestBotScopes());
    return fake;
  }

  /** Answer every call made with `token` with `error` (auth.test's invalid_auth, token_revoked, account_inactive…). */
  refuseToken(token: string, error = 'invalid_auth'): void {
    this.refusedTokens.set(token, error);
  }

  /** Grant exactly these scopes from now on (a reinstall with a different manifest). */
  grantScopes(scopes: readonly string[]): void {
    this.scopes = new Set(scopes);
  }

  // ---- Recording and scripting -------------------------------------------------------------------------------

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Make the next `times` calls to `method` fail with {ok:false,error} (e.g. 'name_taken' for conversations.create). */
  failNext(method: string, error: string, times = 1): void {
    this.script(method, { kind: 'error', error }, times);
  }

  /**
   * The next `times` calls to `method` are done (and recorded with Slack's answer), but the connection is cut before
   * the answer is sent: the platform did the work and the caller never learns it (a proxy, a reset, a crash).
   */
  loseAnswerNext(method: string, times = 1): void {
    this.script(method, { kind: 'lose_answer' }, times);
  }

  /** Make the next `times` calls to `method` answer HTTP 429 with Retry-After: seconds. */
  rateLimitNext(method: string, retryAfterSeconds: number, times = 1): void {
    this.script(method, { kind: 'ratelimit', retryAfterSeconds }, times);
  }

  /**
   * Resolves with the first recorded call to `method` matching `predicate` (failed and rate-limited calls count too;
   * filter on `c.response.ok` if needed). Rejects after timeoutMs with the list of calls seen.
   */
  waitFor(method: string, predicate: (c: RecordedCall) => boolean = () => true, timeoutMs = 5000): Promise<RecordedCall> {
    return this.waitUntil(
      () => this.calls.find((c) => c.method === method && predicate(c)),
      timeoutMs,
      () => {
        const seen = this.calls.map((c) => `  ${c.method} ${summarize(c.args)} -> ${c.status} ${summarize(c.response)}`);
        return `no call to ${method} matching the predicate; calls seen:\n${seen.join('\n') || '  (none)'}`;
      },
    );
  }

  /** The URL to put in a slash command's or interaction's response_url. */
  responseUrl(id: string): string {
    return `${this.url}/response/${encodeURIComponent(id)}`;
  }

  /** JSON bodies POSTed to responseUrl(id), in order. */
  responses(id: string): unknown[] {
    return this.responseBodies.all(id);
  }

  /** Resolves with the first body POSTed to responseUrl(id); use responses(id) for later ones. */
  waitForResponse(id: string, timeoutMs = 5000): Promise<unknown> {
    return this.responseBodies.first(id, timeoutMs);
  }

  /**
   * What Slack does with an app's answer to the slash command whose response_url is responseUrl(id): a 200 whose
   * body is a JSON message is shown to the person who typed the command, as a response_url post would be; plain text
   * is shown as the message's text; an empty 200 shows nothing
   * (https://api.slack.com/interactivity/slash-commands#responding_immediately). It is kept with responses(id), first,
   * and uses none of the response_url's 5 uses. Returns the problem Slack would show instead, if any.
   */
  commandAnswered(id: string, answer: { status: number; contentType: string | null; body: string }): string | undefined {
    if (answer.status !== 200) return `the app answered ${answer.status}`;
    if (answer.body === '') return undefined;
    const isJson = (answer.contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
    if (!isJson) {
      this.responseBodies.record(id, { text: answer.body });
      return undefined;
    }
    const parsed = parseJsonOr(answer.body, undefined);
    if (typeof parsed !== 'object' || parsed === null) return 'the answer is not a JSON object';
    if (messageProblems(list((parsed as SlackArgs)['blocks'])).length > 0) return 'invalid_blocks';
    this.responseBodies.record(id, parsed);
    return undefined;
  }

  // ---- Workspace inspection and seeding ----------------------------------------------------------------------

  channel(channelId: string): FakeChannel | undefined {
    const ch = this.channels.get(channelId);
    return ch && { id: ch.id, name: ch.name, isPrivate: ch.isPrivate, members: [...ch.members], topic: ch.topic.value };
  }

  channelNamed(name: string): FakeChannel | undefined {
    const ch = [...this.channels.values()].find((c) => c.name === name);
    return ch && this.channel(ch.id);
  }

  topicOf(channelId: string): string | undefined {
    return this.channels.get(channelId)?.topic.value;
  }

  membersOf(channelId: string): string[] {
    return [...(this.channels.get(channelId)?.members ?? [])];
  }

  /** The latest version of each message posted to the channel, oldest first. */
  messagesIn(channelId: string): FakeMessage[] {
    return [...(this.messages.get(channelId)?.values() ?? [])].map((m) => ({ ...m }));
  }

  /** Every channel's messages (latest version of each), for finding the button a person clicks. */
  allMessages(): FakeMessage[] {
    return [...this.messages.keys()].flatMap((channel) => this.messagesIn(channel));
  }

  pinnedIn(channelId: string): string[] {
    return [...(this.pins.get(channelId) ?? [])];
  }

  /** Files shared into the channel by files.completeUploadExternal, in the order they were shared. */
  filesIn(channelId: string): FakeSlackFile[] {
    return [...this.files.values()]
      .filter((f) => f.completed && f.channels.includes(channelId))
      .map((f) => ({
        id: f.id,
        filename: f.filename,
        title: f.title,
        content: (f.bytes ?? Buffer.alloc(0)).toString('utf8'),
        ...(f.initialComment !== undefined && { initialComment: f.initialComment }),
      }));
  }

  /**
   * Seed a channel that exists before the test (the bot is always a member). `creator`: who made it, the bot by
   * default; a person's id for a channel a person made (Slack's `creator` field).
   */
  addChannel(opts: { name: string; id?: string; isPrivate?: boolean; members?: string[]; creator?: string }): FakeChannel {
    const ch = this.createChannel(opts.name, opts.isPrivate ?? false, opts.id);
    if (opts.creator !== undefined) ch.creator = opts.creator;
    for (const member of opts.members ?? []) ch.members.add(member);
    return this.channel(ch.id) as FakeChannel;
  }

  /**
   * Make a user id not exist in the workspace ('missing'), or a guest: 'restricted' (multi-channel guest) or
   * 'ultra_restricted' (single-channel guest, already in their one channel). conversations.invite refuses them.
   */
  setUserKind(id: string, kind: UserKind): void {
    this.userKinds.set(id, kind);
  }

  /** Give a user a name for users.info (unknown U/W ids still resolve, named after their id), and an e-mail address. */
  addUser(id: string, name: string, email?: string): void {
    this.userNames.set(id, name);
    if (email !== undefined) this.userEmails.set(id, email);
  }

  /**
   * A person posts a message (not through the Web API: as typed in Slack). `at` (ms) sets its ts; `threadTs` makes it a
   * reply. `text` is the wire text, as Slack sends it (mrkdwn, `&lt;` escapes, `<@U…>` entities). Returns its ts.
   */
  postAsUser(opts: { channel: string; user: string; text: string; at?: number; threadTs?: string; files?: FakeMessageFile[] }): string {
    const inChannel = this.messages.get(opts.channel) ?? new Map<string, FakeMessage>();
    let ts = opts.at === undefined ? this.nextTs() : `${Math.floor(opts.at / 1000)}.${String((opts.at % 1000) * 1000).padStart(6, '0')}`;
    while (inChannel.has(ts)) ts = `${ts.split('.')[0] ?? ''}.${String(Number(ts.split('.')[1]) + 1).padStart(6, '0')}`;
    const message: FakeMessage = { channel: opts.channel, ts, text: opts.text, blocks: undefined, attachments: undefined, thread_ts: opts.threadTs, user: opts.user, ...(opts.files && { files: opts.files }) };
    inChannel.set(ts, message);
    this.messages.set(opts.channel, inChannel);
    return ts;
  }

  /** Forget calls, scripted failures, response_url bodies and the workspace model: as good as freshly started. */
  reset(): void {
    this.calls.length = 0;
    this.uploads.length = 0;
    this.responseBodies.clear();
    for (const map of [this.scripted, this.channels, this.messages, this.pins, this.views, this.files]) map.clear();
    this.usedTriggers.clear();
    this.userNames.clear();
    this.userKinds.clear();
    this.refusedTokens.clear();
    this.responseFirstUse.clear();
    this.clockOffsetMs = 0;
    this.scopes = new Set(manifestBotScopes());
    this.channelCounter = 0;
    this.tsCounter = 0;
    this.viewCounter = 0;
    this.fileCounter = 0;
  }

  async close(): Promise<void> {
    this.socketMode.close();
    this.waiters.abortAll();
    await closeServer(this.server);
  }

  // ---- HTTP --------------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { url, bytes, raw } = await readRequest(req, this.url);
    const apiMethod = /^\/api\/([\w.]+)$/.exec(url.pathname)?.[1];
    const responseId = /^\/response\/([^/]+)$/.exec(url.pathname)?.[1];
    const uploadId = /^\/upload\/v1\/([^/]+)$/.exec(url.pathname)?.[1];

    if (req.method === 'POST' && uploadId !== undefined) {
      const { status, text } = this.receiveUpload(decodeURIComponent(uploadId), req.headers['content-type'], bytes);
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(text);
    } else if (req.method === 'POST' && responseId !== undefined && this.faults.isDown) {
      // hooks.slack.com is down with the rest of Slack.
      sendJson(res, 503, fail('service_unavailable'));
    } else if (req.method === 'POST' && responseId !== undefined) {
      const refused = this.answerResponseUrl(decodeURIComponent(responseId), parseJsonOr(raw, raw));
      if (refused) sendJson(res, refused.status, fail(refused.error));
      else sendJson(res, 200, { ok: true });
    } else if (apiMethod !== undefined) {
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      const args = decodeArgs(req.headers['content-type'], raw);
      const fault = this.faults.answer(apiMethod, args.ok ? String(args.args['channel'] ?? '') : undefined);
      if (fault) return sendJson(res, fault.status, fault.body, fault.headers);
      const { status, answer, retryAfter, lost } = this.answerApiCall(apiMethod, req, url, raw);
      if (lost) return void res.socket?.destroy();
      const scopes = { 'X-OAuth-Scopes': [...this.scopes].join(',') };
      sendJson(res, status, answer, retryAfter === undefined ? scopes : { ...scopes, 'Retry-After': String(retryAfter) });
    } else {
      sendJson(res, 404, fail('not_found'));
    }
  }

  private answerApiCall(
    method: string,
    req: IncomingMessage,
    url: URL,
    raw: string,
  ): { status: number; answer: SlackAnswer; retryAfter?: number; lost?: boolean } {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const decoded = decodeArgs(req.headers['content-type'], raw);
    // Slack also reads arguments from the query string; body arguments win.
    const args: SlackArgs = { ...Object.fromEntries(url.searchParams), ...(decoded.ok ? decoded.args : {}) };

    let status = 200;
    let retryAfter: number | undefined;
    let lost = false;
    let answer: SlackAnswer;
    if (!decoded.ok) answer = fail(decoded.error);
    else if (token === undefined) answer = fail('not_authed');
    // Slack checks the token before anything else (https://docs.slack.dev/reference/methods/auth.test, "Errors").
    else if (this.refusedTokens.has(token)) answer = fail(this.refusedTokens.get(token) ?? 'invalid_auth');
    else if (checkScopes(method, this.scopes)) answer = checkScopes(method, this.scopes) as SlackAnswer;
    else {
      const scripted = this.scripted.get(method)?.shift();
      if (scripted?.kind === 'ratelimit') {
        status = 429;
        retryAfter = scripted.retryAfterSeconds;
        answer = fail('ratelimited');
      } else if (scripted?.kind === 'error') answer = fail(scripted.error);
      else answer = this.handlers.get(method)?.(args) ?? fail('unknown_method');
      if (scripted?.kind === 'lose_answer') lost = true;
    }

    this.record({ method, args, token, at: Date.now(), status, response: answer });
    return { status, answer, retryAfter, lost };
  }

  private script(method: string, outcome: Scripted, times: number): void {
    const queue = this.scripted.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(outcome);
    this.scripted.set(method, queue);
  }

  private record(call: RecordedCall): void {
    this.calls.push(call);
    this.notifyWaiters();
  }

  /**
   * The upload URL: raw bytes, or a multipart body whose file part (the first with a filename, else the only one)
   * holds them. Answers 200 "OK - <bytes>" like Slack's upload service; 404 for an unknown or completed upload.
   */
  private receiveUpload(fileId: string, contentType: string | undefined, body: Buffer): { status: number; text: string } {
    const file = this.files.get(fileId);
    let answer: { status: number; text: string; length: number };
    if (!file || file.completed) answer = { status: 404, text: 'Not Found', length: 0 };
    else if ((contentType ?? '').toLowerCase().startsWith('multipart/')) {
      const parsed = parseMultipart(contentType, body);
      const part = parsed.ok ? (parsed.parts.find((p) => p.filename !== undefined) ?? parsed.parts[0]) : undefined;
      if (part) {
        file.bytes = part.data;
        answer = { status: 200, text: `OK - ${part.data.length}`, length: part.data.length };
      } else answer = { status: 400, text: parsed.ok ? 'no file in the multipart body' : parsed.error, length: 0 };
    } else {
      file.bytes = Buffer.from(body);
      answer = { status: 200, text: `OK - ${body.length}`, length: body.length };
    }
    this.uploads.push({ fileId, contentType, length: answer.length, at: Date.now(), status: answer.status });
    this.notifyWaiters();
    return answer;
  }

  /**
   * A response_url "can be used up to 5 times within 30 minutes" of the interaction
   * (https://api.slack.com/interactivity/handling#message_responses); its blocks are checked like a message's.
   * The first use starts the 30 minutes (the fake does not know when the interaction happened).
   */
  private answerResponseUrl(id: string, body: unknown): { status: number; error: string } | undefined {
    const now = this.now();
    const first = this.responseFirstUse.get(id) ?? now;
    this.responseFirstUse.set(id, first);
    const used = this.responseBodies.count(id);
    if (now - first > RESPONSE_URL_TTL_MS) return { status: 404, error: 'expired_url' };
    if (used >= RESPONSE_URL_MAX_USES) return { status: 404, error: 'used_url' };
    const blocks = list((body as SlackArgs | null)?.['blocks']);
    if (messageProblems(blocks).length > 0) return { status: 400, error: 'invalid_blocks' };
    this.responseBodies.record(id, body);
    return undefined;
  }

  /** The fake's clock: real time plus whatever advance() added (so expiry is tested without sleeping). */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** Moves the fake's clock forward: trigger_ids and response_urls age by `ms`. */
  advance(ms: number): void {
    this.clockOffsetMs += ms;
  }

  private notifyWaiters(): void {
    this.waiters.notify();
  }

  private waitUntil<T>(find: () => T | undefined, timeoutMs: number, describeMiss: () => string): Promise<T> {
    return this.waiters.until(find, timeoutMs, describeMiss);
  }


  // ---- Workspace model ---------------------------------------------------------------------------------------

  private createChannel(name: string, isPrivate: boolean, id = this.nextChannelId()): ChannelState {
    const ch: ChannelState = {
      id,
      name,
      isPrivate,
      created: nowSeconds(),
      creator: FAKE_WORKSPACE.botUserId,
      members: new Set([FAKE_WORKSPACE.botUserId]),
      topic: { value: '', creator: '', last_set: 0 },
    };
    this.channels.set(id, ch);
    return ch;
  }

  /** C1, C2, … skipping ids taken by addChannel. */
  private nextChannelId(): string {
    let id: string;
    do id = `C${++this.channelCounter}`;
    while (this.channels.has(id));
    return id;
  }

  /** Timestamps like 1700000000.000100, strictly increasing (Slack's ts are unique per channel and sortable). */
  private nextTs(): string {
    const micros = ++this.tsCounter * 100;
    return `${TS_BASE_SECONDS + Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  /** The conversation object Slack returns, trimmed to the fields a bot reads. */
  private channelObject(ch: ChannelState): SlackArgs {
    return {
      id: ch.id,
      name: ch.name,
      name_normalized: ch.name,
      is_channel: true,
      is_group: false,
      is_im: false,
      is_mpim: false,
      is_private: ch.isPrivate,
      is_archived: false,
      is_general: false,
      is_member: ch.members.has(FAKE_WORKSPACE.botUserId),
      created: ch.created,
      creator: ch.creator,
      topic: { ...ch.topic },
      purpose: { value: '', creator: '', last_set: 0 },
      previous_names: [],
    };
  }

  private messageObject(m: FakeMessage): SlackArgs {
    return {
      type: 'message',
      user: m.user,
      // Only the bot's own messages carry bot_id and app_id (a person's message has neither).
      ...(m.user === FAKE_WORKSPACE.botUserId && { bot_id: FAKE_WORKSPACE.botId, app_id: FAKE_WORKSPACE.appId }),
      team: FAKE_WORKSPACE.teamId,
      ts: m.ts,
      text: m.text ?? '',
      ...(m.blocks && { blocks: m.blocks }),
      ...(m.attachments && { attachments: m.attachments }),
      ...(m.thread_ts && { thread_ts: m.thread_ts }),
      ...(m.files && { files: m.files.map((f) => ({ ...f })), upload: true, display_as_bot: false }),
    };
  }

  private findMessage(channel: string | undefined, ts: string | undefined): FakeMessage | undefined {
    return channel === undefined || ts === undefined ? undefined : this.messages.get(channel)?.get(ts);
  }

  // ---- Method handlers ---------------------------------------------------------------------------------------

  private authTest(): SlackAnswer {
    // Typed by node-slack-sdk's AuthTestResponse, so a renamed field fails to compile.
    return {
      ok: true,
      url: `https://${FAKE_WORKSPACE.teamDomain}.slack.com/`,
      team: FAKE_WORKSPACE.teamName,
      user: FAKE_WORKSPACE.botName,
      team_id: FAKE_WORKSPACE.teamId,
      user_id: FAKE_WORKSPACE.botUserId,
      bot_id: FAKE_WORKSPACE.botId,
      is_enterprise_install: false,
    } satisfies webApi.AuthTestResponse;
  }

  /** Name rules and errors from https://docs.slack.dev/reference/methods/conversations.create ("Naming", "Errors"). */
  private conversationsCreate(args: SlackArgs): SlackAnswer {
    const name = str(args.name);
    if (name === undefined) return fail('invalid_name_required');
    if (name.length > CHANNEL_NAME_MAX) return fail('invalid_name_maxlength');
    // Slack rejects upper case as well as anything but letters, digits, '-' and '_'.
    if (!/^[\p{Ll}\p{Lo}\p{N}_-]+$/u.test(name)) return fail('invalid_name_specials');
    if (/^[_-]+$/.test(name)) return fail('invalid_name_punctuation');
    if (this.channelNamed(name)) return fail('name_taken');
    return { ok: true, channel: this.channelObject(this.createChannel(name, bool(args.is_private))) } satisfies webApi.ConversationsCreateResponse;
  }

  /**
   * The caller's (the bot's) channels, from https://docs.slack.dev/reference/methods/users.conversations: `types`
   * (public_channel by default), `exclude_archived`, `limit` (default 100, "no more than 1000") and `cursor`, the next
   * page's cursor in response_metadata.next_cursor ("" on the last page). The fake archives nothing and has no DMs
   * among its channels.
   */
  private usersConversations(args: SlackArgs): SlackAnswer {
    const types = csv(args.types ?? 'public_channel');
    const limit = Number(args.limit ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return fail('invalid_limit');
    const mine = [...this.channels.values()].filter(
      (ch) => ch.members.has(FAKE_WORKSPACE.botUserId) && types.includes(ch.isPrivate ? 'private_channel' : 'public_channel'),
    );
    const start = Number(str(args.cursor) ?? 0);
    if (!Number.isInteger(start) || start < 0) return fail('invalid_cursor');
    const page = mine.slice(start, start + limit);
    const next = start + limit < mine.length ? String(start + limit) : '';
    return { ok: true, channels: page.map((ch) => this.channelObject(ch)), response_metadata: { next_cursor: next } } satisfies webApi.UsersConversationsResponse;
  }

  private conversationsInvite(args: SlackArgs): SlackAnswer {
    const ch = this.channels.get(str(args.channel) ?? '');
    if (!ch) return fail('channel_not_found');
    const users = csv(args.users);
    if (users.length === 0) return fail('no_user');
    // Errors from https://docs.slack.dev/reference/methods/conversations.invite ("Errors").
    const problems = users.flatMap((user) => {
      const kind = this.userKinds.get(user);
      if (kind === 'missing' || !/^[UW][A-Z0-9]+$/.test(user)) return [{ user, ok: false, error: 'user_not_found' }];
      if (kind === 'restricted') return [{ user, ok: false, error: 'user_is_restricted' }];
      if (kind === 'ultra_restricted') return [{ user, ok: false, error: 'ura_max_channels' }];
      if (user === FAKE_WORKSPACE.botUserId) return [{ user, ok: false, error: 'cant_invite_self' }];
      if (ch.members.has(user)) return [{ user, ok: false, error: 'already_in_channel' }];
      return [];
    });
    // Like Slack: one bad user fails the whole call unless force=true, which invites the rest.
    const first = problems[0];
    if (first && !bool(args.force)) return fail(first.error, { errors: problems });
    // Assumed (the reference does not say): when force leaves no one to invite, the call fails like without it.
    if (first && problems.length === users.length) return fail(first.error, { errors: problems });
    for (const user of users) if (!problems.some((p) => p.user === user)) ch.members.add(user);
    return { ok: true, channel: this.channelObject(ch), ...(problems.length > 0 && { errors: problems }) } satisfies webApi.ConversationsInviteResponse;
  }

  private conversationsSetTopic(args: SlackArgs): SlackAnswer {
    const ch = this.channels.get(str(args.channel) ?? '');
    if (!ch) return fail('channel_not_found');
    const topic = typeof args.topic === 'string' ? args.topic : '';
    if (topic.length > TOPIC_MAX) return fail('too_long');
    ch.topic = { value: topic, creator: FAKE_WORKSPACE.botUserId, last_set: nowSeconds() };
    return { ok: true, channel: this.channelObject(ch) } satisfies webApi.ConversationsSetTopicResponse;
  }

  private conversationsOpen(args: SlackArgs): SlackAnswer {
    const users = csv(args.users);
    if (users.length === 0) return fail('users_list_not_supplied');
    // One user: their DM; several: a multi-person DM.
    const id = users.length === 1 ? `D${users[0]}` : `G${users.join('')}`;
    return { ok: true, channel: { id } } satisfies webApi.ConversationsOpenResponse;
  }

  private chatPostMessage(args: SlackArgs): SlackAnswer {
    const channel = str(args.channel);
    if (channel === undefined) return fail('channel_not_found');
    const text = typeof args.text === 'string' ? args.text : undefined;
    const blocks = list(args.blocks);
    const attachments = list(args.attachments);
    if (!text && !blocks?.length && !attachments?.length) return fail('no_text');
    const problems = messageProblems(blocks);
    if (problems.length > 0) return fail('invalid_blocks', { errors: problems, response_metadata: { messages: problems } });
    const threadTs = str(args.thread_ts);
    if (threadTs !== undefined && !this.findMessage(channel, threadTs)) return fail('thread_not_found');

    // Posting is allowed to any channel id (e.g. the channel a slash command came from), known to the fake or not.
    const message: FakeMessage = {
      channel,
      ts: this.nextTs(),
      text,
      blocks,
      attachments,
      thread_ts: threadTs,
      user: FAKE_WORKSPACE.botUserId,
    };
    const inChannel = this.messages.get(channel) ?? new Map<string, FakeMessage>();
    inChannel.set(message.ts, message);
    this.messages.set(channel, inChannel);
    return { ok: true, channel, ts: message.ts, message: this.messageObject(message) } satisfies webApi.ChatPostMessageResponse;
  }

  private chatUpdate(args: SlackArgs): SlackAnswer {
    const channel = str(args.channel);
    const message = this.findMessage(channel, str(args.ts));
    if (!message) return fail('message_not_found');
    const problems = messageProblems(list(args.blocks));
    if (problems.length > 0) return fail('invalid_blocks', { errors: problems, response_metadata: { messages: problems } });
    // Fields left out of the update are kept, as with Slack's attachments.
    if (typeof args.text === 'string') message.text = args.text;
    message.blocks = list(args.blocks) ?? message.blocks;
    message.attachments = list(args.attachments) ?? message.attachments;
    const { ts, text } = message;
    return { ok: true, channel, ts, text: text ?? '', message: this.messageObject(message) } satisfies webApi.ChatUpdateResponse;
  }

  private chatPostEphemeral(args: SlackArgs): SlackAnswer {
    const channel = str(args.channel);
    const user = str(args.user);
    if (channel === undefined) return fail('channel_not_found');
    if (user === undefined) return fail('user_not_found');
    if (!args.text && !list(args.blocks)?.length && !list(args.attachments)?.length) return fail('no_text');
    // Only checkable for channels the fake knows the members of.
    const known = this.channels.get(channel);
    if (known && !known.members.has(user)) return fail('user_not_in_channel');
    return { ok: true, message_ts: this.nextTs() } satisfies webApi.ChatPostEphemeralResponse;
  }

  private pinsAdd(args: SlackArgs): SlackAnswer {
    const channel = str(args.channel);
    const ts = str(args.timestamp);
    if (channel === undefined || ts === undefined || !this.findMessage(channel, ts)) return fail('message_not_found');
    const pinned = this.pins.get(channel) ?? [];
    if (pinned.includes(ts)) return fail('already_pinned');
    pinned.push(ts);
    this.pins.set(channel, pinned);
    return { ok: true };
  }

  /** views.open and views.push: each trigger_id can be exchanged for one view only. */
  private viewsOpen(args: SlackArgs): SlackAnswer {
    const trigger = str(args.trigger_id);
    const view = args.view;
    if (trigger === undefined || typeof view !== 'object' || view === null) return fail('invalid_arguments');
    if (this.usedTriggers.has(trigger)) return fail('exchanged_trigger_id');
    const issued = triggerIssuedAt(trigger);
    if (issued !== undefined && this.now() - issued > TRIGGER_ID_TTL_MS) return fail('expired_trigger_id');
    const problems = viewProblems(view as SlackArgs);
    if (problems.length > 0) return fail('invalid_arguments', { response_metadata: { messages: problems } });
    this.usedTriggers.add(trigger);
    const state: ViewState = { id: `V${++this.viewCounter}`, view: view as SlackArgs };
    this.views.set(state.id, state);
    return { ok: true, view: this.viewObject(state) };
  }

  private viewsUpdate(args: SlackArgs): SlackAnswer {
    const view = args.view;
    if (typeof view !== 'object' || view === null) return fail('invalid_arguments');
    const externalId = str(args.external_id);
    const state =
      this.views.get(str(args.view_id) ?? '') ??
      [...this.views.values()].find((v) => externalId !== undefined && v.view.external_id === externalId);
    if (!state) return fail('not_found');
    const problems = viewProblems(view as SlackArgs);
    if (problems.length > 0) return fail('invalid_arguments', { response_metadata: { messages: problems } });
    state.view = view as SlackArgs;
    return { ok: true, view: this.viewObject(state) };
  }

  private viewObject(state: ViewState): SlackArgs {
    return {
      id: state.id,
      team_id: FAKE_WORKSPACE.teamId,
      app_id: FAKE_WORKSPACE.appId,
      bot_id: FAKE_WORKSPACE.botId,
      type: 'modal',
      private_metadata: '',
      callback_id: '',
      external_id: '',
      state: { values: {} },
      hash: `hash-${state.id}`,
      root_view_id: state.id,
      previous_view_id: null,
      ...state.view,
    };
  }

  /** Step 1 of filesUploadV2: filename and length (bytes) are required; 0 bytes is missing_argument. */
  private filesGetUploadURLExternal(args: SlackArgs): SlackAnswer {
    const filename = str(args.filename);
    const lengthArg = typeof args.length === 'number' ? String(args.length) : str(args.length);
    if (filename === undefined || lengthArg === undefined || !/^\d+$/.test(lengthArg)) return fail('invalid_arguments');
    const length = Number(lengthArg);
    if (length === 0) return fail('missing_argument');
    const id = `F${++this.fileCounter}`;
    this.files.set(id, {
      id,
      filename,
      length,
      bytes: undefined,
      created: nowSeconds(),
      completed: false,
      title: filename,
      channels: [],
      initialComment: undefined,
    });
    return { ok: true, upload_url: `${this.url}/upload/v1/${id}`, file_id: id } satisfies webApi.FilesGetUploadURLExternalResponse;
  }

  /**
   * Step 3: every listed file must have been uploaded and not completed yet ("can only be called once"), else
   * file_not_found. With channel_id (or channels) it posts one message per channel carrying the files, with
   * initial_comment as its text (blocks are used only without initial_comment); without, the file stays private.
   */
  private filesCompleteUploadExternal(args: SlackArgs): SlackAnswer {
    const entries = list(args.files);
    if (!entries || entries.length === 0) return fail('invalid_arguments');
    const files: { file: FileState; title: string | undefined }[] = [];
    for (const entry of entries) {
      const id = typeof entry === 'object' && entry !== null ? str((entry as SlackArgs).id) : undefined;
      const file = id === undefined ? undefined : this.files.get(id);
      if (!file || file.completed || file.bytes === undefined) return fail('file_not_found');
      files.push({ file, title: str((entry as SlackArgs).title) });
    }
    const channels = str(args.channel_id) !== undefined ? [str(args.channel_id) as string] : csv(args.channels);
    const initialComment = typeof args.initial_comment === 'string' ? args.initial_comment : undefined;
    const threadTs = str(args.thread_ts);
    for (const { file, title } of files) {
      Object.assign(file, { completed: true, title: title ?? file.filename, channels, initialComment });
    }
    for (const channel of channels) {
      const message: FakeMessage = {
        channel,
        ts: this.nextTs(),
        text: initialComment,
        blocks: initialComment === undefined ? list(args.blocks) : undefined,
        attachments: undefined,
        thread_ts: threadTs,
        user: FAKE_WORKSPACE.botUserId,
        files: files.map(({ file }) => ({ id: file.id, name: file.filename, title: file.title })),
      };
      const inChannel = this.messages.get(channel) ?? new Map<string, FakeMessage>();
      inChannel.set(message.ts, message);
      this.messages.set(channel, inChannel);
    }
    return { ok: true, files: files.map(({ file }) => fileObject(file)) };
  }

  private conversationsHistory(args: SlackArgs): SlackAnswer {
    const channel = str(args.channel) ?? '';
    if (!this.channels.has(channel) && !this.messages.has(channel)) return fail('channel_not_found');
    const limit = Number(args.limit ?? 100);
    const page = historyPage([...(this.messages.get(channel)?.values() ?? [])], { oldest: str(args.oldest), latest: str(args.latest), inclusive: bool(args.inclusive) }, limit);
    return {
      ok: true,
      messages: page.messages.map((m) => this.messageObject(m)),
      has_more: page.hasMore,
      pin_count: this.pins.get(channel)?.length ?? 0,
      response_metadata: { next_cursor: '' },
    } satisfies webApi.ConversationsHistoryResponse;
  }

  private conversationsReplies(args: SlackArgs): SlackAnswer {
    const channel = str(args.channel) ?? '';
    if (!this.channels.has(channel) && !this.messages.has(channel)) return fail('channel_not_found');
    const ts = str(args.ts);
    if (ts === undefined) return fail('invalid_arguments');
    const thread = threadPage([...(this.messages.get(channel)?.values() ?? [])], ts, { oldest: str(args.oldest), latest: str(args.latest), inclusive: bool(args.inclusive) }, Number(args.limit ?? 1000));
    if (!thread) return fail('thread_not_found');
    return { ok: true, messages: thread.map((m) => this.messageObject(m)), has_more: false, response_metadata: { next_cursor: '' } } satisfies webApi.ConversationsRepliesResponse;
  }

  private chatGetPermalink(args: SlackArgs): SlackAnswer {
    const message = this.findMessage(str(args.channel), str(args.message_ts));
    if (!message) return fail(this.channels.has(str(args.channel) ?? '') ? 'message_not_found' : 'channel_not_found');
    return { ok: true, channel: message.channel, permalink: permalinkOf(FAKE_WORKSPACE.teamDomain, message) } satisfies webApi.ChatGetPermalinkResponse;
  }

  private usersInfo(args: SlackArgs): SlackAnswer {
    const id = str(args.user);
    if (id === undefined || !/^[UW]/.test(id)) return fail('user_not_found');
    const isBot = id === FAKE_WORKSPACE.botUserId;
    const name = this.userNames.get(id) ?? (isBot ? FAKE_WORKSPACE.botName : id.toLowerCase());
    return {
      ok: true,
      user: {
        id,
        team_id: FAKE_WORKSPACE.teamId,
        name,
        real_name: name,
        deleted: false,
        is_bot: isBot,
        tz: 'Etc/UTC',
        // profile.email only with users:read.email; without it Slack leaves the field out rather than refusing the
        // call (https://docs.slack.dev/reference/scopes/users:read.email, https://docs.slack.dev/reference/methods/users.info).
        profile: { real_name: name, display_name: name, ...(this.scopes.has('users:read.email') && this.userEmails.has(id) ? { email: this.userEmails.get(id) } : {}) },
      },
    };
  }
}
