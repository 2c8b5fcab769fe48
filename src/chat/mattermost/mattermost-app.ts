/**
 * The Mattermost side: the /incident slash command, integration-action button clicks and dialog submissions,
 * each verified (command token; HMAC on sitroom's own button context and dialog state; optionally the caller's
 * address), translated into a ChatCommandHandler call, and answered in Mattermost's terms.
 *
 * Mattermost waits ServiceSettings.OutgoingIntegrationRequestsTimeout (30 s by default) for an integration's answer
 * (app/integration_action.go DoActionRequest: httpClient with that timeout) and shows an error when it passes, even
 * if the work got done. So clicks and submissions are answered as soon as they are verified, the work runs after,
 * and its outcome comes as an ephemeral post in the channel the click or dialog came from. Mattermost also reads the body of a 200
 * answer only (DoPostActionWithCookie returns an error for any other status; api4/integration_action.go
 * submitDialog likewise), so every refusal a user must read is a 200 carrying `ephemeral_text` or `error`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError, type MattermostConfig } from '../../config.ts';
import { MATTERMOST_PACING } from '../../delivery/pacing.ts';
import type { Incident } from '../../incidents/incident.ts';
import type { Logger } from '../../logger.ts';
import type { ChatAdapter } from '../chat-adapter.ts';
import { BodyTooLarge, readBody } from '../../http/read-body.ts';
import { type Route, sendJson } from '../../http/http-server.ts';
import type { ChatCommandHandler, ChatReply, ChatRequest } from '../command-handler.ts';
import { BUTTON_IDS, type ButtonId, type ChatMessage, SELECT_IDS, type SelectId } from '../../presentation/message.ts';
import type { ReplyTo } from '../../presentation/reply-effects.ts';
import { answerInAck } from '../answer-in-ack.ts';
import { ChannelMembers, sourceFilter } from './mattermost-callers.ts';
import { ActionPosts, type PostOrigin } from './mattermost-action-posts.ts';
import { CAPTURE_EMOJI } from '../../incidents/captured-messages.ts';
import { mattermostPostToCapture, type MattermostPostObject } from './mattermost-captured-post.ts';
import { clientError, createMattermostClient } from './mattermost-client.ts';
import { MattermostEvents, type MattermostReaction } from './mattermost-websocket.ts';
import type { NonceStore } from '../nonce-store.ts';
import { openDialogState, sealDialogState, useDialogState } from './mattermost-dialog-state.ts';
import { DECLARE_FORM, declareForm, formFor, PAGE_FORM, pageForm, readDeclareValues, readPageValues, readUpdateValues, UPDATE_FORM, updateForm } from '../forms.ts';
import { mattermostDialog, mattermostFormValues } from './mattermost-dialogs.ts';
import { MattermostPlatform, MattermostSettingError } from './mattermost-platform.ts';
import { Signer, tokenMatches } from './mattermost-signing.ts';

/** Mattermost requests are small; anything bigger is not from Mattermost. */
export const MATTERMOST_MAX_BODY = 256 * 1024;

export interface MattermostAdapterOptions {
  config: MattermostConfig;
  logger: Logger;
  /** Registers work that runs after the answer, so shutdown can wait for it. */
  track: (work: Promise<unknown>) => void;
  /** Used dialog nonces, shared by every replica. */
  nonces: NonceStore;
  now: () => number;
  /** A REST call not answered within this long is aborted (and the outbox retries it). */
  callTimeoutMs?: number;
  /** Queues a reply in the outbox (chat/reply-effects.ts): retried and paced, never sent inside the request. */
  reply: (platform: 'mattermost', to: ReplyTo, message: ChatMessage) => Promise<void>;
}

/**
 * The Mattermost adapter. Its routes: POST /mattermost/command, /mattermost/actions, /mattermost/dialogs. start()
 * checks the settings against the server: a setting it refuses rejects with ConfigError naming the variable; an
 * unreachable server only logs a warning, reads 'unreachable' in health() and is checked again with backoff.
 */
