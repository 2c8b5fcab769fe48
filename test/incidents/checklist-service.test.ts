/** Checklists, types and drills through the use cases, on real SQLite with the real migrations. */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CADENCE } from '../../src/incidents/cadence.ts';
import { ChecklistService } from '../../src/incidents/checklist-service.ts';
import type { ChecklistTemplates } from '../../src/incidents/checklists.ts';
import { FollowUpService } from '../../src/incidents/follow-up-service.ts';
import { IncidentService } from '../../src/incidents/incident-service.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteChecklistStore } from '../../src/storage/sqlite-checklist-store.ts';
import { SqliteFollowUpStore } from '../../src/storage/sqlite-follow-up-store.ts';
import { SqliteIncidentStore } from '../../src/storage/sqlite-incident-store.ts';
import { SqliteOutboxStore } from '../../src/storage/sqlite-outbox-store.ts';
import { type DigestEffect, digestOfEffect } from '../../src/incidents/digest.ts';
import type { Effect } from '../../src/incidents/effects.ts';
import { rejectionOf } from '../fakes/catch-incident-error.ts';
import { FakeNotifier } from '../fakes/fake-notifier.ts';
import { FixedClock, HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { aDeclaration } from '../fakes/incident-builder.ts';

const TEMPLATES: ChecklistTemplates = {
  bySeverity: {
    sev1: [{ text: 'Page the EM', required: true }],
    sev2: [
      { text: 'Page the owning team', required: true },
      { text: 'Consider a status notice', required: false },
    ],
  },
  byType: new Map([['database', [{ text: 'Page the DBA', required: true }]]]),
};

const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.$client.close();
});

function harness() {
  const db = openDatabase(':memory:');
  opened.push(db);
  const clock = new FixedClock();
  const store = new SqliteIncidentStore(db);
  const checklistStore = new SqliteChecklistStore(db);
  const followUpStore = new SqliteFollowUpStore(db);
  const notifier = new FakeNotifier();
  const notifiers = { slack: notifier };
  const service = new IncidentService({
    store,
    clock,
    notifiers,
    cadenceDefaults: DEFAULT_CADENCE,
    customRoles: [],
    followUps: followUpStore,
    checklists: checklistStore,
    incidentTypes: ['security', 'database'],
  });
  const checklists = new ChecklistService({ incidents: service, store: checklistStore, templates: TEMPLATES, clock, notifiers });
  service.observe(checklists);
  const followUps = new FollowUpService({
    incidents: service,
    store,
    followUps: followUpStore,
    clock,
    notifiers,
    outbox: new SqliteOutboxStore(db),
    timeZone: 'UTC',
    digest: { weekday: 'friday', hour: 9, minute: 0, timeZone: 'UTC' },
  });
  /** Effects of `kind` queued in the outbox, oldest first, with their queue (target). */
  const queued = <K extends Effect['kind'] | DigestEffect['kind']>(kind: K) =>
    (db.$client.prepare('SELECT payload, target FROM outbox WHERE kind = ? ORDER BY id').all(kind) as { payload: string; target: string }[]).map((r) => ({
      ...(JSON.parse(r.payload) as Extract<Effect | DigestEffect, { kind: K }>),
      target: r.target,
    }));
  const declare = async (overrides: Parameters<typeof aDeclaration>[0] = {}) => (await service.declare(aDeclaration(overrides))).incident.number;
  const closeable = async (n: number) => {
    await service.transition(n, 'mitigate', '', 'alice');
    await service.transition(n, 'resolve', '', 'alice');
  };
  return { store, clock, notifier, service, checklists, followUps, declare, closeable, queued };
}

describe('checklists on declare', () => {
  it('stores the severity’s and the type’s items and queues posting them in the war room, behind its creation', async () => {
    const h = harness();
    const n = await h.declare({ severity: 'sev2', type: 'Database' });
    expect((await h.service.get(n)).type).toBe('database');
    expect((await h.checklists.checklistOf(n)).map((i) => [i.position, i.text, i.required, i.source])).toEqual([
      [1, 'Page the owning team', true, 'sev2'],
      [2, 'Consider a status notice', false, 'sev2'],
      [3, 'Page the DBA', true, 'type:database'],
    ]);
    const ids = (await h.checklists.checklistOf(n)).map((i) => i.id);
    expect(h.queued('checklist')).toEqual([{ kind: 'checklist', number: n, added: ids, target: `incident:${n}` }]);
    expect(h.queued('create_room').map((e) => e.target)).toEqual([`incident:${n}`]);
  });

  it('refuses an unknown type, listing the known ones, and declares nothing', async () => {
    const h = harness();
    const e = await rejectionOf(() => h.declare({ type: 'network' }));
    expect(e.code).toBe('unknown_incident_type');
    expect(e.details).toEqual({ type: 'network', known: 'security, database' });
    expect(await h.service.listOpen()).toEqual([]);
  });

  it('posts nothing when no checklist matches', async () => {
    const h = harness();
    const n = await h.declare({ severity: 'sev4' });
    expect(await h.checklists.checklistOf(n)).toEqual([]);
    expect(h.queued('checklist')).toEqual([]);
  });
});

