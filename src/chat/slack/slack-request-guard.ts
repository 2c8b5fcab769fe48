/**
 * The door in front of Bolt on /slack/events. Bolt 4's HTTPReceiver buffers any body whole before it checks the
 * signature, checks only that the timestamp is not too old, never remembers signatures, and dispatches `payload=null`
 * into code that dereferences it (an unhandled rejection that ends the process). So this guard, in order:
 *   1. bounds the body (Content-Length first, then the bytes actually received) and answers 413;
 *   2. verifies the signature (Slack's v0 scheme) with a window of five minutes either side and refuses a signature
 *      it has already accepted within that window (a replay) with 401 — remembered in this process and, when given
 *      `remember`, in the database, so a replay sent to another replica behind the load balancer is refused too;
 *   3. refuses a body whose `payload` (or JSON body) is not an object with 400;
 * and only then hands the request on: a slash command to `command` when given (sitroom answers its own commands
 * without Bolt's receiver and middleware, which were a third of their CPU), anything else to Bolt with the
 * already-read body (Bolt reads `rawBody` instead of the stream when it is set).
 * Signature scheme: https://api.slack.com/authentication/verifying-requests-from-slack
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { BodyTooLarge, readBody } from '../../http/read-body.ts';
import type { NonceStore } from '../nonce-store.ts';

/**
 * 1 MiB. The largest body Slack sends sitroom is a view_submission, which carries the whole modal (at most 100
 * blocks, https://api.slack.com/reference/block-kit/blocks) and its input values (≤ 3,000 characters each), or a
 * block_actions carrying a message (≤ 50 blocks of ≤ 3,000 characters): a few hundred KB in the worst case.
 * bolt-js 5.1 added the same guard with a 4 MB default (slackapi/bolt-js release v5.1.0, `bodyLimit`).
 */
export const SLACK_BODY_LIMIT_BYTES = 1024 * 1024;

/** Slack's own rule for the timestamp is "within five minutes of the local time"; we apply it in both directions. */
export const SLACK_REPLAY_WINDOW_SECONDS = 5 * 60;

/**
 * Signatures accepted in the last window, so a captured request cannot be replayed. Only correctly signed requests
 * inside the window are remembered, so the set grows with Slack's real traffic; the cap keeps memory bounded
 * (about 100 bytes an entry) even if a leaked secret is used to flood it: past the cap the oldest are forgotten.
 */
export const SLACK_SEEN_SIGNATURES_MAX = 100_000;

export interface SlackRequestGuardOptions {
  signingSecret: string;
  /** Bolt's listener, called with the verified request (its `rawBody` set). */
  next: RequestListener;
  /**
   * A verified, well-formed slash command (a form with `command`, `user_id` and `channel_id`, no `payload`): true
   * when it was answered, false to hand it to `next`.
   */
  command?: (form: URLSearchParams, res: ServerResponse) => boolean;
  /**
   * The signatures every replica has accepted (the database). Without it only this process's memory refuses a replay,
   * and a load balancer hands a replayed request to another replica that never saw it.
   */
  remember?: NonceStore;
  /** Milliseconds since the epoch; Slack's timestamps are wall-clock time. */
  now?: () => number;
  limitBytes?: number;
  onRefused?: (status: number, reason: string) => void;
}

/** What a request was refused for, as the status and the one line the caller sees. */
type Refusal = { status: 400 | 401 | 413 | 503; reason: string };

const SSL_CHECK = Symbol('ssl_check');

/** A request that passed: its body, and its form when it is a slash command. */
interface Accepted {
  body: Buffer;
  command: URLSearchParams | undefined;
}

/** Remembers signatures until they leave the replay window; insertion order is arrival order. */
export class SeenSignatures {
  private readonly seen = new Map<string, number>();
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }

  get size(): number {
    return this.seen.size;
  }

  /** False when `signature` was already accepted and has not expired; otherwise remembers it until `expiresAt`. */
  add(signature: string, expiresAt: number, now: number): boolean {
    for (const [key, expiry] of this.seen) {
      if (expiry > now && this.seen.size < this.max) break;
      this.seen.delete(key);
    }
    const expiry = this.seen.get(signature);
    if (expiry !== undefined && expiry > now) return false;
    this.seen.set(signature, expiresAt);
    return true;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** Slack's v0 signature: HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret, hex, compared in constant time. */
function signatureMatches(secret: string, timestamp: string, body: Buffer, signature: string): boolean {
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Slack's bodies are a form (slash commands: fields; interactions: one `payload` field holding a JSON object) or a
 * JSON object (Events API). Anything else is not from Slack, whoever signed it.
 */
export function checkSlackBody(contentType: string | undefined, body: string, given?: URLSearchParams): Refusal | undefined {
  let json: string | undefined;
  if (isForm(contentType)) {
    const form = given ?? new URLSearchParams(body);
    const payloads = form.getAll('payload');
    if (payloads.length === 0) {
      // A slash command (https://api.slack.com/interactivity/slash-commands#app_command_handling): Bolt routes on
      // `command` and builds its context from the user and channel.
      const missing = ['command', 'user_id', 'channel_id'].filter((f) => !form.get(f));
      return missing.length ? { status: 400, reason: `not a Slack slash command: no ${missing.join(', ')}` } : undefined;
    }
    if (payloads.length > 1) return { status: 400, reason: 'more than one payload field' };
    json = payloads[0];
  } else json = body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json ?? '');
  } catch {
    return { status: 400, reason: 'payload is not JSON' };
  }
  if (!isObject(parsed)) return { status: 400, reason: 'payload must be a JSON object' };
  return json === body ? eventsProblem(parsed) : interactionProblem(parsed);
}

