/**
 * /metrics with two replicas on one database file: the gauges read from the database (open incidents, overdue
 * updates, the outbox backlog) come from exactly one replica, the holder of the `database_gauges` lease, so a sum
 * over replicas counts them once; the per-process counters come from both. When the holder stops, or stops renewing
 * and its lease runs out on the fixed clock, the other replica takes over.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gaugeLeaseTtlMs } from '../../src/storage/leases.ts';
import { SitroomUnderTest } from '../chat/scenarios/sitroom-under-test.ts';
import { SECOND } from '../fakes/fixed-clock.ts';

const TOKEN = 'metrics-replicas-token-0123456789';
const DATABASE_GAUGES = ['sitroom_open_incidents', 'sitroom_updates_overdue', 'sitroom_outbox_pending', 'sitroom_outbox_oldest_pending_age_seconds'];
/** The scheduler tick the test configures; the lease lasts gaugeLeaseTtlMs of it. */
const TICK_SECONDS = 5;

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const done of cleanup.reverse()) await done();
  cleanup = [];
});

async function replicas(): Promise<[SitroomUnderTest, SitroomUnderTest]> {
  const dir = mkdtempSync(join(tmpdir(), 'sitroom-metrics-replicas-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const started: SitroomUnderTest[] = [];
  for (let i = 0; i < 2; i += 1) {
    const app = new SitroomUnderTest({ DATABASE_PATH: join(dir, 'shared.db'), WEB_AUTH_TOKEN: TOKEN, SCHEDULER_TICK_SECONDS: String(TICK_SECONDS) });
    await app.start();
    cleanup.push(() => app.stop());
    started.push(app);
  }
  return [started[0]!, started[1]!];
}

interface Scrape {
  /** Metric families the exposition declares (`# TYPE name …`). */
  families: Set<string>;
  /** The value of a sample without labels. */
  value(name: string): number | undefined;
}

async function scrape(app: SitroomUnderTest): Promise<Scrape> {
  const res = await fetch(`${app.url}/metrics`);
  expect(res.status).toBe(200);
  const body = await res.text();
  const families = new Set([...body.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
  return {
    families,
    value: (name) => {
      const line = body.split('\n').find((l) => l.startsWith(`${name} `));
      return line === undefined ? undefined : Number(line.slice(name.length + 1));
    },
  };
}

/** Which of the replicas exported the database gauges at this scrape (each either all of them or none). */
function exporters(scrapes: Scrape[]): number[] {
  return scrapes.flatMap((s, i) => {
    const present = DATABASE_GAUGES.filter((g) => s.families.has(g));
    expect(present.length === 0 || present.length === DATABASE_GAUGES.length, `replica ${i}: ${present.join(', ')}`).toBe(true);
    expect(s.value('sitroom_database_gauges_exported')).toBe(present.length > 0 ? 1 : 0);
    return present.length > 0 ? [i] : [];
  });
}

async function declare(app: SitroomUnderTest): Promise<void> {
  const res = await fetch(`${app.url}/api/incidents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Replica lag', severity: 'sev2' }),
  });
  expect(res.status).toBe(201);
}

describe('/metrics on two replicas of one database', () => {
  it('exports the database gauges from exactly one replica, the counters from both', async () => {
    const [a, b] = await replicas();
    await declare(a);
    for (let round = 0; round < 3; round += 1) {
      const scrapes = [await scrape(a), await scrape(b)];
      // The first replica scraped took the lease; it keeps it while it renews.
      expect(exporters(scrapes)).toEqual([0]);
      for (const s of scrapes) expect(s.families.has('sitroom_outbox_deliveries_total')).toBe(true);
      a.clock.advance(TICK_SECONDS * SECOND);
      b.clock.advance(TICK_SECONDS * SECOND);
    }
    // The scheduler's tick renews the lease too, so the holder keeps it between scrapes.
    for (let tick = 0; tick < 10; tick += 1) {
      a.clock.advance(TICK_SECONDS * SECOND);
      b.clock.advance(TICK_SECONDS * SECOND);
      await a.sitroom.scheduler.tick();
      await b.sitroom.scheduler.tick();
    }
    expect(exporters([await scrape(b), await scrape(a)])).toEqual([1]);
  });

  it('hands the gauges over when the holder stops renewing and its lease runs out on the clock', async () => {
    const [a, b] = await replicas();
    expect(exporters([await scrape(a), await scrape(b)])).toEqual([0]);
    // a stops renewing (hung, or cut off from the database): b is refused until a's lease has run out.
    const ttl = gaugeLeaseTtlMs(TICK_SECONDS);
    b.clock.advance(ttl - SECOND);
    expect(exporters([await scrape(b)])).toEqual([]);
    b.clock.advance(SECOND);
    expect(exporters([await scrape(b)])).toEqual([0]);
    // a comes back: b holds the lease now, so a leaves the gauges out.
    a.clock.advance(ttl + SECOND);
    expect(exporters([await scrape(a), await scrape(b)])).toEqual([1]);
  });

  it('hands the gauges over at once when the holder stops cleanly', async () => {
    const [a, b] = await replicas();
    expect(exporters([await scrape(a), await scrape(b)])).toEqual([0]);
    await a.stop();
    expect(exporters([await scrape(b)])).toEqual([0]);
  });
});
