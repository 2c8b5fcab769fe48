/**
 * The Mattermost side: the /incident slash command, integration-action button clicks and dialog submissions,
 * each verified (command token; HMAC on sitroom's own button context and dialog state), translated into a
 * ChatCommandHandler call, and answered in Mattermost's terms.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MattermostConfig } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import { readBody } from '../../web/read-body.ts';
import { type Route, sendJson } from '../../web/http-server.ts';
import type { ChatCommandHandler, ChatReply, ChatRequest } from '../command-handler.ts';
import { BUTTON_IDS, type ButtonId } from '../message.ts';
import { createMattermostClient } from './mattermost-client.ts';
import { DECLARE_DIALOG, declareDialog, readDeclareDialog, readUpdateDialog, UPDATE_DIALOG, updateDialog } from './mattermost-dialogs.ts';
import { MattermostPlatform } from './mattermost-platform.ts';
import { Signer, tokenMatches } from './mattermost-signing.ts';

/** Mattermost requests are small; anything bigger is not from Mattermost. */
const MAX_BODY = 256 * 1024;

export interface MattermostAdapterOptions {
  config: MattermostConfig;
  logger: Logger;
  /** Registers work that runs after the answer, so shutdown can wait for it. */
  track: (work: Promise<unknown>) => void;
  /** A REST call not answered within this long is aborted (and the outbox retries it). */
  callTimeoutMs?: number;
}

export interface MattermostAdapter {
  platform: MattermostPlatform;
  /** POST /mattermost/command, /mattermost/actions, /mattermost/dialogs. */
  routes(handler: ChatCommandHandler): Route[];
}

interface ActionRequest {
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  trigger_id?: string;
  context?: { button?: unknown; value?: unknown; sig?: unknown };
}

interface DialogSubmission {
  callback_id?: string;
  state?: string;
  user_id?: string;
  channel_id?: string;
  submission?: Record<string, unknown>;
  cancelled?: boolean;
}

/** `@name` tokens in command text (Mattermost usernames: letters, digits, `.`, `-`, `_`). */
const MENTION = /(?:^|\s)@([a-z0-9._-]+)/gi;