export interface MattermostAdapter extends ChatAdapter {
  readonly platform: MattermostPlatform;
}

/**
 * Mattermost's channel URLs are <site>/<team name>/channels/<channel name>; MATTERMOST_TEAM may be the team's id,
 * so the name the server told at start-up is used once known.
 */
export function mattermostWarRoomUrl(siteUrl: string, team: string, incident: Incident): string | null {
  if (!incident.room) return null;
  return `${siteUrl}/${encodeURIComponent(team)}/channels/${encodeURIComponent(incident.room.channelName)}`;
}

/** Waits between start-up checks of an unreachable server: doubling from 1 s up to 1 min. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 60_000;

interface ActionRequest {
  user_id?: unknown;
  user_name?: unknown;
  channel_id?: unknown;
  post_id?: unknown;
  trigger_id?: unknown;
  /** `selected_option` is added by the server for a `select` action (app.DoPostActionWithCookie); it is not signed: it is the user's choice. */
  context?: { button?: unknown; value?: unknown; channel?: unknown; user?: unknown; sig?: unknown; selected_option?: unknown };
}

interface DialogSubmission {
  callback_id?: unknown;
  state?: unknown;
  user_id?: unknown;
  channel_id?: unknown;
  submission?: Record<string, unknown> | null;
  cancelled?: unknown;
}

/** `@name` tokens in command text (Mattermost usernames: letters, digits, `.`, `-`, `_`). */
const MENTION = /(?:^|\s)@([a-z0-9._-]+)/gi;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The `@name` mentions of a command that Mattermost did not resolve in the request (`known`, by lower-case name). */
const unresolvedMentions = (text: string, known: ReadonlyMap<string, string>): string[] =>
  [...text.matchAll(MENTION)].map((m) => (m[1] ?? '').toLowerCase()).filter((n) => !known.has(n));

