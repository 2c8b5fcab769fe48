import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SEVERITY_MAP } from '../../src/alerts/alert-rules.ts';
import { AlertService } from '../../src/alerts/alert-service.ts';
import { createLogger } from '../../src/logger.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteAlertStore } from '../../src/storage/sqlite-alert-store.ts';
import { alertmanagerWebhookRoute, type WebhookOptions } from '../../src/web/alertmanager-webhook.ts';
import { createHttpServer } from '../../src/web/http-server.ts';
import { CAPTURE_NOW, fixtureJson, fixtureText, stormPayload } from '../fakes/alert-fixtures.ts';
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
async function startServer(opts: Partial<Omit<WebhookOptions, 'alerts' | 'logger'>> = {}) {
  const db = openDatabase(':memory:');
  const store = new SqliteAlertStore(db);
  const clock = new FixedClock(CAPTURE_NOW);
  const alerts = new AlertService({ store, incidents: serviceHarness({ clock }).service, clock, severityMap: DEFAULT_SEVERITY_MAP, notifiers: {}, silences: undefined });
  const outcomes: string[] = [];
  const route = alertmanagerWebhookRoute({
    alerts,
    token: undefined,
    maxBodyBytes: MB,
    logger: createLogger('silent'),
    onDelivery: (outcome) => outcomes.push(outcome),
    ...opts,
  });
  const server = createHttpServer([route], createLogger('silent'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running = { server, db };
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alertmanager`;
  const count = (table: string) => (db.$client.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return { url, db, store, outcomes, stored: () => [count('alert_groups'), count('alerts')] };
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
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
    const version = s.store.group(1)?.version;
    const res = await post(s.url, firing);
    expect(res).toEqual({ status: 200, body: { status: 'duplicate', group: 1, alerts: 2 } });
    expect(s.store.group(1)?.version).toBe(version);
    expect(s.outcomes).toEqual(['stored', 'duplicate']);
  });

  it('accepts the whole captured sequence of a group', async () => {
    const s = await startServer();
    for (const name of ['alertmanager-group-2-firing', 'alertmanager-group-mixed-1resolved-1firing', 'alertmanager-group-final-resolved'] as const) {
      expect((await post(s.url, fixtureText(name))).body['status']).toBe('stored');
    }
    expect(s.store.group(1)?.firingCount).toBe(0);
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

  it('answers 405 to another method on the path', async () => {
    const s = await startServer();
    expect((await fetch(s.url)).status).toBe(405);
  });
});
