import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SEVERITY_MAP } from '../../src/alerts/alert-rules.ts';
import { AlertService } from '../../src/alerts/alert-service.ts';
import { createLogger } from '../../src/logger.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteAlertStore } from '../../src/storage/sqlite-alert-store.ts';
import { alertmanagerWebhookRoute, type WebhookOptions } from '../../src/web/alertmanager-webhook.ts';
import { createHttpServer, healthRoute } from '../../src/http/http-server.ts';
import { CAPTURE_NOW, fixtureJson, fixtureText, stormBody, stormPayload } from '../fakes/alert-fixtures.ts';
import { FixedClock } from '../fakes/fixed-clock.ts';
import { serviceHarness } from '../fakes/service-harness.ts';

const MB = 1024 * 1024;
const TOKEN = 's3cret-token';

let running: { server: Server; db: Db } | undefined;

afterEach(async () => {
  if (!running) return;
  const { server, db } = running;
  running = undefined;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (db.$client.open) db.$client.close();
});

/** A real server on 127.0.0.1 with the webhook route over a real AlertService on `:memory:` SQLite. */
async function startServer(opts: Partial<Omit<WebhookOptions, 'logger'>> = {}) {
  const db = openDatabase(':memory:');
  const store = new SqliteAlertStore(db);
  const clock = new FixedClock(CAPTURE_NOW);
  const alerts = new AlertService({ store, incidents: serviceHarness({ clock }).service, clock, severityMap: DEFAULT_SEVERITY_MAP, platforms: [], outbox: { enqueue: () => Promise.resolve() }, silences: undefined });
  const outcomes: string[] = [];
  const route = alertmanagerWebhookRoute({
    alerts,
    token: undefined,
    maxBodyBytes: MB,
    logger: createLogger('silent'),
    onDelivery: (outcome) => outcomes.push(outcome),
    ...opts,
  });
  const server = createHttpServer([route, healthRoute({ database: () => {} })], createLogger('silent'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running = { server, db };
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alertmanager`;
  const count = (table: string) => (db.$client.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return { url, db, store, outcomes, stored: () => [count('alert_groups'), count('alerts')] };
}

async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Posts `body` with chunked transfer encoding (no Content-Length): the status, or the network error's code. */
function postChunked(url: string, body: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.slice(at, at + 64 * 1024));
    req.end();
  });
}

const firing = fixtureText('alertmanager-group-2-firing');


describe('start-up warning for an anonymous webhook', () => {
  const warnings = (host: string, token: string | undefined) => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => lines.push(line) });
    alertmanagerWebhookRoute({ alerts: {} as AlertService, token, host, maxBodyBytes: MB, logger });
    return lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
  };

  it.each(['0.0.0.0', '::', '10.0.0.5'])('warns, naming ALERTMANAGER_WEBHOOK_TOKEN, when listening on %s without a token', (host) => {
    expect(warnings(host, undefined)).toEqual([expect.objectContaining({ msg: expect.stringContaining('ALERTMANAGER_WEBHOOK_TOKEN') })]);
  });

  it.each(['127.0.0.1', '::1', 'localhost'])('does not warn on loopback (%s)', (host) => {
    expect(warnings(host, undefined)).toEqual([]);
  });

  it('does not warn with a token', () => {
    expect(warnings('0.0.0.0', TOKEN)).toEqual([]);
  });
});

describe('POST /alertmanager', () => {
  it('stores a real delivery and answers 200 stored', async () => {
    const s = await startServer();
    const res = await post(s.url, firing);
    expect(res).toEqual({ status: 200, body: { status: 'stored', group: 1, alerts: 2 } });
    expect(s.stored()).toEqual([1, 2]);
    expect(s.outcomes).toEqual(['stored']);
  });

  it('answers 200 duplicate for the same delivery again, changing nothing', async () => {
    const s = await startServer();
    await post(s.url, firing);
    const version = (await s.store.group(1))?.version;
    const res = await post(s.url, firing);
    expect(res).toEqual({ status: 200, body: { status: 'duplicate', group: 1, alerts: 2 } });
    expect((await s.store.group(1))?.version).toBe(version);
    expect(s.outcomes).toEqual(['stored', 'duplicate']);
  });

  it('accepts the whole captured sequence of a group', async () => {
    const s = await startServer();
    for (const name of ['alertmanager-group-2-firing', 'alertmanager-group-mixed-1resolved-1firing', 'alertmanager-group-final-resolved'] as const) {
      expect((await post(s.url, fixtureText(name))).body['status']).toBe('stored');
    }
    expect((await s.store.group(1))?.firingCount).toBe(0);
  });

  describe('with a token configured', () => {
    it.each([
      ['no Authorization header', {}],
      ['a wrong token', { authorization: 'Bearer s3cret-tokeN' }],
      ['a token of another length', { authorization: 'Bearer s3cret' }],
      ['another scheme', { authorization: `Basic ${TOKEN}` }],
    ])('answers 401 to %s and stores nothing', async (_, headers: Record<string, string>) => {
      const s = await startServer({ token: TOKEN });
      const res = await post(s.url, firing, headers);
      expect(res.status).toBe(401);
      expect(s.stored()).toEqual([0, 0]);
      expect(s.outcomes).toEqual(['unauthorized']);
    });

    it('accepts the right bearer token', async () => {
      const s = await startServer({ token: TOKEN });
      expect((await post(s.url, firing, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    });
  });

  // Every 400 lists `issues`, a body that is not JSON too.
  it('answers 400 with issues to a body that is not JSON, storing nothing', async () => {
    const s = await startServer();
    const res = await post(s.url, firing.slice(0, 100));
    expect(res.status).toBe(400);
    expect(res.body['issues']).toEqual([expect.any(String)]);
    expect(s.stored()).toEqual([0, 0]);
  });

  it('answers 400 with the issues to a body that is not a version 4 payload, storing nothing', async () => {
    const s = await startServer();
    const res = await post(s.url, JSON.stringify({ ...fixtureJson('alertmanager-group-2-firing'), version: '3' }));
    expect(res.status).toBe(400);
    expect(res.body['issues']).toEqual([expect.stringMatching(/^version: /)]);
    expect(s.stored()).toEqual([0, 0]);
    expect(s.outcomes).toEqual(['invalid']);
  });

  it('answers 413 to a body above maxBodyBytes, storing nothing', async () => {
    const s = await startServer({ maxBodyBytes: 1000 });
    expect(Buffer.byteLength(firing)).toBeGreaterThan(1000);
    const res = await post(s.url, firing);
    expect(res.status).toBe(413);
    expect(s.stored()).toEqual([0, 0]);
  });

  // Without a Content-Length the limit is found while reading; the 413 must still reach the caller.
  it('answers 413 to a chunked body that grows above maxBodyBytes', async () => {
    const s = await startServer({ maxBodyBytes: 100 * 1024 });
    expect(await postChunked(s.url, JSON.stringify(stormPayload(1000)))).toBe(413);
    expect(s.stored()).toEqual([0, 0]);
  });

  it('answers 503 when the delivery cannot be stored, so Alertmanager retries', async () => {
    const s = await startServer();
    s.db.$client.close();
    const res = await post(s.url, firing);
    expect(res.status).toBe(503);
    expect(s.outcomes).toEqual(['failed']);
  });

  it('accepts a 7 MB storm of 10,000 alerts in one delivery with a generous limit', async () => {
    const s = await startServer({ maxBodyBytes: 16 * MB });
    const body = JSON.stringify(stormPayload(10_000));
    expect(Buffer.byteLength(body)).toBeGreaterThan(6.5 * 1e6);
    const res = await post(s.url, body);
    expect(res).toEqual({ status: 200, body: { status: 'stored', group: 1, alerts: 10_000 } });
    expect(s.stored()).toEqual([1, 10_000]);
  });

  // Alertmanager always sends `Content-Type: application/json` (notify.PostJSON, called by notify/webhook/webhook.go
  // in prometheus/alertmanager). Anything else is a browser's "simple" cross-site request, which needs no preflight.
  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', ''])(
    'answers 415 to Content-Type "%s", storing nothing',
    async (type) => {
      const s = await startServer();
      const res = await post(s.url, firing, { 'content-type': type });
      expect(res.status).toBe(415);
      expect(s.stored()).toEqual([0, 0]);
      expect(s.outcomes).toEqual(['invalid']);
    },
  );

  it('accepts application/json with a charset parameter', async () => {
    const s = await startServer();
    expect((await post(s.url, firing, { 'content-type': 'Application/JSON; charset=utf-8' })).status).toBe(200);
  });

  // Prometheus re-renders annotations on every evaluation ({{ $value }}): the card must show the new text.
  it('stores a delivery whose annotations changed (same fingerprints and times) and bumps the group', async () => {
    const s = await startServer();
    await post(s.url, firing);
    const version = (await s.store.group(1))?.version ?? 0;
    const changed = fixtureJson('alertmanager-group-2-firing');
    changed.alerts[0]!.annotations['summary'] = 'Checkout 5xx > 9%';
    const res = await post(s.url, JSON.stringify(changed));
    expect(res.body['status']).toBe('stored');
    expect((await s.store.group(1))?.version).toBeGreaterThan(version);
    expect((await s.store.alerts(1)).map((a) => a.annotations['summary'])).toContain('Checkout 5xx > 9%');
  });

  // A 58 MB storm used to block the event loop for 3.5 s while JSON.parse and zod ran. Parsing now runs off the
  // event loop; the bound here is loose (a shared machine), the strict figure is the bench's.
  it('keeps answering /healthz while a large delivery is parsed', async () => {
    // Only parsing is under test: the service stores nothing, so storage time does not count.
    const s = await startServer({ maxBodyBytes: 64 * MB, alerts: { receive: () => Promise.resolve({ group: { id: 1 }, duplicate: false }) } as unknown as AlertService });
    const body = stormBody(40_000);
    expect(body.length).toBeGreaterThan(25 * MB);
    const health = s.url.replace('/alertmanager', '/healthz');
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    let done = false;
    const healthLatencies: number[] = [];
    const probe = (async () => {
      while (!done) {
        const t0 = performance.now();
        expect((await fetch(health)).status).toBe(200);
        healthLatencies.push(performance.now() - t0);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const res = await post(s.url, body);
    done = true;
    await probe;
    delay.disable();
    expect(res).toEqual({ status: 200, body: { status: 'stored', group: 1, alerts: 40_000 } });
    expect(healthLatencies.length).toBeGreaterThan(3);
    expect(Math.max(...healthLatencies)).toBeLessThan(1000);
    // ~600 ms when parsed on the event loop, 65-260 ms off it (collections, receiving slices, other processes on this
    // shared machine taking the CPU), hence the loose bound.
    expect(delay.max / 1e6).toBeLessThan(350);
  });

  // Storing a storm used to take the event loop for one transaction of every alert (~530 ms at 80,000, seconds
  // with the CPUs shared); it is now stored in slices with other requests answered in between. Loose bound here
  // (shared machine); the strict figure is the bench's (npm run bench -- webhook-storm).
  it('stores a storm whole, answering other requests while it is stored in slices', async () => {
    const s = await startServer({ maxBodyBytes: 64 * MB });
    const health = s.url.replace('/alertmanager', '/healthz');
    const delay = monitorEventLoopDelay({ resolution: 5 });
    let done = false;
    let answered = 0;
    const probe = (async () => {
      while (!done) {
        if ((await fetch(health)).status === 200) answered++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    delay.enable();
    const res = await post(s.url, stormBody(10_000));
    delay.disable();
    done = true;
    await probe;
    expect(res).toEqual({ status: 200, body: { status: 'stored', group: 1, alerts: 10_000 } });
    expect(s.stored()).toEqual([1, 10_000]);
    expect((await s.store.group(1))?.firingCount).toBe(10_000);
    // 10 slices of 1,000 alerts: /healthz got answers between them.
    expect(answered).toBeGreaterThan(5);
    expect(delay.max / 1e6).toBeLessThan(350);
  });

  it('answers each of several deliveries arriving together only once all are stored', async () => {
    const s = await startServer();
    const bodies = ['A', 'B', 'C', 'D', 'E'].map((name) => {
      const p = fixtureJson('alertmanager-group-2-firing');
      return JSON.stringify({ ...p, groupKey: `{}:{alertname="${name}"}` });
    });
    const answers = await Promise.all(bodies.map((b) => post(s.url, b)));
    expect(answers.map((a) => [a.status, a.body['status']])).toEqual(Array(5).fill([200, 'stored']));
    expect(s.stored()).toEqual([5, 10]);
  });

  it('answers 400 with issues to a large body that is not a valid payload, parsed off the event loop', async () => {
    const s = await startServer({ maxBodyBytes: 64 * MB });
    const storm = stormPayload(3000);
    storm.alerts[2999]!.fingerprint = '';
    const res = await post(s.url, JSON.stringify(storm));
    expect(res).toEqual({ status: 400, body: { error: 'not an Alertmanager webhook payload (version 4)', issues: ['alerts.2999.fingerprint: Too small: expected string to have >=1 characters'] } });
    const broken = await post(s.url, `${JSON.stringify(stormPayload(3000)).slice(0, -1)}`);
    expect(broken.status).toBe(400);
    expect(broken.body['issues']).toEqual([expect.any(String)]);
    expect(s.stored()).toEqual([0, 0]);
  });

  it('answers 405 to another method on the path', async () => {
    const s = await startServer();
    expect((await fetch(s.url)).status).toBe(405);
  });
});