export function createMattermostAdapter(opts: MattermostAdapterOptions): MattermostAdapter {
  const { config, logger, track, nonces, now } = opts;
  const reply = (to: ReplyTo, message: ChatMessage) => opts.reply('mattermost', to, message);
  const signer = new Signer(config.botToken);
  const client = createMattermostClient(config.url, config.botToken, opts.callTimeoutMs);
  const platform = new MattermostPlatform({
    client,
    team: config.team,
    announceChannel: config.announceChannel,
    alertsChannel: config.alertsChannel ?? config.announceChannel,
    actionUrl: `${config.publicUrl}/mattermost/actions`,
    // A button of an ephemeral message is signed apart ('ephemeral button'), so no card's signature fits it or back.
    sign: (button, value, channel, user) => (user === undefined ? signer.sign('button', button, value, channel) : signer.sign('ephemeral button', button, value, channel, user)),
    callTimeoutMs: opts.callTimeoutMs,
  });
  const members = new ChannelMembers(client, now);
  const posts = new ActionPosts(client, () => platform.ownUserId(), now);
  const allowed = sourceFilter(config.allowedSources);
  const dialogUrl = `${config.publicUrl}/mattermost/dialogs`;

  /** Opens the form a reply asks for, sealed for the user who asked. */
  async function openForm(reply: Exclude<ChatReply, { kind: 'message' }>, user: string, triggerId: string): Promise<void> {
    const form = formFor(reply);
    const state = sealDialogState(signer, form.id === DECLARE_FORM ? 'declare' : form.id === PAGE_FORM ? 'page' : 'update', form.incident ?? 0, user, now());
    await platform.openDialog(triggerId, dialogUrl, mattermostDialog(form, state));
  }

  function after(work: () => Promise<void>, req: ChatRequest): void {
    track(work().catch((err: unknown) => logger.error({ err, user: req.userId, channel: req.channelId }, 'mattermost reply failed')));
  }

  /** Resolves `@name` mentions: first from the ids Mattermost sent with the command, then by asking it. */
  async function mentionParser(text: string, known: Map<string, string>) {
    for (const [name, id] of await platform.userIdsByName(unresolvedMentions(text, known))) known.set(name.toLowerCase(), id);
    return (token: string) => (token.startsWith('@') ? known.get(token.slice(1).toLowerCase()) : undefined);
  }

  /**
   * The body of an allowed caller's request, bounded before it is buffered; undefined once refused.
   * `refusal` shapes the message the way the route's caller shows it (text, ephemeral_text or error).
   */
  async function readRequest(req: IncomingMessage, res: ServerResponse, refusal: (text: string) => object): Promise<Buffer | undefined> {
    if (!allowed(req.socket.remoteAddress)) {
      sendJson(res, 403, refusal('This address may not call sitroom’s Mattermost endpoints (MATTERMOST_ALLOWED_SOURCES).'));
      req.resume();
      return undefined;
    }
    try {
      return await readBody(req, MATTERMOST_MAX_BODY);
    } catch (e) {
      if (!(e instanceof BodyTooLarge)) throw e;
      sendJson(res, 413, refusal(`Request body over ${MATTERMOST_MAX_BODY / 1024} KB; Mattermost never sends one that large.`));
      return undefined;
    }
  }

  const command = (handler: ChatCommandHandler): Route => ({
    method: 'POST',
    path: '/mattermost/command',
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      const raw = await readRequest(req, res, (text) => ({ text }));
      if (!raw) return;
      const form = new URLSearchParams(raw.toString('utf8'));
      const header = /^Token (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!tokenMatches(form.get('token') ?? header ?? undefined, config.commandToken)) {
        sendJson(res, 401, { text: 'This request did not come from the configured /incident command (token mismatch).' });
        return;
      }
      const request: ChatRequest = {
        platform: 'mattermost',
        userId: form.get('user_id') ?? '',
        channelId: form.get('channel_id') ?? '',
        userName: form.get('user_name') ?? undefined,
      };
      const mentions = form.getAll('user_mentions');
      const ids = form.getAll('user_mentions_ids');
      const known = new Map(mentions.map((name, n) => [name.toLowerCase(), ids[n] ?? ''] as const).filter(([, id]) => id));
      const responseUrl = form.get('response_url') ?? '';
      const text = form.get('text') ?? '';
      after(
        () =>
          answerInAck({
            reply: mentionParser(text, known).then((parse) => handler.command(request, text, parse)),
            // The reply in the answer's body when it is ready in time (answer-in-ack.ts); an empty response shows nothing.
            body: (message) => platform.commandAnswer(message, request.channelId, request.userId),
            ack: (body) => sendJson(res, 200, body ?? {}),
            later: async (answer) => {
              if (answer.kind !== 'message') {
                const triggerId = form.get('trigger_id');
                if (triggerId) await openForm(answer, request.userId, triggerId);
                return;
              }
              // Through the outbox, to the command's response_url (MattermostPlatform.reply).
              await reply({ user: request.userId, channel: request.channelId, ...(responseUrl ? { responseUrl } : {}) }, answer.message);
            },
            // A mention Mattermost did not resolve is looked up through its API: the answer does not wait for that.
            ...(unresolvedMentions(text, known).length > 0 ? { waitMs: 0 } : {}),
          }),
        request,
      );
    },
  });

  /**
   * Why a signed click is refused on account of its post, if it is: it must come from a post the bot made in the
   * click's channel (mattermost-action-posts.ts), or, from a post that is not stored (an ephemeral one), carry a
   * context bound to a user (the route has checked it is the clicking user). It asks Mattermost, so it runs after
   * the answer, as the membership check does: a slow API must not make Mattermost give up on the click.
   */
  async function postRefusal(postId: string, channel: string, shownTo: string | undefined): Promise<string | undefined> {
    let origin: PostOrigin;
    try {
      origin = await posts.origin(postId, channel);
    } catch (err) {
      logger.warn({ err, post: postId, channel }, 'could not check the clicked post with Mattermost');
      return 'sitroom could not check this button with Mattermost just now; try again in a moment.';
    }
    if (origin === 'ours' || (origin === 'missing' && shownTo !== undefined)) return undefined;
    return 'This button is not on a message sitroom posted in this channel; it does nothing.';
  }

  const actions = (handler: ChatCommandHandler): Route => ({
    method: 'POST',
    path: '/mattermost/actions',
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      const raw = await readRequest(req, res, (ephemeral_text) => ({ ephemeral_text }));
      if (!raw) return;
      const body = parseJson<ActionRequest>(raw);
      const { button, value, channel, user: shownTo, sig } = body?.context ?? {};
      const signed =
        typeof button === 'string' &&
        typeof value === 'number' &&
        typeof channel === 'string' &&
        (shownTo === undefined ? signer.verify(sig, 'button', button, value, channel) : typeof shownTo === 'string' && signer.verify(sig, 'ephemeral button', button, value, channel, shownTo));
      // The context is bound to the channel it was posted in: Mattermost sends the post's channel with the click.
      if (!body || !signed || body.channel_id !== channel) {
        sendJson(res, 200, { ephemeral_text: 'This button was not made by this sitroom for this channel (bad signature).' });
        return;
      }
      // A button of an ephemeral message belongs to the one user it was shown to, wherever it is clicked.
      const boundTo = typeof shownTo === 'string' ? shownTo : undefined;
      if (boundTo !== undefined && boundTo !== body.user_id) {
        sendJson(res, 200, { ephemeral_text: 'This button was shown to someone else; it does nothing for you.' });
        return;
      }
      const isSelect = SELECT_IDS.includes(button as SelectId);
      const chosen = Number(body.context?.selected_option);
      if (isSelect && !Number.isInteger(chosen)) {
        sendJson(res, 200, { ephemeral_text: 'Choose one of the options.' });
        return;
      }
      if (!isSelect && !BUTTON_IDS.includes(button as ButtonId)) {
        sendJson(res, 200, { ephemeral_text: `Unknown button ${button}.` });
        return;
      }
      const userId = str(body.user_id);
      const request: ChatRequest = { platform: 'mattermost', userId, channelId: channel, userName: str(body.user_name) || undefined };
      sendJson(res, 200, {});
      after(async () => {
        // The outcome as an ephemeral post in the click's channel, through the outbox.
        const tell = (message: ChatMessage) => reply({ user: userId, channel }, message);
        const refusal = await postRefusal(str(body.post_id), channel, boundTo);
        if (refusal) {
          await tell({ lines: [[refusal]] });
          return;
        }
        if (!(await members.canUse(channel, userId))) {
          await tell({ lines: [['You are not a member of this channel (or its team), so its buttons do nothing for you.']] });
          return;
        }
        const answer = isSelect ? await handler.select(request, button as SelectId, value, chosen) : await handler.button(request, button as ButtonId, value);
        if (answer.kind === 'message') await tell(answer.message);
        else if (typeof body.trigger_id === 'string') await openForm(answer, userId, body.trigger_id);
      }, request);
    },
  });

  const dialogs = (handler: ChatCommandHandler): Route => ({
    method: 'POST',
    path: '/mattermost/dialogs',
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      const raw = await readRequest(req, res, (error) => ({ error }));
      if (!raw) return;
      const body = parseJson<DialogSubmission>(raw) ?? {};
      const state = openDialogState(signer, body.state, body.user_id, now());
      if ('error' in state) return sendJson(res, 200, { error: state.error });
      if (body.cancelled === true) return sendJson(res, 200, {});
      const submission = body.submission ?? {};
      const request: ChatRequest = { platform: 'mattermost', userId: state.user, channelId: str(body.channel_id) };
      // The outcome is shown to the user alone in the channel the dialog was opened from, as a click's is (the
      // submission carries it: model.SubmitDialogRequest.ChannelId); a DM only when the request named none.
      const tell = async (answer: ChatReply) => {
        if (answer.kind === 'message') await reply({ user: request.userId, ...(request.channelId ? { channel: request.channelId } : {}) }, answer.message);
      };
      let work: () => Promise<void>;
      if (body.callback_id === DECLARE_FORM && state.form === 'declare') {
        const read = readDeclareValues(mattermostFormValues(declareForm(), submission));
        if ('errors' in read) return sendJson(res, 200, { errors: read.errors });
        work = async () => tell(await handler.declareForm(request, read.form));
      } else if (body.callback_id === UPDATE_FORM && state.form === 'update') {
        const read = readUpdateValues(mattermostFormValues(updateForm(state.incident), submission));
        if ('errors' in read) return sendJson(res, 200, { errors: read.errors });
        work = async () => tell(await handler.updateForm(request, state.incident, read.text));
      } else if (body.callback_id === PAGE_FORM && state.form === 'page') {
        const read = readPageValues(mattermostFormValues(pageForm(state.incident), submission));
        if ('errors' in read) return sendJson(res, 200, { errors: read.errors });
        work = async () => tell(await handler.pageForm(request, state.incident, read.page));
      } else {
        return sendJson(res, 200, { error: `Unknown dialog ${str(body.callback_id)}.` });
      }
      // Only a valid submission uses the dialog up, so a user can fix a field error and submit again.
      const used = await useDialogState(nonces, state, now());
      if (used) return sendJson(res, 200, used);
      sendJson(res, 200, {});
      after(work, request);
    },
  });

  let health: 'ok' | 'unreachable' = 'ok';
  let teamName: string | undefined;
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;

  /** One check: true when done (verified, or a setting is wrong after start-up); false to try again. */
  async function check(atStart: boolean): Promise<boolean> {
    try {
      teamName = (await platform.verify()).teamName;
      if (health !== 'ok') logger.info('Mattermost answers again');
      health = 'ok';
      return true;
    } catch (e) {
      if (e instanceof MattermostSettingError) {
        if (atStart) throw new ConfigError([e.message]);
        logger.error({ variable: e.variable }, e.message);
        health = 'ok';
        return true;
      }
      health = 'unreachable';
      logger.warn({ err: e, url: config.url }, 'Mattermost is unreachable; starting anyway and checking again');
      return false;
    }
  }

  function retryLater(delay: number): void {
    if (stopped) return;
    retry = setTimeout(() => {
      void check(false).then((done) => {
        if (!done) retryLater(Math.min(RETRY_MAX_MS, delay * 2));
      });
    }, delay);
    retry.unref();
  }

  let attached: ChatCommandHandler | undefined;

  /** 📌 on a post: the post goes onto the timeline of the war room it is in (reactions by the bot itself are not). */
  function onReaction(reaction: MattermostReaction): void {
    const handler = attached;
    if (!handler || reaction.emojiName !== CAPTURE_EMOJI) return;
    const req: ChatRequest = { platform: 'mattermost', userId: reaction.userId, channelId: reaction.channelId };
    after(async () => {
      const bot = await platform.ownUserId();
      if (reaction.userId === bot) return;
      await handler.capture(req, async () => {
        const post = (await client.getPost(reaction.postId).catch((e: unknown) => {
          if (clientError(e).status_code === 404) return undefined;
          throw e;
        })) as MattermostPostObject | undefined;
        return post && mattermostPostToCapture(post, { url: config.url, teamName: teamName ?? config.team }, bot);
      });
    }, req);
  }
  const events = new MattermostEvents({ url: config.url, botToken: config.botToken, logger, onReaction });

  return {
    platform,
    pacing: MATTERMOST_PACING,
    attach(handler) {
      attached = handler;
    },
    routes() {
      if (!attached) throw new Error('attach a command handler before serving Mattermost routes');
      return [command(attached), actions(attached), dialogs(attached)];
    },
    async start() {
      if (!(await check(true))) retryLater(RETRY_FIRST_MS);
      events.start();
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await events.stop();
    },
    health: () => health,
    warRoomUrl: (incident) => mattermostWarRoomUrl(config.url, teamName ?? config.team, incident),
  };
}

function parseJson<T>(raw: Buffer): T | undefined {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}
