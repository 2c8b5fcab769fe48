import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryKey, type WebhookPayload } from '../../src/alertmanager/alertmanager-payload.ts';
import { DeliveryQueue, type DeliveryQueueOptions } from '../../src/alerts/delivery-queue.ts';
import type { IngestResult } from '../../src/alerts/ports.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteAlertStore } from '../../src/storage/sqlite-alert-store.ts';
import { CAPTURE_NOW, rawAlert, rawPayload, stormPayload, validPayload } from '../fakes/alert-fixtures.ts';

let dir: string | undefined;
let db: Db | undefined;

afterEach(() => {
  db?.$client.close();
  db = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A store on a database file (so a second connection sees only what is committed), with its transactions counted. */
function setup(opts: Partial<DeliveryQueueOptions> = {}) {
  dir = mkdtempSync(join(tmpdir(), 'sitroom-queue-'));
  const path = join(dir, 'sitroom.db');
  db = openDatabase(path);
  const store = new SqliteAlertStore(db);
  const client = db.$client;
  const events: string[] = [];
  const inOneTransaction = store.inOneTransaction.bind(store);
  store.inOneTransaction = <T>(work: () => T): T => {
    if (client.inTransaction) return inOneTransaction(work);
    events.push('begin');
    let result: T;
    try {
      result = inOneTransaction(work);
    } catch (error) {
      events.push('rollback');
      throw error;
    }
    events.push('commit');
    return result;
  };
  const stored: IngestResult[][] = [];
  const queue = new DeliveryQueue({ store, now: () => CAPTURE_NOW, stored: (rs) => stored.push(rs), ...opts });
  /** What another process reading the file sees: committed rows only. */
  const reader = () => {
    const other = new Database(path, { readonly: true });
    try {
      const n = (sql: string) => (other.prepare(sql).get() as { n: number }).n;
      return { groups: n('SELECT count(*) AS n FROM alert_groups'), alerts: n('SELECT count(*) AS n FROM alerts') };
    } finally {
      other.close();
    }
  };
  return { store, queue, events, stored, reader };
}

/** A delivery for group `name` with `alerts` alerts. */
const delivery = (name: string, alerts = 3): WebhookPayload =>
  validPayload(rawPayload(Array.from({ length: alerts }, (_, n) => rawAlert(n, { fingerprint: `${name}-${n}` })), { groupKey: `{}:{alertname="${name}"}` }));

const add = (queue: DeliveryQueue, p: WebhookPayload) => queue.add(p, deliveryKey(p));

describe('group commit', () => {
  it('writes the deliveries of one event-loop turn in one transaction and answers each after the commit', async () => {
    const s = setup();
    const answered: { groups: number; alerts: number }[] = [];
    const all = ['A', 'B', 'C', 'D'].map((name) =>
      add(s.queue, delivery(name)).then((r) => {
        s.events.push(`answer ${name}`);
        // Durable when answered: another connection already sees every row of this turn's deliveries.
        answered.push(s.reader());
        return r;
      }),
    );
    const results = await Promise.all(all);
    expect(s.events).toEqual(['begin', 'commit', 'answer A', 'answer B', 'answer C', 'answer D']);
    expect(answered).toEqual(Array(4).fill({ groups: 4, alerts: 12 }));
    expect(results.map((r) => [r.duplicate, r.newlyFiring.length])).toEqual(Array(4).fill([false, 3]));
    expect(s.stored).toHaveLength(1);
    expect(s.stored[0]).toHaveLength(4);
  });

  it('commits deliveries of later turns separately, and a re-send is a duplicate', async () => {
    const s = setup();
    const a = delivery('A');
    await add(s.queue, a);
    const again = await add(s.queue, a);
    expect(again.duplicate).toBe(true);
    expect(s.events).toEqual(['begin', 'commit', 'begin', 'commit']);
    expect(s.stored).toHaveLength(1);
  });

  it('rolls back only the delivery that failed; the others of its batch are stored and answered', async () => {
    const s = setup();
    // JSON.stringify throws on a BigInt: BAD's last alert fails after its group and first alerts were written.
    const bad = delivery('BAD');
    (bad.alerts[2]!.labels as Record<string, unknown>)['instance'] = 3n;
    const outcomes = await Promise.allSettled([delivery('A'), bad, delivery('C')].map((p) => s.queue.add(p, `key-${p.groupKey}`)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(s.reader()).toEqual({ groups: 2, alerts: 6 });
    // Tried whole first (no savepoint per delivery), rolled back, then stored with each delivery in its own savepoint.
    expect(s.events).toEqual(['begin', 'rollback', 'begin', 'commit']);
  });

  it('rejects every delivery of a batch whose commit fails, and stores none', async () => {
    const s = setup();
    const inner = s.store.inOneTransaction.bind(s.store);
    s.store.inOneTransaction = <T>(work: () => T): T => {
      // The outer transaction throws after its work ran: as a failed COMMIT would.
      const nested = db!.$client.inTransaction;
      return inner(() => {
        const r = work();
        if (!nested) throw new Error('SQLITE_IOERR');
        return r;
      });
    };
    const outcomes = await Promise.allSettled(['A', 'B'].map((name) => add(s.queue, delivery(name))));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(s.reader()).toEqual({ groups: 0, alerts: 0 });
    expect(s.stored).toEqual([]);
  });
});

describe('storms', () => {
  it('stores a large delivery in slices, with other work running in between, and answers once all is durable', async () => {
    const s = setup({ sliceAlerts: 2000 });
    const slices: number[] = [];
    const writeAlerts = s.store.writeAlerts.bind(s.store);
    let ticks = 0;
    const ticksAtSlice: number[] = [];
    s.store.writeAlerts = (open, alerts, now) => {
      slices.push(alerts.length);
      ticksAtSlice.push(ticks);
      return writeAlerts(open, alerts, now);
    };
    // Another request's work: it must get turns while the storm is stored.
    let stop = false;
    const ticker = () => {
      ticks++;
      if (!stop) setImmediate(ticker);
    };
    setImmediate(ticker);
    const storm = validPayload(stormPayload(5000));
    const result = await add(s.queue, storm).finally(() => (stop = true));
    expect(slices).toEqual([2000, 2000, 1000]);
    // The ticker ran between every two slices.
    expect(ticksAtSlice[1]! - ticksAtSlice[0]!).toBeGreaterThan(0);
    expect(ticksAtSlice[2]! - ticksAtSlice[1]!).toBeGreaterThan(0);
    expect(s.reader()).toEqual({ groups: 1, alerts: 5000 });
    expect(result.duplicate).toBe(false);
    expect(result.newlyFiring).toHaveLength(5000);
    expect(result.group.firingCount).toBe(5000);
    expect(s.stored).toEqual([[result]]);
    expect((await add(s.queue, storm)).duplicate).toBe(true);
  });

  it('a storm cut short (crash between slices) is not recorded: the re-send stores it whole, not as a duplicate', async () => {
    const s = setup({ sliceAlerts: 2000 });
    const writeAlerts = s.store.writeAlerts.bind(s.store);
    let calls = 0;
    s.store.writeAlerts = (open, alerts, now) => {
      if (++calls === 2) throw new Error('process died here');
      return writeAlerts(open, alerts, now);
    };
    const storm = validPayload(stormPayload(5000));
    await expect(add(s.queue, storm)).rejects.toThrow('process died here');
    // The first slice is there, but the delivery is not recorded as stored.
    expect(s.reader()).toEqual({ groups: 1, alerts: 2000 });
    expect((await s.store.group(1))?.firingCount).toBe(0);
    const resent = await add(s.queue, storm);
    expect(resent.duplicate).toBe(false);
    expect(resent.group.firingCount).toBe(5000);
    expect(s.reader()).toEqual({ groups: 1, alerts: 5000 });
    expect((await add(s.queue, storm)).duplicate).toBe(true);
  });

  it('a delivery for the storm group waits until the storm is stored; other groups are stored meanwhile', async () => {
    const s = setup({ sliceAlerts: 2000 });
    const order: string[] = [];
    const storm = validPayload(stormPayload(5000));
    const later = validPayload({ ...stormPayload(1), groupKey: storm.groupKey, alerts: [rawAlert(0, { status: 'resolved', endsAt: '2026-11-22T17:05:00Z' })] });
    const stormDone = add(s.queue, storm).then(() => order.push('storm'));
    await new Promise((resolve) => setImmediate(resolve));
    const sameGroup = add(s.queue, later).then((r) => order.push(`same group v${r.group.version}`));
    const other = add(s.queue, delivery('OTHER')).then(() => order.push('other group'));
    await Promise.all([stormDone, sameGroup, other]);
    expect(order).toEqual(['other group', 'storm', 'same group v2']);
  });
});
