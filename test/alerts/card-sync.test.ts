/**
 * Alert cards through the outbox: AlertCardSync writes card rows, the dispatcher delivers them with the
 * AlertEffectDeliverer. Real SQLite (a file, so two "processes" can share it), a fixed clock, no sleeps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertEffectDeliverer } from '../../src/alerts/alert-effect-deliverer.ts';
import { isAlertEffect } from '../../src/alerts/alert-effects.ts';
import type { AlertGroupView } from '../../src/alerts/alert-group.ts';
import { DEFAULT_SEVERITY_MAP, viewGroup } from '../../src/alerts/alert-rules.ts';
import { deliveryKey } from '../../src/alertmanager/alertmanager-payload.ts';
import { AlertCardSync } from '../../src/alerts/card-sync.ts';
import type { AlertNotifier, CardRef } from '../../src/alerts/ports.ts';
import { OutboxDispatcher } from '../../src/delivery/dispatcher.ts';
import { Pacer, SLACK_PACING } from '../../src/delivery/pacing.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteAlertStore } from '../../src/storage/sqlite-alert-store.ts';
import { SqliteOutboxStore } from '../../src/storage/sqlite-outbox-store.ts';
import { type FixtureName, fixturePayload, rawAlert, rawPayload, validPayload } from '../fakes/alert-fixtures.ts';
import { FakeAlertNotifier } from '../fakes/fake-alert-notifier.ts';
import { FixedClock, MINUTE, T0 } from '../fakes/fixed-clock.ts';

let dir: string;
let clock: FixedClock;
const dbs: Db[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sitroom-cards-'));
  clock = new FixedClock(T0);
});

afterEach(() => {
  for (const db of dbs.splice(0)) db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One sitroom process on the shared database file: its own connection, card sync and dispatcher. */
function processOn(notifier: AlertNotifier = new FakeAlertNotifier(), pacer = new Pacer({ methods: {} })) {
  const db = openDatabase(join(dir, 'sitroom.db'));
  dbs.push(db);
  const store = new SqliteAlertStore(db);
  const outbox = new SqliteOutboxStore(db);
  const view = async (id: number) => {
    const group = await store.group(id);
    return group && viewGroup(group, await store.alerts(id), DEFAULT_SEVERITY_MAP);
  };
  const sync = new AlertCardSync({ store, outbox, platforms: ['slack'], clock });
  const deliverer = new AlertEffectDeliverer({ platform: 'slack', store, notifier, view, incident: () => Promise.resolve(undefined), now: () => clock.now() });
  const retried: string[] = [];
  const dispatcher = new OutboxDispatcher({
    platform: 'slack',
    store: outbox,
    deliverer: {
      prepare: async (row) => await (isAlertEffect(row.effect) ? deliverer.prepare({ effect: row.effect }) : 'skip'),
      classify: (e) => ({ retry: true, message: e instanceof Error ? e.message : String(e) }),
    },
    pacer,
    clock,
    retry: { baseMs: 2000, maxMs: 60_000, giveUpMs: 3_600_000 },
    callTimeoutMs: 1000,
    random: () => 0.5,
    onOutcome: (_row, outcome, { error }) => {
      if (outcome === 'retried') retried.push(error ?? '');
    },
  });
  return { db, store, outbox, sync, dispatcher, notifier, retried };
}

const ingestInto = async (store: SqliteAlertStore, name: FixtureName = 'alertmanager-group-2-firing'): Promise<number> => {
  const p = fixturePayload(name);
  return (await store.ingest(p, deliveryKey(p), clock.now())).group.id;
};

/** A change the card shows (as a button click makes): the group's version goes up. */
const touch = async (store: SqliteAlertStore, id: number): Promise<number> =>
  (await store.updateGroup(id, clock.now(), (g) => ({ ...g, acknowledged: g.acknowledged ? null : { by: 'alice', at: clock.now() } })))!.version;

