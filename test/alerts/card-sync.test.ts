import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SEVERITY_MAP, viewGroup } from '../../src/alerts/alert-rules.ts';
import { deliveryKey } from '../../src/alerts/alertmanager-payload.ts';
import { AlertCardSync } from '../../src/alerts/card-sync.ts';
import type { Platform } from '../../src/incidents/incident.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteAlertStore } from '../../src/storage/sqlite-alert-store.ts';
import { type FixtureName, fixturePayload } from '../fakes/alert-fixtures.ts';
import { FakeAlertNotifier } from '../fakes/fake-alert-notifier.ts';
import { FakeTimers } from '../fakes/fake-timers.ts';
import { MINUTE, T0 } from '../fakes/fixed-clock.ts';

const INTERVAL = 1000;

let db: Db;
let store: SqliteAlertStore;
let timers: FakeTimers;

beforeEach(() => {
  db = openDatabase(':memory:');
  store = new SqliteAlertStore(db);
  timers = new FakeTimers(T0);
});

afterEach(() => {
  db.$client.close();
});

/** A card sync over the shared store, as one process runs it; `errors` collects what onError heard. */
function cardSync(notifier = new FakeAlertNotifier()) {
  const errors: { groupId: number; platform: Platform | null; error: unknown }[] = [];
  const sync = new AlertCardSync({
    store,
    notifiers: { slack: notifier },
    view: (id) => {
      const group = store.group(id);
      return group && viewGroup(group, store.alerts(id), DEFAULT_SEVERITY_MAP);
    },
    timers,
    minIntervalMs: INTERVAL,
    onError: (groupId, platform, error) => errors.push({ groupId, platform, error }),
  });
  return { sync, notifier, errors };
}

const ingest = (name: FixtureName = 'alertmanager-group-2-firing'): number => {
  const p = fixturePayload(name);
  return store.ingest(p, deliveryKey(p), timers.now()).group.id;
};

/** A change the card shows (as a button click makes): the group's version goes up. */
const touch = (id: number): number => store.updateGroup(id, timers.now(), (g) => ({ ...g, acknowledged: { by: 'alice', at: timers.now() } }))!.version;

const shownVersions = (n: FakeAlertNotifier) => n.callsTo('showCard').map((c) => c.view.group.version);

