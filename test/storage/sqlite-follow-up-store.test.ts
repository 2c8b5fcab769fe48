import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ActionItem, completeActionItem, newActionItem, type NewActionItem } from '../../src/incidents/action-items.ts';
import type { Incident } from '../../src/incidents/incident.ts';
import { event, type TimelineEvent } from '../../src/incidents/timeline.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteFollowUpStore } from '../../src/storage/sqlite-follow-up-store.ts';
import { SqliteIncidentStore } from '../../src/storage/sqlite-incident-store.ts';
import { MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';

let db: Db;
let incidents: SqliteIncidentStore;
let store: SqliteFollowUpStore;
let first: Incident;
let second: Incident;

const count = (table: string): number => (db.$client.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const kinds = async (number: number) => (await incidents.timeline(number)).map((e) => e.kind);

beforeEach(async () => {
  db = openDatabase(':memory:');
  incidents = new SqliteIncidentStore(db);
  store = new SqliteFollowUpStore(db);
  first = await incidents.create(anIncident({ number: 0 }), []);
  second = await incidents.create(anIncident({ number: 0 }, { title: 'Search is slow' }), []);
});

afterEach(() => {
  if (db.$client.open) db.$client.close();
});

/** Adds an item through the real rule; returns what the store gave back. */
function add(incident: Incident, text: string, owner: string | null = 'carol', due: string | null = '2025-03-20', at = T0): Promise<ActionItem> {
  const { item, event: entry } = newActionItem(incident, { text, owner, due }, 'erin', at);
  return store.addActionItem(item, entry);
}

describe('action items', () => {
  it('stores a new item, numbering it, with its timeline entry', async () => {
    const item = await add(first, 'Add a canary stage');
    expect(item).toEqual({
      id: 1,
      incidentNumber: first.number,
      text: 'Add a canary stage',
      owner: 'carol',
      due: '2025-03-20',
      state: 'open',
      createdAt: T0,
      createdBy: 'erin',
      doneAt: null,
      doneBy: null,
    });
    expect(await store.actionItem(1)).toEqual(item);
    expect(await incidents.timeline(first.number)).toEqual([
      event('action_added', T0, 'erin', 'Action item: Add a canary stage (owner carol, due 2025-03-20)', { owner: 'carol', due: '2025-03-20' }),
    ]);
  });

  it('keeps items without owner or due date', async () => {
    const item = await add(first, 'Write the runbook', null, null);
    expect(await store.actionItem(item.id)).toMatchObject({ owner: null, due: null, state: 'open' });
  });

  it('is undefined for an unknown id', async () => {
    expect(await store.actionItem(42)).toBeUndefined();
  });

  it('applies a change atomically, recording its entry', async () => {
    const item = await add(first, 'Add a canary stage');
    const done = await store.updateActionItem(item.id, (current) => {
      const change = completeActionItem(current, 'carol', T0 + MINUTE);
      return { item: change.item, entry: change.event };
    });
    expect(done).toEqual({ ...item, state: 'done', doneAt: T0 + MINUTE, doneBy: 'carol' });
    expect(await store.actionItem(item.id)).toEqual(done);
    expect(await kinds(first.number)).toEqual(['action_added', 'action_done']);
  });

  it('hands the change the item as stored now', async () => {
    const item = await add(first, 'Add a canary stage');
    await store.updateActionItem(item.id, (current) => ({ item: { ...current, owner: 'erin', due: '2025-04-01', text: 'Add two canary stages' }, entry: event('note', T0, 'erin', 'edited') }));
    let seen: ActionItem | undefined;
    await store.updateActionItem(item.id, (current) => {
      seen = current;
      return { item: current, entry: event('note', T0, 'erin', 'looked') };
    });
    expect(seen).toMatchObject({ id: item.id, owner: 'erin', due: '2025-04-01', text: 'Add two canary stages', state: 'open' });
  });

  it('is undefined for an unknown id, calling no change and writing nothing', async () => {
    let called = false;
    const result = await store.updateActionItem(99, (current) => {
      called = true;
      return { item: current, entry: event('note', T0, 'erin', 'x') };
    });
    expect(result).toBeUndefined();
    expect(called).toBe(false);
    expect(count('timeline_events')).toBe(0);
  });

  it('lists an incident’s items oldest first, and only its own', async () => {
    const a = await add(first, 'one');
    await add(second, 'other incident');
    const b = await add(first, 'two');
    expect((await store.actionItemsOf(first.number)).map((i) => i.id)).toEqual([a.id, b.id]);
    expect(await store.actionItemsOf(99)).toEqual([]);
  });

  it('lists every open item across incidents, oldest first, leaving out done ones', async () => {
    const a = await add(first, 'one');
    const b = await add(second, 'two');
    const c = await add(first, 'three');
    await store.updateActionItem(b.id, (current) => {
      const change = completeActionItem(current, 'carol', T0 + MINUTE);
      return { item: change.item, entry: change.event };
    });
    expect((await store.openActionItems()).map((i) => i.id)).toEqual([a.id, c.id]);
  });
});

describe('a failing write', () => {
  it('rolls back a change whose timeline entry cannot be written: item unchanged, no timeline row', async () => {
    const item = await add(first, 'Add a canary stage');
    const before = count('timeline_events');
    // The entry is for an incident that does not exist: the foreign key fails after the item row was updated.
    await expect(store.updateActionItem(item.id, (current) => ({
        item: { ...current, incidentNumber: 999, state: 'done', doneAt: T0, doneBy: 'carol' },
        entry: event('action_done', T0, 'carol', 'done'),
      }))).rejects.toThrow(/FOREIGN KEY/);
    expect(await store.actionItem(item.id)).toEqual(item);
    expect(count('timeline_events')).toBe(before);
  });

  it('rolls back a change that throws', async () => {
    const item = await add(first, 'Add a canary stage');
    await expect(store.updateActionItem(item.id, (current) => completeAndThrow(current))).rejects.toThrow('refused');
    expect(await store.actionItem(item.id)).toEqual(item);
    expect(await kinds(first.number)).toEqual(['action_added']);
  });

  it('rolls back a new item whose timeline entry cannot be written: no item, no timeline row', async () => {
    const { item } = newActionItem(first, { text: 'Add a canary stage', owner: null, due: null }, 'erin', T0);
    const broken = { ...event('action_added', T0, 'erin', 'x'), actor: null } as unknown as TimelineEvent;
    await expect(store.addActionItem(item, broken)).rejects.toThrow(/NOT NULL/);
    expect(count('action_items')).toBe(0);
    expect(count('timeline_events')).toBe(0);
  });

  it('refuses an item of an unknown incident', async () => {
    const orphan: NewActionItem = { ...newActionItem(first, { text: 'x', owner: null, due: null }, 'erin', T0).item, incidentNumber: 999 };
    await expect(store.addActionItem(orphan, event('action_added', T0, 'erin', 'x'))).rejects.toThrow(/FOREIGN KEY/);
    expect(count('action_items')).toBe(0);
  });
});

function completeAndThrow(_current: ActionItem): never {
  throw new Error('refused');
}

describe('postmortems', () => {
  it('saves one with its timeline entry and gives it back', async () => {
    expect(await store.postmortem(first.number)).toBeUndefined();
    await store.savePostmortem(first.number, '# first\n', event('postmortem_written', T0, 'sitroom', 'Postmortem written'));
    expect(await store.postmortem(first.number)).toEqual({ markdown: '# first\n', generatedAt: T0 });
    expect(await kinds(first.number)).toEqual(['postmortem_written']);
  });

  it('keeps only the latest, recording each writing on the timeline', async () => {
    await store.savePostmortem(first.number, '# first\n', event('postmortem_written', T0, 'sitroom', 'Postmortem written'));
    await store.savePostmortem(first.number, '# second\n', event('postmortem_written', T0 + MINUTE, 'carol', 'Postmortem written'));
    expect(await store.postmortem(first.number)).toEqual({ markdown: '# second\n', generatedAt: T0 + MINUTE });
    expect(count('postmortems')).toBe(1);
    expect(await kinds(first.number)).toEqual(['postmortem_written', 'postmortem_written']);
  });

  it('keeps each incident’s own', async () => {
    await store.savePostmortem(first.number, '# one\n', event('postmortem_written', T0, 'sitroom', 'Postmortem written'));
    await store.savePostmortem(second.number, '# two\n', event('postmortem_written', T0, 'sitroom', 'Postmortem written'));
    expect((await store.postmortem(first.number))?.markdown).toBe('# one\n');
    expect((await store.postmortem(second.number))?.markdown).toBe('# two\n');
  });

  it('saves nothing when the entry cannot be written', async () => {
    const broken = { ...event('postmortem_written', T0, 'sitroom', 'x'), kind: null } as unknown as TimelineEvent;
    await expect(store.savePostmortem(first.number, '# lost\n', broken)).rejects.toThrow(/NOT NULL/);
    expect(await store.postmortem(first.number)).toBeUndefined();
  });
});

describe('claimDigest', () => {
  it('gives each slot to exactly one caller', async () => {
    expect(await store.claimDigest(T0, T0)).toBe(true);
    expect(await store.claimDigest(T0, T0 + MINUTE)).toBe(false);
    expect(await new SqliteFollowUpStore(db).claimDigest(T0, T0 + 2 * MINUTE)).toBe(false);
  });

  it('claims each slot on its own', async () => {
    expect(await store.claimDigest(T0, T0)).toBe(true);
    expect(await store.claimDigest(T0 + 7 * 24 * 60 * MINUTE, T0)).toBe(true);
    expect(count('digests_sent')).toBe(2);
  });
});
