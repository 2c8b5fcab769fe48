import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/incidents/incident.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteIncidentStore } from '../../src/storage/sqlite-incident-store.ts';
import { SqliteOutboxStore } from '../../src/storage/sqlite-outbox-store.ts';
import { HOUR, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';
import { serviceHarness } from '../fakes/service-harness.ts';

// The store's own contract (create, get, mutate, reminders_sent, queries) runs on SQLite and PostgreSQL in
// test/storage/contract/incident-store.contract.test.ts; what stays here drives the service on two connections.

const declared = (overrides: Partial<Incident> = {}): Incident => anIncident({ number: 0, ...overrides });

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
    expect((await outbox.backlog()).pending).toEqual({ incident: 1, reply: 0, alert: 0, webhook: 0, github: 0 });
    expect((await outbox.claim('slack', T0 + HOUR, 1000, 10)).map((r) => [r.target, r.effect.kind])).toEqual([['incident:1', 'remind']]);
  });
});

describe('openOverview (the list command)', () => {
  const opened: Db[] = [];
  afterEach(() => {
    for (const connection of opened.splice(0)) connection.$client.close();
  });

  it('counts each open phase and gives its newest few, oldest first, with their roles, as listOpen would', async () => {
    const db = openDatabase(':memory:');
    opened.push(db);
    const store = new SqliteIncidentStore(db);
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
