/**
 * One webhook call as the dispatcher makes it, against real local HTTP servers: a hung receiver is abandoned at the
 * time-out, refusals are classified (410 stops, Retry-After is honoured), redirects are not followed, rows for a
 * removed endpoint or a since-private incident are dropped, the body stays bounded, and a hung receiver holds up
 * no chat delivery (the webhooks have their own queue in the same outbox).
 */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxDispatcher, type EffectDeliverer } from '../../src/delivery/dispatcher.ts';
import type { OutboxRow } from '../../src/delivery/outbox.ts';
import { Pacer } from '../../src/delivery/pacing.ts';
import type { Incident } from '../../src/incidents/incident.ts';
import { EMPTY_SECTIONS } from '../../src/incidents/postmortem.ts';
import { event } from '../../src/incidents/timeline.ts';
import { WEBHOOK_EVENT_TYPES, webhookEffects } from '../../src/incidents/webhook-events.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { SqliteOutboxStore } from '../../src/storage/sqlite-outbox-store.ts';
import { incidentDetail } from '../../src/web/incident-views.ts';
import { MAX_WEBHOOK_BODY_BYTES, webhookBody } from '../../src/webhooks/webhook-body.ts';
import { WebhookDeliverer } from '../../src/webhooks/webhook-deliverer.ts';
import { webhookDispatcher } from '../../src/webhooks/webhook-dispatcher.ts';
import { createLogger } from '../../src/logger.ts';
import { FixedClock, HOUR, SECOND, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';
import { closeServer, listenOnLoopback } from '../fakes/local-server.ts';
import { verifyStandardWebhook, WebhookReceiver } from '../fakes/webhook-receiver.ts';

const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const KEY = Buffer.alloc(32, 9);
const detail = (incident: Incident, now: number) =>
  incidentDetail(incident, now, () => null, { timeline: [], actionItems: [], checklist: [], alerts: [], postmortem: null, postmortemSections: EMPTY_SECTIONS });

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.reverse()) await done();
  cleanup = [];
});

const servers = new Map<string, Server>();
async function server(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s: Server = createServer(handler);
  const url = await listenOnLoopback(s);
  servers.set(url, s);
  cleanup.push(async () => (s.listening ? closeServer(s) : undefined));
  return url;
}

function deliverer(url: string, opts: { incident?: Incident; timeoutMs?: number; includePrivate?: boolean } = {}) {
  const incident = opts.incident ?? anIncident();
  return new WebhookDeliverer({
    endpoints: [{ url, events: WEBHOOK_EVENT_TYPES, includePrivate: opts.includePrivate ?? false }],
    key: KEY,
    timeoutMs: opts.timeoutMs ?? 2 * SECOND,
    incident: async (n) => (n === incident.number ? incident : undefined),
    detail: async (i, now) => detail(i, now),
    now: () => Date.now(),
  });
}

/** The row the outbox would hold for `url` after the incident was declared. */
function row(url: string, incident: Incident = anIncident()): OutboxRow {
  const [queued] = webhookEffects([{ url, events: WEBHOOK_EVENT_TYPES, includePrivate: true }], incident, [event('declared', T0, 'alice', 'Declared')], T0);
  if (!queued) throw new Error('no row');
  return { ...queued, id: 7, version: 0, state: 'pending', attempts: 0, createdAt: T0, nextAttemptAt: T0, lastError: null, messageId: null };
}

async function attempt(d: WebhookDeliverer, r: OutboxRow) {
  const call = await d.prepare(r);
  if (call === 'skip') return 'skip' as const;
  try {
    await call.send();
    return 'sent' as const;
  } catch (e) {
    return d.classify(e);
  }
}

