import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/incidents/incident.ts';
import { assignRole, postUpdate, transition } from '../../src/incidents/incident-rules.ts';
import { claimDueReminder } from '../../src/incidents/reminders.ts';
import { event, type TimelineEvent } from '../../src/incidents/timeline.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteIncidentStore } from '../../src/storage/sqlite-incident-store.ts';
import { SqliteOutboxStore } from '../../src/storage/sqlite-outbox-store.ts';
import { HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';
import { serviceHarness } from '../fakes/service-harness.ts';

const declared = (overrides: Partial<Incident> = {}): Incident => anIncident({ number: 0, ...overrides });
const declaredEvent = (at = T0): TimelineEvent => event('declared', at, 'alice', 'Declared SEV2: Checkout latency spike', { severity: 'sev2', private: false });
const count = (db: Db, table: string): number => (db.$client.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

let db: Db;
let store: SqliteIncidentStore;

beforeEach(() => {
  db = openDatabase(':memory:');
  store = new SqliteIncidentStore(db);
});

afterEach(() => {
  if (db.$client.open) db.$client.close();
});

describe('create and get', () => {
  it('numbers incidents 1, 2, 3', async () => {
    const numbers: number[] = [];
    for (let n = 0; n < 3; n += 1) numbers.push((await store.create(declared(), [declaredEvent()])).number);
    expect(numbers).toEqual([1, 2, 3]);
  });

  it('gives back exactly what was stored', async () => {
    const full = declared({
      isPrivate: true,
      platform: 'mattermost',
      roles: { commander: 'carol', 'partner-comms': 'dave' },
      lastUpdate: { text: 'Rolled back', at: T0 + MINUTE, by: 'carol' },
      room: { channelId: 'C1', channelName: 'inc-1-checkout', cardMessageId: 'M1' },
      reminderStage: 'escalate',
      phase: 'mitigated',
      mitigatedAt: T0 + 2 * MINUTE,
    });
    const created = await store.create(full, [declaredEvent()]);
    expect(await store.get(created.number)).toEqual({ ...full, number: 1 });
  });

  it('keeps a cadence that is off', async () => {
    const { number } = await store.create(declared({ cadence: null, nextUpdateDue: null, reminderAt: null, reminderStage: null }), []);
    expect(await store.get(number)).toMatchObject({ cadence: null, nextUpdateDue: null, reminderAt: null, reminderStage: null });
  });

  it('is undefined for an unknown number', async () => {
    expect(await store.get(99)).toBeUndefined();
  });
});

describe('timeline', () => {
  it('keeps events in order with their data', async () => {
    const { number } = await store.create(declared(), [declaredEvent()]);
    await store.mutate(number, (current) => assignRole(current, 'commander', 'carol', 'alice', T0 + MINUTE));
    await store.mutate(number, (current) => postUpdate(current, 'Rolled back', 'carol', T0 + 2 * MINUTE));
    expect(await store.timeline(number)).toEqual([
      declaredEvent(),
      event('role_assigned', T0 + MINUTE, 'alice', 'IC is now carol', { role: 'commander', user: 'carol', previous: null }),
      event('update_posted', T0 + 2 * MINUTE, 'carol', 'Rolled back', { late: false }),
    ]);
  });
});

describe('roles', () => {
  it('round-trip through create and mutate, including replacing a holder', async () => {
    const { number } = await store.create(declared({ roles: { commander: 'carol' } }), []);
    await store.mutate(number, (current) => assignRole(current, 'comms', 'carol', 'alice', T0));
    await store.mutate(number, (current) => assignRole(current, 'commander', 'dave', 'alice', T0));
    await store.mutate(number, (current) => assignRole(current, 'social-comms', 'erin', 'alice', T0));
    expect((await store.get(number))?.roles).toEqual({ commander: 'dave', comms: 'carol', 'social-comms': 'erin' });
  });

  it('come back with incidents listed in bulk', async () => {
    await store.create(declared({ roles: { commander: 'carol' } }), []);
    await store.create(declared({ roles: { scribe: 'dave' } }), []);
    expect((await store.listOpen()).map((i) => i.roles)).toEqual([{ commander: 'carol' }, { scribe: 'dave' }]);
    expect((await store.dueReminders(T0 + HOUR, 10, ['slack'])).map((i) => i.roles)).toEqual([{ commander: 'carol' }, { scribe: 'dave' }]);
  });
});

describe('mutate', () => {
  it('hands the rule the stored incident and saves its change with the events', async () => {
    const { number } = await store.create(declared(), [declaredEvent()]);
    await store.mutate(number, (current) => assignRole(current, 'commander', 'carol', 'alice', T0));
    let seen: Incident | undefined;
    const change = await store.mutate(number, (current) => {
      seen = current;
      return transition(current, 'mitigate', 'drained', 'carol', T0 + MINUTE);
    });
    expect(seen?.roles).toEqual({ commander: 'carol' });
    expect(change?.incident.phase).toBe('mitigated');
    expect(await store.get(number)).toMatchObject({ phase: 'mitigated', mitigatedAt: T0 + MINUTE });
    expect((await store.timeline(number)).map((e) => e.kind)).toEqual(['declared', 'role_assigned', 'phase_changed']);
  });

  it('writes nothing when the rule returns null', async () => {
    const { number } = await store.create(declared(), [declaredEvent()]);
    const before = await store.get(number);
    expect(await store.mutate(number, () => null)).toBeNull();
    expect(await store.get(number)).toEqual(before);
    expect(await store.timeline(number)).toHaveLength(1);
  });

  it('writes nothing when the rule throws', async () => {
    const { number } = await store.create(declared(), [declaredEvent()]);
    await expect(store.mutate(number, (current) => transition(current, 'resolve', '', 'alice', T0))).rejects.toThrowError(/phase_skip/);
    expect((await store.get(number))?.phase).toBe('active');
    expect(await store.timeline(number)).toHaveLength(1);
  });

  it('is null for an unknown incident, without calling the rule', async () => {
    let called = false;
    expect(await store.mutate(42, () => {
      called = true;
      return null;
    })).toBeNull();
    expect(called).toBe(false);
  });
});

describe('reminders_sent: one reminder per incident, due time and stage', () => {
  it('refuses a second claim of the same reminder and rolls back everything that came with it', async () => {
    const { number } = await store.create(declared(), [declaredEvent()]);
    const stale = await store.get(number);
    if (!stale) throw new Error('incident missing');
    expect(await store.mutate(number, (current) => claimDueReminder(current, T0 + HOUR) ?? null)).not.toBeNull();
    const afterFirst = await store.get(number);

    // A replica that read the incident before the first claim tries to claim the same lapse again.
    const second = await store.mutate(number, () => {
      const claimed = claimDueReminder(stale, T0 + HOUR + MINUTE);
      return claimed ? { ...claimed, incident: { ...claimed.incident, title: 'changed by the loser' } } : null;
    });

    expect(second).toBeNull();
    expect(await store.get(number)).toEqual(afterFirst);
    expect((await store.timeline(number)).map((e) => e.kind)).toEqual(['declared']);
    expect(count(db, 'reminders_sent')).toBe(1);
  });

  it('allows the escalation of the same lapse and the nag of the next one', async () => {
    const { number } = await store.create(declared(), []);
    await store.mutate(number, (current) => claimDueReminder(current, T0 + HOUR) ?? null);
    expect(await store.mutate(number, (current) => claimDueReminder(current, T0 + 2 * HOUR) ?? null)).not.toBeNull();
    await store.mutate(number, (current) => postUpdate(current, 'Still digging', 'carol', T0 + 2 * HOUR));
    expect(await store.mutate(number, (current) => claimDueReminder(current, T0 + 3 * HOUR) ?? null)).not.toBeNull();
    expect(count(db, 'reminders_sent')).toBe(3);
  });
});

describe('queries', () => {
  it('dueReminders finds only due incidents, earliest first, up to the limit', async () => {
    const at = async (reminderAt: number | null) => (await store.create(declared({ reminderAt, nextUpdateDue: reminderAt }), [])).number;
    const late = await at(T0 + 30 * MINUTE);
    const early = await at(T0 + 10 * MINUTE);
    await at(T0 + 2 * HOUR);
    await at(null);
    const exactlyNow = await at(T0 + HOUR);

    expect((await store.dueReminders(T0 + HOUR, 10, ['slack'])).map((i) => i.number)).toEqual([early, late, exactlyNow]);
    expect((await store.dueReminders(T0 + HOUR, 2, ['slack'])).map((i) => i.number)).toEqual([early, late]);
    expect(await store.dueReminders(T0, 10, ['slack'])).toEqual([]);
  });

  it('findByRoom finds the incident by platform and channel', async () => {
    await store.create(declared({ room: { channelId: 'C1', channelName: 'inc-1', cardMessageId: null } }), []);
    const second = await store.create(declared({ platform: 'mattermost', room: { channelId: 'C1', channelName: 'inc-2', cardMessageId: null } }), []);
    expect((await store.findByRoom('slack', 'C1'))?.number).toBe(1);
    expect((await store.findByRoom('mattermost', 'C1'))?.number).toBe(second.number);
    expect(await store.findByRoom('slack', 'C2')).toBeUndefined();
  });

  it('listOpen excludes closed incidents, oldest first', async () => {
    for (const phase of ['active', 'closed', 'mitigated', 'resolved'] as const) await store.create(declared({ phase }), []);
    expect((await store.listOpen()).map((i) => [i.number, i.phase])).toEqual([
      [1, 'active'],
      [3, 'mitigated'],
      [4, 'resolved'],
    ]);
  });

  it('openOverview counts each open phase and gives its newest few, oldest first, with their roles, as listOpen would', async () => {
    for (let n = 1; n <= 9; n++) await store.create(declared({ phase: n % 3 === 0 ? 'mitigated' : n === 8 ? 'closed' : 'active', roles: { commander: `ic${n}` } }), []);
    const overview = await store.openOverview(2);
    expect(overview.counts).toEqual({ active: 5, mitigated: 3 });
    expect(overview.newest.map((i) => [i.number, i.phase, i.roles['commander']])).toEqual([
      [5, 'active', 'ic5'],
      [7, 'active', 'ic7'],
      [6, 'mitigated', 'ic6'],
      [9, 'mitigated', 'ic9'],
    ]);
    // The same objects listOpen reads, booleans and nulls included.
    expect(overview.newest).toEqual((await store.listOpen()).filter((i) => overview.newest.some((o) => o.number === i.number)).sort((a, b) => (a.phase === b.phase ? a.number - b.number : a.phase === 'active' ? -1 : 1)));
  });
});

describe('two processes on one database file', () => {
  let dir: string;
  const opened: Db[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sitroom-store-'));
  });

  afterEach(() => {
    for (const connection of opened.splice(0)) connection.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('queues a due reminder exactly once, with its outbox rows in the same transaction', async () => {
    const connect = () => {
      const connection = openDatabase(join(dir, 'sitroom.db'));
      opened.push(connection);
      return new SqliteIncidentStore(connection);
    };
    const first = serviceHarness({ store: connect() });
    const second = serviceHarness({ store: connect() });
    await first.store.create(declared({ room: { channelId: 'C1', channelName: 'inc-1', cardMessageId: null } }), []);
    first.clock.set(T0 + HOUR);
    second.clock.set(T0 + HOUR);

    const runs = [first.service.queueDueReminders(), second.service.queueDueReminders()];

    expect((await Promise.all(runs)).map((r) => r.queued).sort()).toEqual([0, 1]);
    const outbox = new SqliteOutboxStore(opened[0] as Db);
    expect((await outbox.backlog()).pending).toEqual({ incident: 1, alert: 0, webhook: 0, github: 0 });
    expect((await outbox.claim('slack', T0 + HOUR, 1000, 10)).map((r) => [r.target, r.effect.kind])).toEqual([['incident:1', 'remind']]);
  });
});