const shownVersions = (n: FakeAlertNotifier) => n.callsTo('showCard').map((c) => c.view.group.version);
const pendingRows = async (p: ReturnType<typeof processOn>) => (await p.outbox.backlog()).pending.alert;

describe('AlertCardSync through the outbox', () => {
  it('queues a row and sends nothing itself; the dispatcher posts the first card and records the version shown', async () => {
    const p = processOn();
    const id = await ingestInto(p.store);
    await p.sync.changed(id);
    expect((p.notifier as FakeAlertNotifier).calls).toEqual([]);
    expect(await pendingRows(p)).toBe(1);
    await p.dispatcher.drain();
    expect((p.notifier as FakeAlertNotifier).callsTo('showCard')).toEqual([expect.objectContaining({ card: null })]);
    expect(await p.store.card(id, 'slack')).toEqual({ channel: 'C-ALERTS', messageId: 'M-CARD-1', version: 1 });
  });

  // Each change used to write a row of its own (50 rows, 49 superseded at the next claim): under an alert storm that was a
  // row and four index entries per delivery, and every claim waded through the superseded ones.
  it('coalesces 50 changes into one update showing the latest version (one pending row, moved up to each new version)', async () => {
    const p = processOn();
    const notifier = p.notifier as FakeAlertNotifier;
    const id = await ingestInto(p.store);
    await p.sync.changed(id);
    await p.dispatcher.drain();
    let latest = 0;
    for (let n = 0; n < 50; n += 1) {
      latest = await touch(p.store, id);
      await p.sync.changed(id);
      await p.sync.changed(id); // the same version again (a sweep): no second row
    }
    expect(await pendingRows(p)).toBe(1);
    await p.dispatcher.drain();
    expect(shownVersions(notifier)).toEqual([1, latest]);
    expect(notifier.callsTo('showCard')[1]?.card).toMatchObject({ messageId: 'M-CARD-1' });
    expect((await p.store.card(id, 'slack'))?.version).toBe(latest);
    expect(await pendingRows(p)).toBe(0);
  });

  it('gives a change made while its card is being sent (its row leased) a row of its own, so the card ends showing it', async () => {
    const p = processOn();
    const notifier = p.notifier as FakeAlertNotifier;
    const id = await ingestInto(p.store);
    await p.sync.changed(id);
    // Another process claimed the row and is sending version 1 right now.
    const [leased] = await p.outbox.claim('slack', clock.now(), 20_000, 10);
    expect(leased?.version).toBe(1);
    const latest = await touch(p.store, id);
    await p.sync.changed(id);
    expect(await pendingRows(p)).toBe(2);
    clock.advance(21_000); // that process died: its lease lapses
    await p.dispatcher.drain();
    expect(shownVersions(notifier).at(-1)).toBe(latest);
    expect(await pendingRows(p)).toBe(0);
  });

  // A row held back by pacing used to take its group's first-post claim anyway, and then waited 60 s for it to go stale.
  it('posts new groups’ cards one a second with Slack pacing, without a paced row holding the first-post claim', async () => {
    const p = processOn(new FakeAlertNotifier(), new Pacer(SLACK_PACING));
    const notifier = p.notifier as FakeAlertNotifier;
    const ids = [await ingestInto(p.store), await ingestInto(p.store, 'alertmanager-firing')];
    for (const id of ids) await p.sync.changed(id);
    await p.dispatcher.drain();
    expect(notifier.posted).toBe(1);
    clock.advance(1000);
    await p.dispatcher.drain();
    expect(notifier.posted).toBe(2);
    expect(await Promise.all(ids.map(async (id) => (await p.store.card(id, 'slack'))?.version))).toEqual([1, 1]);
  });

  it('leaves a card that already shows the version alone', async () => {
    const p = processOn();
    const id = await ingestInto(p.store);
    await p.sync.changed(id);
    await p.dispatcher.drain();
    await p.sync.sweep(T0);
    await p.sync.changed(id);
    await p.dispatcher.drain();
    expect((p.notifier as FakeAlertNotifier).callsTo('showCard')).toHaveLength(1);
  });

  it('retries a failed post from the outbox (no second card), and a sweep re-queues only cards left behind', async () => {
    const p = processOn();
    const notifier = p.notifier as FakeAlertNotifier;
    const a = await ingestInto(p.store);
    const b = await ingestInto(p.store, 'alertmanager-firing');
    notifier.failOn('showCard', new Error('slack is down'));
    await p.sync.changed(a);
    await p.dispatcher.drain();
    expect(p.retried).toEqual(['slack is down']);
    notifier.recover('showCard');
    clock.advance(MINUTE);
    await p.dispatcher.drain();
    expect([notifier.posted, await pendingRows(p)]).toEqual([2, 0]); // the failed attempt and the retry
    // Group b never got a row (say its process died before queuing it): the sweep finds it, and only it.
    await p.sync.sweep(T0);
    expect(await pendingRows(p)).toBe(1);
    await p.dispatcher.drain();
    expect(notifier.posted).toBe(3);
    expect([(await p.store.card(a, 'slack'))?.version, (await p.store.card(b, 'slack'))?.version]).toEqual([1, 1]);
  });
});