describe('AlertCardSync', () => {
  it('posts a group’s first card at once and records it with the version shown', async () => {
    const { sync, notifier } = cardSync();
    const id = ingest();
    sync.changed(id);
    await sync.idle();
    expect(notifier.callsTo('showCard')).toEqual([expect.objectContaining({ card: null })]);
    expect(notifier.callsTo('showCard')[0]?.view.firing).toHaveLength(2);
    expect(store.card(id, 'slack')).toEqual({ channel: 'C-ALERTS', messageId: 'M-CARD-1', version: 1 });
  });

  it('coalesces 50 changes within one interval into one update, after the interval, showing the latest version', async () => {
    const { sync, notifier } = cardSync();
    const id = ingest();
    sync.changed(id);
    await sync.idle();
    let latest = 0;
    for (let n = 0; n < 50; n += 1) {
      timers.advance(10);
      latest = touch(id);
      sync.changed(id);
      await sync.idle();
    }
    expect(notifier.callsTo('showCard')).toHaveLength(1);
    timers.advance(INTERVAL - 500);
    await sync.idle();
    expect(shownVersions(notifier)).toEqual([1, latest]);
    expect(notifier.callsTo('showCard')[1]?.card).toMatchObject({ channel: 'C-ALERTS', messageId: 'M-CARD-1' });
    expect(store.card(id, 'slack')?.version).toBe(latest);
    timers.advance(10 * INTERVAL);
    await sync.idle();
    expect(notifier.callsTo('showCard')).toHaveLength(2);
  });

  it('does not lose a change that arrives while a sync is running', async () => {
    const { sync, notifier } = cardSync();
    const id = ingest();
    const release = notifier.hold();
    sync.changed(id);
    const latest = touch(id);
    sync.changed(id);
    release();
    await sync.idle();
    expect(shownVersions(notifier)).toEqual([1]);
    timers.advance(INTERVAL);
    await sync.idle();
    expect(shownVersions(notifier)).toEqual([1, latest]);
    expect(store.card(id, 'slack')?.version).toBe(latest);
  });

  it('leaves an unchanged card alone', async () => {
    const { sync, notifier } = cardSync();
    const id = ingest();
    sync.changed(id);
    await sync.idle();
    timers.advance(INTERVAL);
    sync.changed(id);
    await sync.idle();
    expect(notifier.callsTo('showCard')).toHaveLength(1);
  });

  it('never lets a second process post a second card for the same group', async () => {
    const first = cardSync();
    const second = cardSync();
    const id = ingest();
    const release = first.notifier.hold();
    first.sync.changed(id);
    second.sync.changed(id);
    await second.sync.idle();
    release();
    await first.sync.idle();
    expect([first.notifier.posted, second.notifier.posted]).toEqual([1, 0]);
    // Once the card exists, the second process updates it in place.
    timers.advance(INTERVAL);
    const latest = touch(id);
    second.sync.changed(id);
    await second.sync.idle();
    expect(second.notifier.callsTo('showCard').map((c) => c.card?.messageId)).toEqual(['M-CARD-1']);
    expect(store.card(id, 'slack')?.version).toBe(latest);
  });

  it('reports a failed post and catches the card up on a later sweep', async () => {
    const { sync, notifier, errors } = cardSync();
    const id = ingest();
    notifier.failOn('showCard', new Error('slack is down'));
    sync.changed(id);
    await sync.idle();
    expect(errors).toEqual([{ groupId: id, platform: 'slack', error: new Error('slack is down') }]);
    expect(store.card(id, 'slack')).toBeUndefined();
    notifier.recover('showCard');
    timers.advance(MINUTE + 1);
    sync.sweep(T0);
    await sync.idle();
    expect(notifier.posted).toBe(2);
    expect(store.card(id, 'slack')).toMatchObject({ version: 1 });
  });

  it('retries a failed first post on the next sweep, without waiting for its own claim to go stale', async () => {
    const { sync, notifier } = cardSync();
    const id = ingest();
    notifier.failOn('showCard');
    sync.changed(id);
    await sync.idle();
    notifier.recover('showCard');
    timers.advance(INTERVAL);
    sync.sweep(T0);
    await sync.idle();
    expect(store.card(id, 'slack')).toMatchObject({ version: 1 });
  });

  it('catches up a card whose update failed on the next sweep', async () => {
    const { sync, notifier, errors } = cardSync();
    const id = ingest();
    sync.changed(id);
    await sync.idle();
    notifier.failOn('showCard');
    timers.advance(INTERVAL);
    const latest = touch(id);
    sync.changed(id);
    await sync.idle();
    expect(errors).toHaveLength(1);
    expect(store.card(id, 'slack')?.version).toBe(1);
    notifier.recover('showCard');
    timers.advance(INTERVAL);
    sync.sweep(T0);
    await sync.idle();
    expect(store.card(id, 'slack')?.version).toBe(latest);
  });

  it('sweeps only groups whose card is missing or behind', async () => {
    const { sync, notifier } = cardSync();
    const carded = ingest('alertmanager-firing');
    sync.changed(carded);
    await sync.idle();
    const uncarded = ingest('alertmanager-group-2-firing');
    sync.sweep(T0);
    await sync.idle();
    expect(notifier.callsTo('showCard').map((c) => c.view.group.id)).toEqual([carded, uncarded]);
  });

  it('stop() cancels pending updates and ignores later changes', async () => {
    const { sync, notifier } = cardSync();
    const id = ingest();
    sync.changed(id);
    await sync.idle();
    touch(id);
    sync.changed(id);
    expect(timers.pending).toBe(1);
    await sync.stop();
    expect(timers.pending).toBe(0);
    timers.advance(10 * INTERVAL);
    sync.changed(id);
    await sync.idle();
    expect(notifier.callsTo('showCard')).toHaveLength(1);
  });

  it('stop() waits for a sync in flight', async () => {
    const { sync, notifier } = cardSync();
    const id = ingest();
    const release = notifier.hold();
    sync.changed(id);
    let stopped = false;
    const stopping = sync.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(store.card(id, 'slack')).toMatchObject({ version: 1 });
  });
});