describe('a webhook call', () => {
  it('is signed so that an independent verifier accepts it, with a stable id', async () => {
    const receiver = await WebhookReceiver.start(SECRET);
    cleanup.push(() => receiver.close());
    const d = deliverer(receiver.url);
    expect(await attempt(d, row(receiver.url))).toBe('sent');
    expect(await attempt(d, row(receiver.url))).toBe('sent');
    expect(receiver.received.map((r) => r.verified)).toEqual([true, true]);
    expect(receiver.received[0]?.id).toBe(receiver.received[1]?.id);
    expect(verifyStandardWebhook(SECRET, { 'webhook-id': 'x', 'webhook-timestamp': String(receiver.received[0]?.timestamp), 'webhook-signature': 'v1,AAAA' }, receiver.received[0]?.raw ?? '', Date.now() / 1000)).toBe(false);
  });

  it('is abandoned at the time-out when the receiver never answers, and retried', async () => {
    const url = await server(() => undefined);
    const started = Date.now();
    const outcome = await attempt(deliverer(url, { timeoutMs: 300 }), row(url));
    expect(outcome).toEqual({ retry: true, message: 'no answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(5 * SECOND);
  });

  it('gives up on 410 Gone, honours Retry-After, and retries other refusals', async () => {
    let answer: [number, Record<string, string>] = [410, {}];
    const url = await server((req, res) => {
      req.resume();
      res.writeHead(...answer).end('a long error page that sitroom never reads');
    });
    const d = deliverer(url);
    expect(await attempt(d, row(url))).toEqual({ retry: false, message: 'the receiver answered HTTP 410' });
    answer = [503, { 'retry-after': '30' }];
    expect(await attempt(d, row(url))).toEqual({ retry: true, retryAfterMs: 30 * SECOND, message: 'the receiver answered HTTP 503' });
    answer = [400, {}];
    expect(await attempt(d, row(url))).toMatchObject({ retry: true });
  });

  it('honours Retry-After given as an HTTP-date (RFC 9110 10.2.3), not only as seconds', async () => {
    const at = new Date(Date.now() + 120 * SECOND);
    const url = await server((req, res) => {
      req.resume();
      res.writeHead(503, { 'retry-after': at.toUTCString() }).end();
    });
    const outcome = await attempt(deliverer(url), row(url));
    if (typeof outcome !== 'object') throw new Error(`expected a failure, got ${outcome}`);
    // toUTCString has whole seconds: up to a second earlier than `at`, and a little time passed since.
    expect(outcome.retryAfterMs).toBeGreaterThan(110 * SECOND);
    expect(outcome.retryAfterMs).toBeLessThanOrEqual(120 * SECOND);
  });

  it('does not follow a redirect (the signed body stays with the configured receiver)', async () => {
    let elsewhere = 0;
    const other = await server((req, res) => {
      elsewhere += 1;
      req.resume();
      res.end();
    });
    const url = await server((req, res) => {
      req.resume();
      res.writeHead(307, { location: other }).end();
    });
    expect(await attempt(deliverer(url), row(url))).toMatchObject({ retry: true, message: 'the receiver answered HTTP 307' });
    expect(elsewhere).toBe(0);
  });

  it('sends the credentials of a URL such as https://user:pass@host/hook as Basic authorization', async () => {
    // fetch refuses a URL with credentials (https://fetch.spec.whatwg.org/#dom-request, "includes credentials"): every
    // attempt failed for 24 h. RFC 7617: user-id ":" password, base64, after percent-decoding the URL's parts.
    const seen: (string | undefined)[] = [];
    const url = await server((req, res) => {
      seen.push(req.headers.authorization);
      req.resume();
      res.end();
    });
    const withCredentials = url.replace('http://', 'http://alice:s%3Acret@');
    expect(await attempt(deliverer(withCredentials), row(withCredentials))).toBe('sent');
    expect(seen).toEqual([`Basic ${Buffer.from('alice:s:cret').toString('base64')}`]);
  });

  it('is dropped for an endpoint no longer configured, or an incident made private since', async () => {
    const url = 'http://127.0.0.1:9/hook';
    expect(await deliverer('http://127.0.0.1:9/other').prepare(row(url))).toBe('skip');
    expect(await deliverer(url, { incident: anIncident({ isPrivate: true }) }).prepare(row(url))).toBe('skip');
    expect(await deliverer(url, { incident: anIncident({ isPrivate: true }), includePrivate: true }).prepare(row(url))).not.toBe('skip');
  });
});

describe('a webhook body', () => {
  it('stays within the bound for a very long incident, keeping its newest timeline entries', () => {
    const incident = anIncident();
    const timeline = Array.from({ length: 5000 }, (_, i) => event('note', T0 + i, 'bob', `Note ${i}: ${'x'.repeat(200)}`));
    const full = incidentDetail(incident, T0, () => null, { timeline, actionItems: [], checklist: [], alerts: [], postmortem: null, postmortemSections: EMPTY_SECTIONS });
    const body = webhookBody('incident.updated', event('renamed', T0, 'bob', 'Renamed'), full);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_WEBHOOK_BODY_BYTES);
    const parsed = JSON.parse(body) as { truncated?: boolean; data: { timeline: { text: string }[] } };
    expect(parsed.truncated).toBe(true);
    expect(parsed.data.timeline.at(-1)?.text).toContain('Note 4999');
    const small = JSON.parse(webhookBody('incident.updated', event('renamed', T0, 'bob', 'Renamed'), detail(incident, T0))) as { truncated?: boolean };
    expect(small.truncated).toBeUndefined();
  });
});

describe('the webhooks’ own queue', () => {
  it('lets chat rows go out while a webhook call hangs', async () => {
    const db = openDatabase(':memory:');
    cleanup.push(async () => void db.$client.close());
    const outbox = new SqliteOutboxStore(db);
    const clock = new FixedClock();
    const url = await server(() => undefined);
    const incident = anIncident({ room: { channelId: 'C1', channelName: 'inc-1', cardMessageId: null } });
    await outbox.enqueue(webhookEffects([{ url, events: WEBHOOK_EVENT_TYPES, includePrivate: false }], incident, [event('declared', T0, 'alice', 'Declared')], T0));
    await outbox.enqueue([{ platform: 'slack', lane: 'incident', target: 'incident:1', incidentNumber: 1, effect: { kind: 'topic', number: 1 }, at: T0 }]);
    const sentToChat: number[] = [];
    const chat: EffectDeliverer = { prepare: async (r) => ({ call: 'setTopic', channel: 'C1', send: async () => (sentToChat.push(r.id), {}) }), classify: () => ({ retry: true, message: 'x' }) };
    const common = { store: outbox, clock, pacer: new Pacer({ methods: {} }), retry: { baseMs: SECOND, maxMs: HOUR, giveUpMs: 24 * HOUR } };
    const hooks = new OutboxDispatcher({ ...common, platform: 'webhook', deliverer: deliverer(url, { incident, timeoutMs: 60 * SECOND }), callTimeoutMs: 60 * SECOND });
    const slack = new OutboxDispatcher({ ...common, platform: 'slack', deliverer: chat, callTimeoutMs: SECOND });
    const hooksDone = hooks.drain();
    await slack.drain();
    expect(sentToChat).toHaveLength(1);
    expect(hooks.busy).toBe(1);
    // The hung call fails once the receiver goes away; it is then only put off (retried later), never lost.
    await closeServer(servers.get(url) as Server);
    await hooksDone;
    expect((await outbox.backlog()).pending.webhook).toBe(1);
  });
});

describe('the webhooks’ logs', () => {
  it('name a failing endpoint without the secrets its URL may hold (credentials, path, query)', async () => {
    const url = await server((req, res) => {
      req.resume();
      res.writeHead(503).end();
    });
    const endpoint = `${url.replace('http://', 'http://alice:pa55word@')}/T0K3N?key=abc123`;
    const db = openDatabase(':memory:');
    cleanup.push(async () => void db.$client.close());
    const outbox = new SqliteOutboxStore(db);
    const incident = anIncident();
    const endpoints = [{ url: endpoint, events: WEBHOOK_EVENT_TYPES, includePrivate: false }];
    await outbox.enqueue(webhookEffects(endpoints, incident, [event('declared', T0, 'alice', 'Declared')], T0));
    const lines: string[] = [];
    const hooks = webhookDispatcher({
      config: { endpoints, key: KEY, timeoutMs: 2 * SECOND },
      outbox,
      clock: new FixedClock(),
      giveUpMs: 24 * HOUR,
      incident: async () => incident,
      detail: async (i, now) => detail(i, now),
      logger: createLogger('info', { write: (line: string) => lines.push(line) }),
    });
    await hooks.drain();
    const logged = lines.join('\n');
    expect(logged).toContain('webhook delivery failed; will retry');
    expect(logged).toContain(new URL(url).host);
    for (const secret of ['pa55word', 'T0K3N', 'abc123']) expect(logged).not.toContain(secret);
  });
});