describe('severity and type changes', () => {
  it('add only the new items, keep ticks, and post the additions', async () => {
    const h = harness();
    const n = await h.declare({ severity: 'sev2' });
    await h.checklists.check(n, 1, 'bob');
    await h.service.changeSeverity(n, 'sev1', 'alice');
    await h.service.changeType(n, 'database', 'alice');
    const items = await h.checklists.checklistOf(n);
    expect(items.map((i) => [i.position, i.text, i.checkedBy])).toEqual([
      [1, 'Page the owning team', 'bob'],
      [2, 'Consider a status notice', null],
      [3, 'Page the EM', null],
      [4, 'Page the DBA', null],
    ]);
    const textOf = new Map(items.map((i) => [i.id, i.text]));
    expect(h.queued('checklist').map((c) => c.added.map((id) => textOf.get(id)))).toEqual([['Page the owning team', 'Consider a status notice'], ['Page the EM'], ['Page the DBA']]);
    expect((await h.store.timeline(n)).filter((e) => e.kind === 'type_changed').map((e) => e.text)).toEqual(['Type none → database']);
  });

  it('refuses the same type and an unknown one', async () => {
    const h = harness();
    const n = await h.declare({ type: 'security' });
    expect((await rejectionOf(() => h.service.changeType(n, 'security', 'alice'))).code).toBe('same_type');
    expect((await rejectionOf(() => h.service.changeType(n, 'nope', 'alice'))).code).toBe('unknown_incident_type');
  });
});

describe('ticking', () => {
  it('records who and when on the timeline and tells the war room', async () => {
    const h = harness();
    const n = await h.declare({ severity: 'sev2' });
    h.clock.advance(3 * MINUTE);
    const { item } = await h.checklists.check(n, 2, 'carol');
    expect(item).toMatchObject({ position: 2, checkedBy: 'carol', checkedAt: T0 + 3 * MINUTE });
    const entry = (await h.store.timeline(n)).at(-1);
    expect(entry).toMatchObject({ kind: 'checklist_checked', actor: 'carol', at: T0 + 3 * MINUTE, text: 'Checklist 2. Consider a status notice ✔' });
    expect(h.queued('room_events').at(-1)?.events.map((e) => e.kind)).toEqual(['checklist_checked']);
  });

  it('ticks by item id (the button), and refuses a second tick and unknown items', async () => {
    const h = harness();
    const n = await h.declare({ severity: 'sev2' });
    const [first] = await h.checklists.checklistOf(n);
    await h.checklists.tick(first?.id ?? 0, 'dave');
    expect((await rejectionOf(() => h.checklists.tick(first?.id ?? 0, 'erin'))).details).toEqual({ position: '1', by: 'dave' });
    expect((await rejectionOf(() => h.checklists.check(n, 9, 'erin'))).code).toBe('unknown_checklist_item');
    expect((await rejectionOf(() => h.checklists.tick(999, 'erin'))).code).toBe('unknown_checklist_item');
  });

  it('reports board progress for several incidents in one query', async () => {
    const h = harness();
    const a = await h.declare({ severity: 'sev2' });
    const b = await h.declare({ severity: 'sev4' });
    await h.checklists.check(a, 1, 'bob');
    const store = new SqliteChecklistStore(opened[0] as Db);
    expect(await store.progressOf([a, b])).toEqual(new Map([[a, { done: 1, total: 2 }]]));
  });
});

describe('the close gate', () => {
  it('refuses close while a required item is open, naming it; optional items do not count', async () => {
    const h = harness();
    const n = await h.declare({ severity: 'sev2' });
    await h.closeable(n);
    const e = await rejectionOf(() => h.service.transition(n, 'close', '', 'alice'));
    expect(e.code).toBe('open_checklist_items');
    expect(e.details).toEqual({ checklist: '1. Page the owning team', checklistCount: '1' });
    expect((await h.service.get(n)).phase).toBe('resolved');
    await h.checklists.check(n, 1, 'bob');
    expect((await h.service.transition(n, 'close', '', 'alice')).incident.phase).toBe('closed');
  });

  it('closes with --waive, recording what was waived', async () => {
    const h = harness();
    const n = await h.declare({ severity: 'sev2' });
    await h.closeable(n);
    await h.service.transition(n, 'close', 'done', 'alice', 'team paged by phone');
    expect((await h.store.timeline(n)).at(-1)?.text).toBe('Phase resolved → closed: done — waived open required checklist items: team paged by phone');
  });

  it('refuses ticks once the incident is closed', async () => {
    const h = harness();
    const n = await h.declare({ severity: 'sev2' });
    await h.closeable(n);
    await h.service.transition(n, 'close', '', 'alice', 'n/a');
    expect((await rejectionOf(() => h.checklists.check(n, 2, 'bob'))).code).toBe('incident_closed');
  });
});

describe('drills', () => {
  it('are stored as drills and left out of stats, the metric gauges and the weekly digest', async () => {
    const h = harness();
    const real = await h.declare({ severity: 'sev1' });
    const drill = await h.declare({ severity: 'sev1', drill: true });
    expect(await h.service.get(drill)).toMatchObject({ drill: true });
    expect((await h.store.timeline(drill))[0]?.text).toBe('Declared DRILL SEV1: Checkout latency spike');
    expect(await h.followUps.stats(7)).toMatchObject({ incidents: 1, bySeverity: { sev1: 1 } });
    expect(await h.store.countOpen()).toEqual([{ severity: 'sev1', phase: 'active', count: 1 }]);
    h.clock.advance(2 * HOUR);
    expect(await h.store.countOverdue(h.clock.now())).toBe(1);

    await h.followUps.addActionItem(drill, { text: 'Practice item', owner: 'bob', due: null }, 'alice');
    h.clock.set(Date.UTC(2025, 2, 21, 9, 30));
    expect(await h.followUps.sendDueDigest()).toBe(false);
    await h.followUps.addActionItem(real, { text: 'Real item', owner: 'bob', due: null }, 'alice');
    h.clock.set(Date.UTC(2025, 2, 28, 9, 30));
    expect(await h.followUps.sendDueDigest()).toBe(true);
    const [digest] = h.queued('digest').map((row) => digestOfEffect(row));
    expect(digest?.byOwner.flatMap(([, items]) => items.map((i) => i.text))).toEqual(['Real item']);
  });
});