/** A deterministic PRNG (mulberry32), so a failing interleaving can be replayed from its seed. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The one chat both processes talk to. A call takes a random number of event-loop turns, so calls from the two
 * processes overlap and can finish in any order; `shown` is what each card displays, applied when a call finishes.
 */
class SharedChat {
  readonly shown = new Map<string, number[]>();
  posts = 0;
  private readonly random: () => number;

  constructor(random: () => number) {
    this.random = random;
  }

  notifier(): AlertNotifier {
    return {
      showCard: async (view: AlertGroupView, card: CardRef | null) => {
        const ref = card ?? { channel: 'C-ALERTS', messageId: `M-${view.group.id}-${(this.posts += 1)}` };
        for (let turns = Math.floor(this.random() * 6); turns > 0; turns -= 1) await new Promise((r) => setImmediate(r));
        this.shown.set(ref.messageId, [...(this.shown.get(ref.messageId) ?? []), view.group.version]);
        return ref;
      },
      groupLinked: async () => {},
      alertsFiring: async () => {},
      alertsResolved: async () => {},
    };
  }
}

describe('two processes on one database file', () => {
  it.each([1, 2, 3, 4, 5])('never lets a card end on an older state, and posts each card once (seed %i)', async (seed) => {
    const random = seeded(seed);
    const chat = new SharedChat(random);
    const procs = [processOn(chat.notifier()), processOn(chat.notifier())];
    const groups: number[] = [];
    for (const n of [1, 2, 3]) {
      const p = validPayload(rawPayload([rawAlert(n)]));
      groups.push((await procs[0]!.store.ingest({ ...p, groupKey: `{}:{alertname="G${n}"}` }, `d${n}`, clock.now())).group.id);
    }
    const running: Promise<number>[] = [];
    for (let step = 0; step < 60; step += 1) {
      const proc = procs[Math.floor(random() * 2)]!;
      const id = groups[Math.floor(random() * groups.length)]!;
      await touch(proc.store, id);
      await proc.sync.changed(id);
      // Both processes deliver while changes keep coming.
      for (const p of procs) running.push(p.dispatcher.drain());
      for (let turns = Math.floor(random() * 4); turns > 0; turns -= 1) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(running);
    await Promise.all(procs.map((p) => p.dispatcher.drain()));
    expect(chat.posts).toBe(groups.length);
    for (const id of groups) {
      const card = await procs[0]!.store.card(id, 'slack');
      const history = chat.shown.get(card?.messageId ?? '') ?? [];
      // Every state the card showed is newer than the one before, and the last is the group's latest.
      expect(history).toEqual([...history].sort((x, y) => x - y));
      expect(new Set(history).size).toBe(history.length);
      expect(history.at(-1)).toBe((await procs[1]!.store.group(id))?.version);
    }
  });
});
