/**
 * Paging through the real wiring (createSitroom, web-only, fixed clock, the scheduler ticked by hand) and real HTTP to
 * a fake of Alertmanager's POST /api/v2/alerts: the rules (who may page, which team names), the re-post that keeps the
 * page firing, the resolution on mitigate, retries and the give-up on the timeline. The real Alertmanager routes and
 * resolves it in test/e2e/paging.test.ts.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSitroom, type Sitroom } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { newPage, pageDue, PAGE_FIRING_FOR_MS, PAGE_REFRESH_MS, type Page } from '../../src/incidents/paging.ts';
import { rejectionOf } from '../fakes/catch-incident-error.ts';
import { FakeAlertmanagerApi } from '../fakes/fake-alertmanager-api.ts';
import { FixedClock, HOUR, SECOND, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';

let am: FakeAlertmanagerApi;
let app: Sitroom;
let clock: FixedClock;

function start(env: Record<string, string> = {}) {
  const config = loadConfig({ DATABASE_PATH: ':memory:', LOG_LEVEL: 'silent', OUTBOX_GIVE_UP_HOURS: '1', ...env });
  app = createSitroom(config, createLogger(config.logLevel), clock, { scheduler: false });
}

beforeEach(async () => {
  am = await FakeAlertmanagerApi.start();
  clock = new FixedClock();
  start({ ALERTMANAGER_URL: am.url });
});

afterEach(async () => {
  await app.stop();
  await am.close();
});

const declare = (drill = false) => app.service.declare({ title: 'Checkout refuses payments', severity: 'sev1', isPrivate: false, platform: 'web', declaredBy: 'web:alice', drill });

describe('paging rules', () => {
  const page = (over: Partial<Page> = {}): Page => ({ id: 1, incidentNumber: 1, team: 'db', message: '', severity: 'sev1', pagedAt: T0, pagedBy: 'u', refreshedAt: T0, resolvedAt: null, ...over });

  it('pages only active incidents that are not drills, with a team name Alertmanager can route on, once per team', () => {
    const active = anIncident({ number: 3 });
    expect(newPage(active, [], { team: ' db-oncall ', message: 'primary\r\nis down' }, 'alice', T0).page).toMatchObject({ team: 'db-oncall', message: 'primary\nis down', severity: active.severity });
    expect(() => newPage({ ...active, phase: 'mitigated' }, [], { team: 'db', message: '' }, 'alice', T0)).toThrow(/page_not_active/);
    expect(() => newPage({ ...active, drill: true }, [], { team: 'db', message: '' }, 'alice', T0)).toThrow(/drill_not_paged/);
    for (const team of ['', 'two words', 'db"}', '-x', 'x'.repeat(64), 'team=db']) expect(() => newPage(active, [], { team, message: '' }, 'a', T0)).toThrow(/invalid_team/);
    expect(() => newPage(active, [page({ team: 'db' })], { team: 'db', message: '' }, 'a', T0)).toThrow(/already_paged/);
    // A resolved page of the same team does not stand in the way of a new one.
    expect(newPage(active, [page({ team: 'db', resolvedAt: T0 })], { team: 'db', message: '' }, 'a', T0).page.team).toBe('db');
  });

  it('re-posts a firing page every minute and resolves it once its incident is no longer active', () => {
    expect(pageDue(page(), { phase: 'active' }, T0 + PAGE_REFRESH_MS - 1)).toBeNull();
    expect(pageDue(page(), { phase: 'active' }, T0 + PAGE_REFRESH_MS)).toBe('refresh');
    expect(pageDue(page(), { phase: 'mitigated' }, T0)).toBe('resolve');
    expect(pageDue(page({ resolvedAt: T0 }), { phase: 'mitigated' }, T0 + HOUR)).toBeNull();
  });
});

describe('paging through Alertmanager', () => {
  it('posts the page, keeps it firing while the incident is active and resolves it on mitigate', async () => {
    const { incident } = await declare();
    await app.paging.page(incident.number, { team: 'db-oncall', message: 'primary refuses writes' }, 'web:alice');
    await app.deliverDue();
    expect(am.received).toEqual([
      {
        labels: { alertname: 'SitroomPage', incident: '1', severity: 'sev1', team: 'db-oncall' },
        annotations: { summary: '[SEV1] Incident #1: Checkout refuses payments', description: 'primary refuses writes', paged_by: 'web:alice' },
        startsAt: new Date(T0).toISOString(),
        endsAt: new Date(T0 + PAGE_FIRING_FOR_MS).toISOString(),
      },
    ]);
    expect((await app.service.timeline(incident.number)).map((e) => e.kind)).toContain('paged');

    clock.advance(PAGE_REFRESH_MS - SECOND);
    await app.scheduler.tick();
    await app.deliverDue();
    expect(am.received).toHaveLength(1);
    clock.advance(SECOND);
    await app.scheduler.tick();
    await app.deliverDue();
    expect(am.received).toHaveLength(2);
    expect(am.received[1]?.endsAt).toBe(new Date(clock.now() + PAGE_FIRING_FOR_MS).toISOString());

    clock.advance(10 * SECOND);
    await app.service.transition(incident.number, 'mitigate', '', 'web:alice');
    await app.deliverDue();
    expect(am.received).toHaveLength(3);
    expect(am.received[2]?.labels).toEqual(am.received[0]?.labels);
    expect(am.received[2]?.endsAt).toBe(new Date(clock.now()).toISOString());
    expect((await app.service.timeline(incident.number)).map((e) => e.kind)).toContain('page_resolved');

    // Resolved pages are not re-posted.
    clock.advance(HOUR);
    await app.scheduler.tick();
    await app.deliverDue();
    expect(am.received).toHaveLength(3);
  });

  it('re-posts a firing page at once when its incident is made private, without the title', async () => {
    const { incident } = await declare();
    await app.paging.page(incident.number, { team: 'db', message: '' }, 'web:alice');
    await app.deliverDue();
    await app.service.setVisibility(incident.number, true, 'web:alice');
    await app.deliverDue();
    expect(am.received.map((a) => a.annotations['summary'])).toEqual(['[SEV1] Incident #1: Checkout refuses payments', '[SEV1] Private incident #1']);
    expect(am.received[1]?.labels).toEqual(am.received[0]?.labels);
  });

  it('keeps the alert’s labels when the severity changes, so Alertmanager sees one alert', async () => {
    const { incident } = await declare();
    await app.paging.page(incident.number, { team: 'db', message: '' }, 'web:alice');
    await app.service.changeSeverity(incident.number, 'sev2', 'web:alice');
    clock.advance(PAGE_REFRESH_MS);
    await app.scheduler.tick();
    await app.deliverDue();
    expect(am.received.map((a) => a.labels['severity'])).toEqual(['sev1']);
  });

  it('retries while Alertmanager is down, and records the give-up on the timeline', async () => {
    const { incident } = await declare();
    am.failNext(503, 2);
    await app.paging.page(incident.number, { team: 'db', message: '' }, 'web:alice');
    await app.deliverDue();
    expect(am.received).toHaveLength(0);
    for (let i = 0; i < 5 && am.received.length === 0; i++) {
      clock.advance(30 * SECOND);
      await app.deliverDue();
    }
    expect(am.received).toHaveLength(1);

    am.failNext(503, 1000);
    clock.advance(PAGE_REFRESH_MS);
    await app.scheduler.tick();
    for (let i = 0; i < 40; i++) {
      clock.advance(5 * 60 * SECOND);
      await app.deliverDue();
    }
    const failed = (await app.service.timeline(incident.number)).find((e) => e.kind === 'delivery_failed');
    expect(failed?.text).toContain('Could not deliver the page to Alertmanager; gave up');
  });

  it('sends the credentials of ALERTMANAGER_URL (https://user:pass@host) as Basic authorization', async () => {
    // Alertmanager's basic_auth_users (--web.config.file), or a proxy before it; fetch refuses a URL with credentials.
    await app.stop();
    start({ ALERTMANAGER_URL: am.url.replace('http://', 'http://pager:s%40cret@') });
    const { incident } = await declare();
    await app.paging.page(incident.number, { team: 'db', message: '' }, 'web:alice');
    await app.deliverDue();
    expect(am.received.map((a) => a.labels['team'])).toEqual(['db']);
    expect(am.authorizations).toEqual([`Basic ${Buffer.from('pager:s@cret').toString('base64')}`]);
  });

  it('refuses drills and, without ALERTMANAGER_URL, explains what to set', async () => {
    const drill = await declare(true);
    expect((await rejectionOf(() => app.paging.page(drill.incident.number, { team: 'db', message: '' }, 'web:alice'))).code).toBe('drill_not_paged');
    await app.stop();
    start();
    const { incident } = await declare();
    expect((await rejectionOf(() => app.paging.page(incident.number, { team: 'db', message: '' }, 'web:alice'))).code).toBe('paging_unavailable');
  });
});

describe('ALERTMANAGER_URL taken out', () => {
  it('retries the page calls still queued, then gives them up visibly, instead of leaving them pending for ever', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sitroom-paging-'));
    try {
      await app.stop();
      start({ ALERTMANAGER_URL: am.url, DATABASE_PATH: join(dir, 'sitroom.db') });
      const { incident } = await declare();
      am.failNext(503, 10);
      await app.paging.page(incident.number, { team: 'db-oncall', message: 'primary refuses writes' }, 'web:alice');
      await app.deliverDue();
      const pendingPages = () => {
        const reader = new Database(join(dir, 'sitroom.db'), { readonly: true });
        try {
          return (reader.prepare("SELECT count(*) AS n FROM outbox WHERE platform = 'alertmanager' AND state = 'pending'").get() as { n: number }).n;
        } finally {
          reader.close();
        }
      };
      expect(pendingPages()).toBe(1);

      await app.stop();
      start({ DATABASE_PATH: join(dir, 'sitroom.db') });
      // Within the give-up time (OUTBOX_GIVE_UP_HOURS=1 here) it waits: ALERTMANAGER_URL may come back.
      clock.advance(10 * 60 * SECOND);
      await app.deliverDue();
      expect(pendingPages()).toBe(1);
      clock.advance(HOUR);
      await app.deliverDue();
      expect(pendingPages()).toBe(0);
      expect(am.received).toHaveLength(0);
      const gaveUp = (await app.service.timeline(incident.number)).filter((e) => e.kind === 'delivery_failed');
      expect(gaveUp.map((e) => JSON.stringify(e))).toEqual([expect.stringContaining('ALERTMANAGER_URL is not set')]);
    } finally {
      await app.stop();
      start({ ALERTMANAGER_URL: am.url });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
