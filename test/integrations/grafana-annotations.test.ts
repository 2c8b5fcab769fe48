/**
 * Incident windows on Grafana dashboards, through the real wiring (createSitroom, web-only, fixed clock) and real HTTP
 * to a fake of Grafana's annotations API: declare creates one region annotation, mitigate and resolve move its end,
 * a lost answer never makes a second one, an outage is retried, and drills stay off the dashboards.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSitroom, type Sitroom } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { FakeGrafanaApi } from '../fakes/fake-grafana-api.ts';
import { FixedClock, MINUTE, T0 } from '../fakes/fixed-clock.ts';

const TOKEN = 'glsa_test_token';
let grafana: FakeGrafanaApi;
let app: Sitroom;
let clock: FixedClock;

beforeEach(async () => {
  grafana = await FakeGrafanaApi.start(TOKEN);
  clock = new FixedClock();
  const config = loadConfig({ DATABASE_PATH: ':memory:', GRAFANA_URL: `${grafana.url}/`, GRAFANA_TOKEN: TOKEN, PUBLIC_URL: 'https://sitroom.example.com', LOG_LEVEL: 'silent' });
  app = createSitroom(config, createLogger(config.logLevel), clock, { scheduler: false });
});

afterEach(async () => {
  await app.stop();
  await grafana.close();
});

const declare = (title: string, drill = false) => app.service.declare({ title, severity: 'sev2', isPrivate: false, platform: 'web', declaredBy: 'web:alice', drill });

describe('Grafana annotations', () => {
  it('makes one region annotation per incident and moves its end with the phase', async () => {
    const { incident } = await declare('Checkout latency');
    await app.deliverDue();
    expect([...grafana.annotations.values()]).toEqual([
      { id: 1, time: T0, timeEnd: T0, tags: ['sitroom', 'sev2', 'inc-1'], text: 'Incident #1 [SEV2] Checkout latency (active) — https://sitroom.example.com/incidents/1' },
    ]);

    clock.advance(10 * MINUTE);
    await app.service.transition(incident.number, 'mitigate', '', 'web:alice');
    await app.deliverDue();
    clock.advance(5 * MINUTE);
    await app.service.transition(incident.number, 'resolve', '', 'web:alice');
    await app.deliverDue();
    expect(grafana.annotations.size).toBe(1);
    expect(grafana.annotations.get(1)).toMatchObject({ time: T0, timeEnd: T0 + 15 * MINUTE, text: expect.stringContaining('(resolved)') as unknown });
    expect(grafana.calls.map((c) => c.method)).toEqual(['GET', 'POST', 'PATCH', 'PATCH']);
  });

  it('finds the annotation made by an attempt whose answer was lost instead of making a second', async () => {
    grafana.loseNextAnswer();
    await declare('Search is down');
    await app.deliverDue();
    expect(grafana.annotations.size).toBe(1);
    clock.advance(MINUTE);
    await app.deliverDue();
    expect(grafana.annotations.size).toBe(1);
    expect(grafana.calls.map((c) => c.method)).toEqual(['GET', 'POST', 'GET', 'PATCH']);
  });

  it('retries while Grafana answers 503 and delivers once it is back', async () => {
    grafana.failNext(503, 2);
    await declare('Login errors');
    await app.deliverDue();
    expect(grafana.annotations.size).toBe(0);
    for (let i = 0; i < 5 && grafana.annotations.size === 0; i++) {
      clock.advance(MINUTE);
      await app.deliverDue();
    }
    expect(grafana.annotations.size).toBe(1);
  });

  it('takes a title off the dashboards as soon as the incident is made private, and follows a rename', async () => {
    // Without waiting for the next sweep (a minute later, and only with the scheduler running).
    const { incident } = await declare('Suspicious admin logins');
    await app.deliverDue();
    await app.service.rename(incident.number, 'Admin logins from abroad', 'web:alice');
    await app.deliverDue();
    expect(grafana.annotations.get(1)?.text).toContain('Admin logins from abroad');
    await app.service.setVisibility(incident.number, true, 'web:alice');
    await app.deliverDue();
    expect(grafana.annotations.get(1)?.text).toMatch(/^Incident #1 \[SEV2\] private incident \(active\)/);
  });

  it('never annotates a drill', async () => {
    await declare('Practice run', true);
    await app.deliverDue();
    expect(grafana.calls).toEqual([]);
  });

  it('refuses GRAFANA_URL without GRAFANA_TOKEN at start-up, naming the missing variable', () => {
    expect(() => loadConfig({ GRAFANA_URL: 'https://grafana.example.com' })).toThrow(/GRAFANA_TOKEN: required with GRAFANA_URL/);
    expect(() => loadConfig({ GRAFANA_TOKEN: 'x' })).toThrow(/GRAFANA_URL: required with GRAFANA_TOKEN/);
  });
});
