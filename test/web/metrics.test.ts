import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { DEFAULT_CADENCE } from '../../src/incidents/cadence.ts';
import { declareIncident, transition } from '../../src/incidents/incident-rules.ts';
import type { PhaseAction } from '../../src/incidents/phases.ts';
import type { Severity } from '../../src/incidents/severity.ts';
import { createLogger } from '../../src/logger.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteIncidentStore } from '../../src/storage/sqlite-incident-store.ts';
import { createHttpServer } from '../../src/http/http-server.ts';
import { SitroomMetrics } from '../../src/web/metrics.ts';
import { FixedClock, HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { aDeclaration } from '../fakes/incident-builder.ts';
import { closeServer, listenOnLoopback } from '../fakes/local-server.ts';

let running: { server: Server; db: Db } | undefined;

afterEach(async () => {
  if (!running) return;
  const { server, db } = running;
  running = undefined;
  await closeServer(server);
  if (db.$client.open) db.$client.close();
});

/** A real HTTP server with the /metrics route over a real SqliteIncidentStore on `:memory:`. */
async function start(token?: string) {
  const db = openDatabase(':memory:');
  const store = new SqliteIncidentStore(db);
  const clock = new FixedClock();
  const metrics = new SitroomMetrics(store, () => clock.now());
  const server = createHttpServer([metrics.route(token)], createLogger('silent'));
  const url = `${await listenOnLoopback(server)}/metrics`;
  running = { server, db };

  const declare = async (severity: Severity = 'sev2', drill = false) => {
    const { incident, events } = declareIncident(aDeclaration({ severity, drill }), DEFAULT_CADENCE, clock.now());
    return (await store.create(incident, events)).number;
  };
  /** Moves the incident at the clock's time, then tells the metrics, as IncidentService.transition does. */
  const move = async (number: number, action: PhaseAction) => {
    const before = await store.get(number);
    const change = await store.mutate(number, (current) => transition(current, action, action === 'reopen' ? 'again' : '', 'carol', clock.now()));
    if (!before || !change) throw new Error('unreachable');
    await metrics.phaseChanged(change.incident, before.phase);
  };
  const scrape = async () => {
    const res = await fetch(url);
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
  };
  return { url, store, clock, metrics, declare, move, scrape };
}

/** The samples of `name` in an exposition text: labels and value. */
function samples(body: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of body.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when there is none. */
function value(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples(body, name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.value;
}

describe('drills', () => {
  it('are left out of the open-incident and overdue gauges and the phase-duration histogram', async () => {
    const s = await start();
    const real = await s.declare('sev1');
    const drill = await s.declare('sev1', true);
    s.clock.advance(2 * HOUR);
    await s.move(drill, 'mitigate');
    await s.move(real, 'mitigate');
    const body = (await s.scrape()).body;
    expect(samples(body, 'sitroom_open_incidents')).toEqual([{ labels: { severity: 'sev1', phase: 'mitigated' }, value: 1 }]);
    expect(value(body, 'sitroom_phase_duration_seconds_count', { phase: 'active', severity: 'sev1' })).toBe(1);
  });
});

describe('GET /metrics', () => {
  it('with METRICS_TOKEN, answers only a bearer of that token', async () => {
    const token = 'a-metrics-token-of-24ch';
    const s = await start(token);
    for (const authorization of [undefined, `Bearer ${token}x`, `Basic ${token}`, 'Bearer ']) {
      const res = await fetch(s.url, authorization ? { headers: { authorization } } : {});
      expect(res.status, authorization).toBe(401);
      expect(await res.text(), authorization).not.toContain('sitroom_');
    }
    const res = await fetch(s.url, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('sitroom_');
  });

  it('answers the Prometheus text format with prom-client’s content type, every metric described', async () => {
    const s = await start();
    const res = await s.scrape();
    expect(res.status).toBe(200);
    expect(res.type).toBe(new Registry().contentType);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8$/);
    for (const [name, type] of [
      ['sitroom_open_incidents', 'gauge'],
      ['sitroom_updates_overdue', 'gauge'],
      ['sitroom_phase_duration_seconds', 'histogram'],
      ['sitroom_reminders_sent_total', 'counter'],
      ['sitroom_alertmanager_deliveries_total', 'counter'],
      ['sitroom_chat_api_errors_total', 'counter'],
    ]) {
      expect(res.body).toContain(`\n# TYPE ${name} ${type}\n`);
      expect(res.body).toMatch(new RegExp(`# HELP ${name} \\S`));
    }
  });

  it('counts open incidents by severity and phase, read from the database at scrape time', async () => {
    const s = await start();
    expect(samples((await s.scrape()).body, 'sitroom_open_incidents')).toEqual([]);

    const first = await s.declare('sev2');
    let body = (await s.scrape()).body;
    expect(body).toContain('\nsitroom_open_incidents{severity="sev2",phase="active"} 1\n');

    await s.declare('sev2');
    await s.declare('sev1');
    await s.move(first, 'mitigate');
    body = (await s.scrape()).body;
    expect(value(body, 'sitroom_open_incidents', { severity: 'sev2', phase: 'active' })).toBe(1);
    expect(value(body, 'sitroom_open_incidents', { severity: 'sev2', phase: 'mitigated' })).toBe(1);
    expect(value(body, 'sitroom_open_incidents', { severity: 'sev1', phase: 'active' })).toBe(1);

    await s.move(first, 'resolve');
    await s.move(first, 'close');
    body = (await s.scrape()).body;
    // Closed incidents leave the gauge: no stale series for the combination that is now empty.
    expect(value(body, 'sitroom_open_incidents', { severity: 'sev2', phase: 'mitigated' })).toBeUndefined();
    expect(samples(body, 'sitroom_open_incidents').map((x) => x.value)).toEqual([1, 1]);
  });

  it('counts incidents whose stakeholder update is overdue now', async () => {
    const s = await start();
    await s.declare('sev2');
    await s.declare('sev1');
    await s.declare('sev4');
    expect(value((await s.scrape()).body, 'sitroom_updates_overdue')).toBe(0);
    // sev1 was due at T0 + 30m, sev2 at T0 + 1h; sev4 has no cadence.
    s.clock.set(T0 + 45 * MINUTE);
    expect(value((await s.scrape()).body, 'sitroom_updates_overdue')).toBe(1);
    s.clock.set(T0 + 2 * HOUR);
    expect(value((await s.scrape()).body, 'sitroom_updates_overdue')).toBe(2);
  });

  it('observes how long an incident stayed in the phase it left', async () => {
    const s = await start();
    const n = await s.declare('sev2');
    s.clock.set(T0 + 30 * MINUTE);
    await s.move(n, 'mitigate');

    const body = (await s.scrape()).body;
    const bucket = (le: string) => value(body, 'sitroom_phase_duration_seconds_bucket', { phase: 'active', severity: 'sev2', le });
    expect(bucket('900')).toBe(0);
    expect(bucket('1800')).toBe(1);
    expect(bucket('+Inf')).toBe(1);
    expect(value(body, 'sitroom_phase_duration_seconds_sum', { phase: 'active', severity: 'sev2' })).toBe(1800);
    expect(value(body, 'sitroom_phase_duration_seconds_count', { phase: 'active', severity: 'sev2' })).toBe(1);
    expect(samples(body, 'sitroom_phase_duration_seconds_count').filter((x) => x.labels['phase'] !== 'active')).toEqual([]);
  });

  it('observes the last stay only, after a reopen', async () => {
    const s = await start();
    const n = await s.declare('sev1');
    s.clock.set(T0 + 10 * MINUTE);
    await s.move(n, 'mitigate');
    s.clock.set(T0 + 20 * MINUTE);
    await s.move(n, 'reopen');
    s.clock.set(T0 + 80 * MINUTE);
    await s.move(n, 'mitigate');

    const body = (await s.scrape()).body;
    // Two stays in active: 600 s, then 3600 s.
    expect(value(body, 'sitroom_phase_duration_seconds_count', { phase: 'active', severity: 'sev1' })).toBe(2);
    expect(value(body, 'sitroom_phase_duration_seconds_sum', { phase: 'active', severity: 'sev1' })).toBe(600 + 3600);
    expect(value(body, 'sitroom_phase_duration_seconds_bucket', { phase: 'active', severity: 'sev1', le: '900' })).toBe(1);
    expect(value(body, 'sitroom_phase_duration_seconds_sum', { phase: 'mitigated', severity: 'sev1' })).toBe(600);
  });

  it('counts reminders by stage, webhook deliveries by outcome and chat API errors by platform', async () => {
    const s = await start();
    s.metrics.reminderSent('nag');
    s.metrics.reminderSent('nag');
    s.metrics.reminderSent('escalate');
    s.metrics.delivery('stored');
    s.metrics.delivery('duplicate');
    s.metrics.delivery('stored');
    s.metrics.chatError('slack');

    const body = (await s.scrape()).body;
    expect(body).toContain('\nsitroom_reminders_sent_total{stage="nag"} 2\n');
    expect(value(body, 'sitroom_reminders_sent_total', { stage: 'escalate' })).toBe(1);
    expect(body).toContain('\nsitroom_alertmanager_deliveries_total{outcome="stored"} 2\n');
    expect(value(body, 'sitroom_alertmanager_deliveries_total', { outcome: 'duplicate' })).toBe(1);
    expect(body).toContain('\nsitroom_chat_api_errors_total{platform="slack"} 1\n');
    expect(value(body, 'sitroom_chat_api_errors_total', { platform: 'mattermost' })).toBeUndefined();
  });

  it('keeps its own registry: two instances count apart', async () => {
    const s = await start();
    const other = new SitroomMetrics(s.store, () => T0);
    other.reminderSent('nag');
    expect(value((await s.scrape()).body, 'sitroom_reminders_sent_total', { stage: 'nag' })).toBeUndefined();
    expect(await other.registry.metrics()).toContain('sitroom_reminders_sent_total{stage="nag"} 1');
  });

  it('answers 405 to a POST', async () => {
    const s = await start();
    const res = await fetch(s.url, { method: 'POST' });
    expect(res.status).toBe(405);
  });
});