export function createMattermostAdapter(opts: MattermostAdapterOptions): MattermostAdapter {
  const { config, logger, track } = opts;
  const signer = new Signer(config.botToken);
  const platform = new MattermostPlatform({
    client: createMattermostClient(config.url, config.botToken, opts.callTimeoutMs),
    team: config.team,
    announceChannel: config.announceChannel,
    alertsChannel: config.alertsChannel ?? config.announceChannel,
    actionUrl: `${config.publicUrl}/mattermost/actions`,
    sign: (button, value) => signer.sign('button', button, value),
  });
  const dialogUrl = `${config.publicUrl}/mattermost/dialogs`;
  const stateFor = (form: string, incident = 0) => JSON.stringify({ form, incident, sig: signer.sign('dialog', form, incident) });

  /** Shows a reply: as the command's delayed response, or a dialog. */
  async function show(reply: ChatReply, triggerId: string | undefined, respond: (body: object) => Promise<void>): Promise<void> {
    if (reply.kind === 'message') {
      const post = await platform.render(reply.message);
      await respond({ response_type: 'ephemeral', text: post.message, ...(post.props.attachments ? { attachments: post.props.attachments } : {}) });
      return;
    }
    if (!triggerId) return;
    const dialog = reply.kind === 'declare_form' ? declareDialog(stateFor('declare')) : updateDialog(reply.incident, stateFor('update', reply.incident));
    await platform.openDialog(triggerId, dialogUrl, dialog);
  }

  function after(work: () => Promise<void>, req: ChatRequest): void {
    track(work().catch((err: unknown) => logger.error({ err, user: req.userId, channel: req.channelId }, 'mattermost reply failed')));
  }

  /** Resolves `@name` mentions: first from the ids Mattermost sent with the command, then by asking it. */
  async function mentionParser(text: string, known: Map<string, string>) {
    const names = [...text.matchAll(MENTION)].map((m) => (m[1] ?? '').toLowerCase());
    const missing = names.filter((n) => !known.has(n));
    for (const [name, id] of await platform.userIdsByName(missing)) known.set(name.toLowerCase(), id);
    return (token: string) => (token.startsWith('@') ? known.get(token.slice(1).toLowerCase()) : undefined);
  }

  const command = (handler: ChatCommandHandler): Route => ({
    method: 'POST',
    path: '/mattermost/command',
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      const form = new URLSearchParams((await readBody(req, MAX_BODY)).toString('utf8'));
      const header = /^Token (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!tokenMatches(form.get('token') ?? header ?? undefined, config.commandToken)) {
        sendJson(res, 401, { text: 'This request did not come from the configured /incident command (token mismatch).' });
        return;
      }
      // Acknowledge at once (an empty ephemeral response shows nothing); the reply follows on response_url.
      sendJson(res, 200, {});
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
      const respond = async (body: object) => {
        const r = await fetch(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        if (!r.ok) throw new Error(`response_url answered ${r.status}`);
      };
      after(async () => {
        const text = form.get('text') ?? '';
        const reply = await handler.command(request, text, await mentionParser(text, known));
        await show(reply, form.get('trigger_id') ?? undefined, respond);
      }, request);
    },
  });

  const actions = (handler: ChatCommandHandler): Route => ({
    method: 'POST',
    path: '/mattermost/actions',
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      const body = parseJson<ActionRequest>(await readBody(req, MAX_BODY));
      const button = body?.context?.button;
      const value = body?.context?.value;
      if (!body || typeof button !== 'string' || typeof value !== 'number' || !signer.verify(body.context?.sig, 'button', button, value)) {
        sendJson(res, 401, { ephemeral_text: 'This button was not made by this sitroom (bad signature).' });
        return;
      }
      if (!BUTTON_IDS.includes(button as ButtonId)) {
        sendJson(res, 400, { ephemeral_text: `Unknown button ${button}.` });
        return;
      }
      const request: ChatRequest = { platform: 'mattermost', userId: body.user_id ?? '', channelId: body.channel_id ?? '', userName: body.user_name };
      const reply = await handler.button(request, button as ButtonId, value);
      if (reply.kind === 'message') {
        sendJson(res, 200, { ephemeral_text: (await platform.render(reply.message)).message });
        return;
      }
      sendJson(res, 200, {});
      after(() => show(reply, body.trigger_id, async () => {}), request);
    },
  });

  const dialogs = (handler: ChatCommandHandler): Route => ({
    method: 'POST',
    path: '/mattermost/dialogs',
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      const body = parseJson<DialogSubmission>(await readBody(req, MAX_BODY));
      const state = parseJson<{ form?: unknown; incident?: unknown; sig?: unknown }>(Buffer.from(body?.state ?? ''));
      const form = state?.form;
      const incident = state?.incident;
      if (!body || typeof form !== 'string' || typeof incident !== 'number' || !signer.verify(state?.sig, 'dialog', form, incident)) {
        sendJson(res, 401, { error: 'This dialog was not opened by this sitroom (bad signature).' });
        return;
      }
      if (body.cancelled) {
        sendJson(res, 200, {});
        return;
      }
      const submission = body.submission ?? {};
      const request: ChatRequest = { platform: 'mattermost', userId: body.user_id ?? '', channelId: body.channel_id ?? '' };
      const dm = async (reply: ChatReply) => {
        if (reply.kind === 'message') await platform.sendDirect(request.userId, reply.message);
      };
      if (body.callback_id === DECLARE_DIALOG && form === 'declare') {
        const read = readDeclareDialog(submission);
        if ('errors' in read) return sendJson(res, 200, { errors: read.errors });
        sendJson(res, 200, {});
        after(async () => dm(await handler.declareForm(request, read.form)), request);
        return;
      }
      if (body.callback_id === UPDATE_DIALOG && form === 'update') {
        const read = readUpdateDialog(submission);
        if ('errors' in read) return sendJson(res, 200, { errors: read.errors });
        sendJson(res, 200, {});
        after(async () => dm(await handler.updateForm(request, incident, read.text)), request);
        return;
      }
      sendJson(res, 400, { error: `Unknown dialog ${body.callback_id ?? ''}.` });
    },
  });

  return { platform, routes: (handler) => [command(handler), actions(handler), dialogs(handler)] };
}

function parseJson<T>(raw: Buffer): T | undefined {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}
