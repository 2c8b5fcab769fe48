/**
 * sitroom on PostgreSQL, end to end: the real process started with DATABASE_URL on a fresh database of the test
 * cluster (test/pg-global-setup.ts) migrates it, takes an incident declared through the web API, keeps it in
 * PostgreSQL (not in a SQLite file at DATABASE_PATH), and still has it after a restart.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixtureJson } from '../fakes/alert-fixtures.ts';
import { pgDatabaseUrl, withPgClient } from '../support/pg-client.ts';
import { BotProcess } from './bot-process.ts';

const TOKEN = 'postgres-e2e-token-0123456789';
const AM_TOKEN = 'postgres-e2e-alertmanager-token';
const BEARER = { authorization: `Bearer ${TOKEN}` };
const DATABASE = `sitroom_e2e_${process.pid}`;

let dir: string;
let env: Record<string, string>;
const running: BotProcess[] = [];

const databaseUrl = () => pgDatabaseUrl(DATABASE);

async function startBot(): Promise<BotProcess> {
  const bot = await BotProcess.start(env, 30_000);
  running.push(bot);
  return bot;
}

async function call(bot: BotProcess, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${bot.url}${path}`, {
    method,
    headers: { ...BEARER, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

beforeAll(async () => {
  await withPgClient(inject('pgAdminUrl'), (c) => c.query(`CREATE DATABASE ${DATABASE}`));
  dir = mkdtempSync(join(tmpdir(), 'sitroom-pg-e2e-'));
  env = { DATABASE_URL: databaseUrl(), DATABASE_PATH: join(dir, 'sitroom.db'), WEB_AUTH_TOKEN: TOKEN, ALERTMANAGER_WEBHOOK_TOKEN: AM_TOKEN, LOG_LEVEL: 'info' };
});

afterAll(async () => {
  await Promise.all(running.map((bot) => bot.stop('SIGKILL')));
  await withPgClient(inject('pgAdminUrl'), (c) => c.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`));
  rmSync(dir, { recursive: true, force: true });
});

describe('sitroom started with DATABASE_URL', () => {
  it('runs on PostgreSQL: declares through the web API, reads it back, keeps it across a restart', async () => {
    const first = await startBot();
    const started = first.logs.find((l) => l['msg'] === 'sitroom started');
    expect(started?.['database']).toMatch(new RegExp(`^postgres(ql)?://.*/${DATABASE}$`));
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);

    const declared = await call(first, 'POST', '/api/incidents', { title: 'Checkout on PostgreSQL', severity: 'sev2' });
    expect(declared.status).toBeLessThan(300);
    expect(await call(first, 'POST', '/api/incidents/1/note', { text: 'stored in PostgreSQL' })).toMatchObject({ status: 200 });
    const detail = await call(first, 'GET', '/api/incidents/1');
    expect(detail).toMatchObject({ status: 200, body: { number: 1, title: 'Checkout on PostgreSQL', severity: 'sev2', phase: 'active' } });

    // In PostgreSQL, with its timeline; no SQLite file was made at DATABASE_PATH.
    const rows = await withPgClient(databaseUrl(), async (c) => ({
      incidents: (await c.query<{ title: string }>('SELECT title FROM incidents')).rows.map((r) => r.title),
      kinds: (await c.query<{ kind: string }>('SELECT kind FROM timeline_events WHERE incident_number = 1 ORDER BY id')).rows.map((r) => r.kind),
    }));
    expect(rows).toEqual({ incidents: ['Checkout on PostgreSQL'], kinds: ['declared', 'note'] });
    expect(existsSync(env['DATABASE_PATH'] ?? '')).toBe(false);

    expect((await first.stop('SIGTERM')).code).toBe(0);
    const second = await startBot();
    const again = await call(second, 'GET', '/api/incidents/1');
    expect(again).toMatchObject({ status: 200, body: { title: 'Checkout on PostgreSQL' } });
    expect((again.body as { timeline: { kind: string; text: string }[] }).timeline.map((e) => [e.kind, e.text])).toContainEqual(['note', 'stored in PostgreSQL']);
  }, 60_000);

  it('stores an Alertmanager delivery in PostgreSQL and declares one incident from its group, a second Declare refused', async () => {
    const bot = running.at(-1) ?? (await startBot());
    const delivered = await fetch(`${bot.url}/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AM_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(fixtureJson('alertmanager-group-2-firing')),
    });
    expect(delivered.status).toBe(200);
    const inbox = (await call(bot, 'GET', '/api/alerts')).body as { alerts: { id: number; firing: number }[] };
    expect(inbox.alerts.map((a) => a.firing)).toEqual([2]);
    const id = inbox.alerts[0]!.id;

    const [one, two] = await Promise.all([call(bot, 'POST', `/api/alerts/${id}/declare`, {}), call(bot, 'POST', `/api/alerts/${id}/declare`, {})]);
    expect([one.status, two.status].sort()).toEqual([201, 409]);
    const linked = await withPgClient(databaseUrl(), async (c) => (await c.query<{ n: number }>('SELECT incident_number AS n FROM alert_groups WHERE id = $1', [id])).rows[0]?.n);
    const declared = [one, two].find((r) => r.status === 201)?.body as { number: number };
    expect(linked).toBe(declared.number);
    expect(await withPgClient(databaseUrl(), async (c) => (await c.query('SELECT 1 FROM incidents')).rowCount)).toBe(2);
  }, 60_000);
});