/**
 * An Events API body (https://docs.slack.dev/apis/events-api/#callback-field): Bolt routes an event_callback on
 * `event.type` and answers a url_verification with its `challenge`; without them Bolt answers 404 or leaves the
 * request hanging until its own time-out.
 */
function eventsProblem(p: Record<string, unknown>): Refusal | undefined {
  const bad = (what: string): Refusal => ({ status: 400, reason: `not a Slack event: ${what}` });
  if (p['type'] === 'event_callback' && (!isObject(p['event']) || typeof p['event']['type'] !== 'string')) return bad('no event.type');
  if (p['type'] === 'url_verification' && typeof p['challenge'] !== 'string') return bad('no challenge');
  return undefined;
}

const isForm = (contentType: string | undefined) => (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The fields Bolt reads before any listener runs (to route and to build the context), by interaction type, as in
 * https://api.slack.com/reference/interaction-payloads: without them Bolt throws inside its own dispatch and answers
 * 500, or leaves the request waiting for an acknowledgement that never comes.
 */
function interactionProblem(p: Record<string, unknown>): Refusal | undefined {
  const bad = (what: string): Refusal => ({ status: 400, reason: `payload is not a Slack interaction: ${what}` });
  if (typeof p['type'] !== 'string') return bad('no type');
  if (!isObject(p['user']) || typeof p['user']['id'] !== 'string') return bad('no user.id');
  switch (p['type']) {
    case 'block_actions':
      if (!Array.isArray(p['actions']) || !p['actions'].every((a) => isObject(a) && typeof a['action_id'] === 'string')) return bad('actions must be a list of actions with action_id');
      return undefined;
    case 'view_submission':
    case 'view_closed': {
      const view = p['view'];
      if (!isObject(view) || typeof view['callback_id'] !== 'string') return bad('no view.callback_id');
      if (p['type'] === 'view_submission' && (!isObject(view['state']) || !isObject(view['state']['values']))) return bad('no view.state.values');
      return undefined;
    }
    case 'shortcut':
      return typeof p['callback_id'] === 'string' ? undefined : bad('no callback_id');
    case 'message_action':
      // The message shortcut's listener reads the channel and the message it was used on.
      if (typeof p['callback_id'] !== 'string') return bad('no callback_id');
      if (!isObject(p['channel']) || typeof p['channel']['id'] !== 'string') return bad('no channel.id');
      return isObject(p['message']) && typeof p['message']['ts'] === 'string' ? undefined : bad('no message.ts');
    default:
      return undefined;
  }
}

/** The /slack/events listener: bounded, verified, replay-proof and well-formed, or refused with a reason. */
export function slackRequestGuard(opts: SlackRequestGuardOptions): RequestListener {
  const now = opts.now ?? Date.now;
  const limit = opts.limitBytes ?? SLACK_BODY_LIMIT_BYTES;
  const seen = new SeenSignatures(SLACK_SEEN_SIGNATURES_MAX);

  function refuse(res: ServerResponse, { status, reason }: Refusal): void {
    opts.onRefused?.(status, reason);
    const body = JSON.stringify({ error: reason });
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  async function check(req: IncomingMessage): Promise<Refusal | Accepted | typeof SSL_CHECK> {
    let body: Buffer;
    try {
      body = await readBody(req, limit);
    } catch (e) {
      if (e instanceof BodyTooLarge) return { status: 413, reason: `Slack request bodies are at most ${limit} bytes` };
      throw e;
    }
    const contentType = header(req, 'content-type');
    const text = body.toString('utf8');
    const form = isForm(contentType) ? new URLSearchParams(text) : undefined;
    // Slack's unsigned certificate check for slash command URLs: answered here with nothing read from it.
    // https://api.slack.com/interactivity/slash-commands#ssl
    if (contentType === 'application/x-www-form-urlencoded' && form?.get('ssl_check') === '1') return SSL_CHECK;
    const timestamp = header(req, 'x-slack-request-timestamp') ?? '';
    const signature = header(req, 'x-slack-signature') ?? '';
    const nowSeconds = Math.floor(now() / 1000);
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > SLACK_REPLAY_WINDOW_SECONDS) {
      return { status: 401, reason: 'request timestamp missing or more than five minutes from now' };
    }
    if (!signatureMatches(opts.signingSecret, timestamp, body, signature)) return { status: 401, reason: 'signature mismatch' };
    // Remembered until the timestamp leaves the window: after that the timestamp check refuses it anyway.
    const expiresAt = (Number(timestamp) + SLACK_REPLAY_WINDOW_SECONDS + 1) * 1000;
    const replayed: Refusal = { status: 401, reason: 'this signed request was already received' };
    if (!seen.add(signature, expiresAt, now())) return replayed;
    if (opts.remember) {
      let first: boolean;
      try {
        first = await opts.remember.use(`slack-signature:${signature}`, now(), expiresAt);
      } catch {
        // Not recorded, so not known to be new: refused with a status Slack's Events API retries (with a new signature).
        return { status: 503, reason: 'the request could not be recorded; try again' };
      }
      if (!first) return replayed;
    }
    return checkSlackBody(contentType, text, form) ?? { body, command: form && !form.has('payload') ? form : undefined };
  }

  return (req, res) => {
    check(req).then(
      (outcome) => {
        if (outcome === SSL_CHECK) return void res.writeHead(200).end();
        if ('status' in outcome) return refuse(res, outcome);
        if (outcome.command && opts.command?.(outcome.command, res)) return undefined;
        // Bolt's bufferIncomingMessage uses `rawBody` when it is already a Buffer, so the stream is not read twice.
        (req as IncomingMessage & { rawBody?: Buffer }).rawBody = outcome.body;
        return opts.next(req, res);
      },
      () => refuse(res, { status: 400, reason: 'the request body could not be read' }),
    );
  };
}
