import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryKey } from '../../src/alertmanager/alertmanager-payload.ts';
import { DEFAULT_CADENCE } from '../../src/incidents/cadence.ts';
import type { Effect } from '../../src/incidents/effects.ts';
import { type DigestEffect, digestOfEffect, type DigestSchedule } from '../../src/incidents/digest.ts';
import { FollowUpService } from '../../src/incidents/follow-up-service.ts';
import type { Platform } from '../../src/incidents/incident.ts';
import { IncidentService } from '../../src/incidents/incident-service.ts';
import { readPostmortemFrontMatter } from '../../src/incidents/postmortem.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteAlertStore } from '../../src/storage/sqlite-alert-store.ts';
import { SqliteFollowUpStore } from '../../src/storage/sqlite-follow-up-store.ts';
import { SqliteIncidentStore } from '../../src/storage/sqlite-incident-store.ts';
import { SqliteOutboxStore } from '../../src/storage/sqlite-outbox-store.ts';
import { rawAlert, rawPayload, validPayload } from '../fakes/alert-fixtures.ts';
import { rejectionOf } from '../fakes/catch-incident-error.ts';
import { FakeNotifier } from '../fakes/fake-notifier.ts';
import { FixedClock, HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { aDeclaration } from '../fakes/incident-builder.ts';

const DAY = 24 * HOUR;
/** Fridays 09:00 UTC: T0 (Friday 14:00) is five hours after a slot. */
const FRIDAY_NINE: DigestSchedule = { weekday: 'friday', hour: 9, minute: 0, timeZone: 'UTC' };
const SLOT = Date.UTC(2025, 2, 14, 9, 0);

const opened: Db[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const db of opened.splice(0)) if (db.$client.open) db.$client.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * The follow-up use cases wired as the app wires them, on real SQLite (`:memory:` unless a file is given), with a
 * fixed clock and a recording notifier per platform.
 */
function harness(opts: { path?: string; clock?: FixedClock; platforms?: Platform[] } = {}) {
  const db = openDatabase(opts.path ?? ':memory:');
  opened.push(db);
  const clock = opts.clock ?? new FixedClock();
  const store = new SqliteIncidentStore(db);
  const followUpStore = new SqliteFollowUpStore(db);
  const alertStore = new SqliteAlertStore(db);
  const notifiers: Partial<Record<Platform, FakeNotifier>> = {};
  for (const p of opts.platforms ?? ['slack']) notifiers[p] = new FakeNotifier();
  const notifier = notifiers.slack ?? new FakeNotifier();
  const service = new IncidentService({ store, clock, notifiers, cadenceDefaults: DEFAULT_CADENCE, customRoles: [], followUps: followUpStore });
  const followUps = new FollowUpService({
    incidents: service,
    store,
    followUps: followUpStore,
    alerts: alertStore,
    clock,
    notifiers,
    outbox: new SqliteOutboxStore(db),
    timeZone: 'UTC',
    digest: FRIDAY_NINE,
  });
  service.observe(followUps);
  /** Effects of `kind` queued in the outbox, oldest first. */
  const queued = <K extends Effect['kind']>(kind: K) =>
    (db.$client.prepare('SELECT payload FROM outbox WHERE kind = ? ORDER BY id').all(kind) as { payload: string }[]).map((r) => JSON.parse(r.payload) as Extract<Effect, { kind: K }>);
  const declare = async (overrides: Parameters<typeof aDeclaration>[0] = {}) => (await service.declare(aDeclaration(overrides))).incident.number;
  const kinds = async (number: number) => (await store.timeline(number)).map((e) => e.kind);
  /** The digest rows queued for `platform` (the channel's copy), oldest first, as the deliverer reads them. */
  const digests = (platform: Platform = 'slack') =>
    (db.$client.prepare("SELECT payload FROM outbox WHERE kind = 'digest' AND platform = ? ORDER BY id").all(platform) as { payload: string }[]).map((r) =>
      digestOfEffect(JSON.parse(r.payload) as Extract<DigestEffect, { kind: 'digest' }>),
    );
  /** The overdue DMs queued, as [owner, item texts, target]. */
  const overdue = () =>
    (db.$client.prepare("SELECT target, payload FROM outbox WHERE kind = 'overdue' ORDER BY id").all() as { target: string; payload: string }[]).map((r) => {
      const e = JSON.parse(r.payload) as Extract<DigestEffect, { kind: 'overdue' }>;
      return [e.user, e.items.map((i) => i.text), r.target];
    });
  return { db, clock, store, followUpStore, alertStore, notifiers, notifier, service, followUps, declare, kinds, queued, digests, overdue };
}

describe('action items', () => {
  it('adds an item: stored, on the timeline, and the war room is told (queued with it: a down chat cannot fail the command)', async () => {
    const h = harness();
    const n = await h.declare();
    h.clock.advance(5 * MINUTE);
    const item = await h.followUps.addActionItem(n, { text: 'Add a canary stage', owner: 'carol', due: '2025-03-20' }, 'erin');

    expect(item).toMatchObject({ id: 1, incidentNumber: n, text: 'Add a canary stage', owner: 'carol', due: '2025-03-20', state: 'open', createdAt: T0 + 5 * MINUTE, createdBy: 'erin' });
    expect(await h.followUps.actionItemsOf(n)).toEqual([item]);
    expect(await h.followUps.openActionItems()).toEqual([item]);
    expect((await h.kinds(n)).at(-1)).toBe('action_added');
    const [told] = h.queued('room_events');
    expect(told?.number).toBe(n);
    expect(told?.events.map((e) => [e.kind, e.text])).toEqual([['action_added', 'Action item: Add a canary stage (owner carol, due 2025-03-20)']]);
  });

  it('refuses an item for an unknown incident', async () => {
    const h = harness();
    expect((await rejectionOf(() => h.followUps.addActionItem(9, { text: 'x', owner: null, due: null }, 'erin'))).code).toBe('unknown_incident');
    expect(await h.followUps.openActionItems()).toEqual([]);
  });

  it('completes an item: done, on the timeline, the war room told; a second time is refused', async () => {
    const h = harness();
    const n = await h.declare();
    const item = await h.followUps.addActionItem(n, { text: 'Add a canary stage', owner: 'carol', due: null }, 'erin');
    h.clock.advance(HOUR);

    const done = await h.followUps.completeActionItem(item.id, 'carol', n);
    expect(done).toEqual({ ...item, state: 'done', doneAt: T0 + HOUR, doneBy: 'carol' });
    expect(await h.followUps.openActionItems()).toEqual([]);
    expect(h.queued('room_events').at(-1)?.events.map((e) => e.kind)).toEqual(['action_done']);

    const again = await rejectionOf(() => h.followUps.completeActionItem(item.id, 'erin', n));
    expect(again.code).toBe('action_item_done');
    expect((await h.kinds(n)).filter((k) => k === 'action_done')).toHaveLength(1);
    expect((await h.followUps.actionItemsOf(n))[0]?.doneBy).toBe('carol');
  });

  it('completes an item by id alone (outside a war room)', async () => {
    const h = harness();
    const n = await h.declare();
    const item = await h.followUps.addActionItem(n, { text: 'x', owner: null, due: null }, 'erin');
    expect((await h.followUps.completeActionItem(item.id, 'carol')).state).toBe('done');
  });

  it('refuses an unknown item', async () => {
    const h = harness();
    const n = await h.declare();
    const e = await rejectionOf(() => h.followUps.completeActionItem(42, 'carol', n));
    expect(e.code).toBe('unknown_action_item');
    expect(e.details).toEqual({ id: '42', number: String(n) });
  });

  it('refuses an item of another incident, leaving it open', async () => {
    const h = harness();
    const one = await h.declare();
    const two = await h.declare({ title: 'Search is slow' });
    const item = await h.followUps.addActionItem(two, { text: 'Reindex', owner: null, due: null }, 'erin');
    const queued = h.queued('room_events').length;

    const e = await rejectionOf(() => h.followUps.completeActionItem(item.id, 'carol', one));
    expect(e.code).toBe('unknown_action_item');
    expect((await h.followUpStore.actionItem(item.id))?.state).toBe('open');
    expect(await h.kinds(one)).not.toContain('action_done');
    expect(await h.kinds(two)).not.toContain('action_done');
    expect(h.queued('room_events')).toHaveLength(queued);
  });
});

describe('writePostmortem', () => {
  it('saves the document, records it on the timeline and queues its upload into the war room', async () => {
    const h = harness();
    const n = await h.declare();
    h.clock.advance(2 * HOUR);

    const { markdown } = await h.followUps.writePostmortem(n, 'carol');
    expect(await h.followUps.postmortem(n)).toEqual({ markdown, generatedAt: T0 + 2 * HOUR });
    expect((await h.store.timeline(n)).at(-1)).toMatchObject({ kind: 'postmortem_written', actor: 'carol', at: T0 + 2 * HOUR });
    expect(h.queued('postmortem_file')).toEqual([{ kind: 'postmortem_file', number: n, filename: `postmortem-incident-${n}.md`, markdown }]);
    expect(readPostmortemFrontMatter(markdown)).toMatchObject({ incident: n, title: 'Checkout latency spike', generated_at: '2025-03-14T16:00:00.000Z' });
  });

  it('includes the incident’s action items and linked alerts', async () => {
    const h = harness();
    const n = await h.declare();
    await h.followUps.addActionItem(n, { text: 'Add a canary stage', owner: 'carol', due: '2025-03-20' }, 'erin');
    await linkFiringAlert(h, n, T0 - 10 * MINUTE);
    const fm = readPostmortemFrontMatter((await h.followUps.writePostmortem(n)).markdown);
    expect(fm.action_items).toEqual([{ id: 1, text: 'Add a canary stage', owner: 'carol', due: '2025-03-20', state: 'open', done: null }]);
    expect(fm.alerts).toMatchObject([{ title: 'HighErrorRate', first_firing: '2025-03-14T13:50:00.000Z', acknowledged_by: 'bob' }]);
    expect(fm.times.started).toBe('2025-03-14T13:50:00.000Z');
  });

  it('refuses an unknown incident', async () => {
    const h = harness();
    expect((await rejectionOf(() => h.followUps.writePostmortem(3))).code).toBe('unknown_incident');
  });
});

/** Ingests a HighErrorRate delivery firing since `firstFiring`, acknowledged by bob a minute later, linked to incident `n`. */
async function linkFiringAlert(h: ReturnType<typeof harness>, n: number, firstFiring: number): Promise<void> {
  const payload = validPayload(rawPayload([rawAlert(1, { startsAt: new Date(firstFiring).toISOString() })]));
  const { group } = await h.alertStore.ingest(payload, deliveryKey(payload), firstFiring);
  await h.alertStore.updateGroup(group.id, h.clock.now(), (g) => ({ ...g, acknowledged: { by: 'bob', at: firstFiring + MINUTE }, incidentNumber: n }));
}

describe('on resolve (IncidentService.transition with the FollowUpService observing)', () => {
  async function resolved(h: ReturnType<typeof harness>) {
    const n = await h.declare();
    h.clock.set(T0 + 40 * MINUTE);
    await h.service.transition(n, 'mitigate', 'rolled back', 'carol');
    h.clock.set(T0 + 90 * MINUTE);
    const outcome = await h.service.transition(n, 'resolve', 'fixed', 'carol');
    return { n, outcome };
  }

  it('writes the postmortem and tells stakeholders the impact window, from start to mitigation', async () => {
    const h = harness();
    const { n, outcome } = await resolved(h);
    expect(outcome.notifyError).toBeUndefined();

    const saved = await h.followUps.postmortem(n);
    expect(saved?.generatedAt).toBe(T0 + 90 * MINUTE);
    expect(readPostmortemFrontMatter(saved?.markdown ?? '')).toMatchObject({ phase: 'resolved', times: { resolved: '2025-03-14T15:30:00.000Z' } });
    expect(h.queued('postmortem_file').map((e) => e.markdown)).toEqual([saved?.markdown]);
    expect(h.queued('announce').filter((e) => e.what === 'resolved')).toEqual([
      expect.objectContaining({ number: n, incident: expect.objectContaining({ phase: 'resolved' }), impact: { from: T0, to: T0 + 40 * MINUTE } }),
    ]);
    expect((await h.kinds(n)).slice(-2)).toEqual(['phase_changed', 'postmortem_written']);
  });

  it('starts the impact window at the first firing of a linked alert, as the postmortem does', async () => {
    const h = harness();
    const n = await h.declare();
    await linkFiringAlert(h, n, T0 - 10 * MINUTE);
    h.clock.set(T0 + 40 * MINUTE);
    await h.service.transition(n, 'mitigate', '', 'carol');
    h.clock.set(T0 + 90 * MINUTE);
    await h.service.transition(n, 'resolve', '', 'carol');

    const fm = readPostmortemFrontMatter((await h.followUps.postmortem(n))?.markdown ?? '');
    expect(fm.times.started).toBe('2025-03-14T13:50:00.000Z');
    expect(h.queued('announce').find((e) => e.what === 'resolved')?.impact).toEqual({ from: T0 - 10 * MINUTE, to: T0 + 40 * MINUTE });
  });

  it('does nothing of the sort on other transitions', async () => {
    const h = harness();
    const n = await h.declare();
    await h.service.transition(n, 'mitigate', '', 'carol');
    expect(await h.followUps.postmortem(n)).toBeUndefined();
    expect(h.queued('announce').filter((e) => e.what === 'resolved')).toEqual([]);
    expect(h.queued('postmortem_file')).toEqual([]);
  });

  it('queues the stakeholder message and the upload with the resolve: it never waits for (or fails with) the chat', async () => {
    const h = harness();
    const { n, outcome } = await resolved(h);
    expect(outcome.notifyError).toBeUndefined();
    expect((await h.store.get(n))?.phase).toBe('resolved');
    expect(await h.followUps.postmortem(n)).toBeDefined();
    expect(h.queued('announce').map((e) => e.what)).toEqual(['declared', 'change', 'change', 'resolved']);
  });
});

describe('close with open action items (IncidentService.transition)', () => {
  async function resolvedWithItems(h: ReturnType<typeof harness>) {
    const n = await h.declare();
    await h.service.transition(n, 'mitigate', '', 'carol');
    await h.service.transition(n, 'resolve', '', 'carol');
    const a = await h.followUps.addActionItem(n, { text: 'Add a canary stage', owner: 'carol', due: null }, 'erin');
    const b = await h.followUps.addActionItem(n, { text: 'Alert on config drift', owner: 'erin', due: null }, 'erin');
    return { n, a, b };
  }

  it('is refused, naming the open items; the incident stays resolved', async () => {
    const h = harness();
    const { n, a, b } = await resolvedWithItems(h);
    await h.followUps.completeActionItem(a.id, 'carol', n);
    const e = await rejectionOf(() => h.service.transition(n, 'close', '', 'carol'));
    expect(e.code).toBe('open_action_items');
    expect(e.details).toEqual({ items: `#${b.id} Alert on config drift`, count: '1' });
    expect((await h.store.get(n))?.phase).toBe('resolved');
  });

  it('is refused with a blank waiver', async () => {
    const h = harness();
    const { n } = await resolvedWithItems(h);
    expect((await rejectionOf(() => h.service.transition(n, 'close', '', 'carol', '  '))).code).toBe('open_action_items');
  });

  it('goes through with a waiver, which is recorded with the transition', async () => {
    const h = harness();
    const { n } = await resolvedWithItems(h);
    const outcome = await h.service.transition(n, 'close', 'done here', 'carol', ' tracked in OPS-12 ');
    expect(outcome.incident.phase).toBe('closed');
    expect((await h.store.timeline(n)).at(-1)).toMatchObject({
      kind: 'phase_changed',
      text: 'Phase resolved → closed: done here — waived open action items: tracked in OPS-12',
      data: { to: 'closed', note: 'done here — waived open action items: tracked in OPS-12' },
    });
  });

  it('goes through without a waiver once every item is done', async () => {
    const h = harness();
    const { n, a, b } = await resolvedWithItems(h);
    await h.followUps.completeActionItem(a.id, 'carol', n);
    await h.followUps.completeActionItem(b.id, 'erin', n);
    expect((await h.service.transition(n, 'close', '', 'carol')).incident.phase).toBe('closed');
  });

  it('does not count another incident’s open items', async () => {
    const h = harness();
    const { n, a, b } = await resolvedWithItems(h);
    await h.followUps.completeActionItem(a.id, 'carol', n);
    await h.followUps.completeActionItem(b.id, 'erin', n);
    const other = await h.declare({ title: 'Search is slow' });
    await h.followUps.addActionItem(other, { text: 'Reindex', owner: null, due: null }, 'erin');
    expect((await h.service.transition(n, 'close', '', 'carol')).incident.phase).toBe('closed');
  });
});

describe('stats', () => {
  it('covers the incidents declared in the last N days only', async () => {
    const clock = new FixedClock(T0 - 8 * DAY);
    const h = harness({ clock });
    await h.declare({ severity: 'sev1' });
    clock.set(T0 - 6 * DAY);
    const recent = await h.declare({ severity: 'sev2' });
    await h.service.assignRole(recent, 'ic', 'carol', 'alice');
    clock.set(T0 - 6 * DAY + 30 * MINUTE);
    await h.service.transition(recent, 'mitigate', '', 'carol');
    clock.set(T0);

    const week = await h.followUps.stats(7);
    expect(week).toMatchObject({ days: 7, incidents: 1, bySeverity: { sev1: 0, sev2: 1 }, timeToAcknowledge: { count: 1, mean: 0 }, timeToMitigate: { count: 1, mean: 1800 } });
    expect(await h.followUps.stats(30)).toMatchObject({ days: 30, incidents: 2, bySeverity: { sev1: 1, sev2: 1 } });
  });

  it('counts alert noise since the same day', async () => {
    const h = harness();
    const payload = validPayload(rawPayload([rawAlert(1, { startsAt: new Date(T0 - HOUR).toISOString() })]));
    const { group } = await h.alertStore.ingest(payload, deliveryKey(payload), T0 - HOUR);
    await h.alertStore.updateGroup(group.id, T0, (g) => ({ ...g, notActionable: { by: 'bob', at: T0 } }));
    expect((await h.followUps.stats(7)).alerts).toEqual({ groups: 1, notActionable: 1, notActionableShare: 1 });
  });
});

describe('sendDueDigest', () => {
  async function withOpenItems(h: ReturnType<typeof harness>) {
    const n = await h.declare();
    await h.followUps.addActionItem(n, { text: 'Add a canary stage', owner: 'carol', due: '2025-03-10' }, 'erin');
    await h.followUps.addActionItem(n, { text: 'Alert on config drift', owner: 'erin', due: '2025-03-28' }, 'erin');
    await h.followUps.addActionItem(n, { text: 'Write the runbook', owner: 'carol', due: null }, 'erin');
    return n;
  }

  it('sends the latest slot’s digest once: open items by owner, overdue as of today', async () => {
    const h = harness();
    await withOpenItems(h);
    expect(await h.followUps.sendDueDigest()).toBe(true);
    const [sent] = h.digests();
    expect(sent?.today).toBe('2025-03-14');
    expect(sent?.byOwner.map(([owner, items]) => [owner, items.map((i) => i.text)])).toEqual([
      ['carol', ['Add a canary stage', 'Write the runbook']],
      ['erin', ['Alert on config drift']],
    ]);
    expect(sent?.overdue.map((i) => i.text)).toEqual(['Add a canary stage']);
    // The owner of an overdue item hears of it in their own queue (behind their reminders, never before them).
    expect(h.overdue()).toEqual([['carol', ['Add a canary stage'], 'user:carol']]);

    expect(await h.followUps.sendDueDigest()).toBe(false);
    h.clock.advance(6 * DAY);
    expect(await h.followUps.sendDueDigest()).toBe(false);
    expect(h.digests()).toHaveLength(1);
    expect(h.db.$client.prepare('SELECT slot FROM digests_sent').all()).toEqual([{ slot: SLOT }]);
  });

  it('sends the next week’s digest when its slot comes', async () => {
    const h = harness();
    await withOpenItems(h);
    await h.followUps.sendDueDigest();
    h.clock.set(SLOT + 7 * DAY);
    expect(await h.followUps.sendDueDigest()).toBe(true);
    expect(h.digests()).toHaveLength(2);
  });

  it('never sends a slot twice, even from a second process on the same database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sitroom-digest-'));
    dirs.push(dir);
    const path = join(dir, 'sitroom.db');
    const one = harness({ path });
    await withOpenItems(one);
    const two = harness({ path });
    expect(one.db.$client).not.toBe(two.db.$client);
    expect(await two.followUps.openActionItems()).toHaveLength(3);

    expect(await one.followUps.sendDueDigest()).toBe(true);
    expect(await two.followUps.sendDueDigest()).toBe(false);
    // One database: one slot claimed and one digest queued, by whichever process came first.
    expect(one.digests()).toHaveLength(1);
    expect(two.digests()).toHaveLength(1);
  });

  it('lets whichever process comes first send it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sitroom-digest-'));
    dirs.push(dir);
    const path = join(dir, 'sitroom.db');
    const one = harness({ path });
    await withOpenItems(one);
    const two = harness({ path });
    expect(await two.followUps.sendDueDigest()).toBe(true);
    expect(await one.followUps.sendDueDigest()).toBe(false);
    expect(one.digests()).toHaveLength(1);
  });

  it('sends nothing when no item is open', async () => {
    const h = harness();
    const n = await h.declare();
    const item = await h.followUps.addActionItem(n, { text: 'x', owner: 'carol', due: null }, 'erin');
    await h.followUps.completeActionItem(item.id, 'carol');
    expect(await h.followUps.sendDueDigest()).toBe(false);
    expect(h.digests()).toEqual([]);
  });

  it('sends each platform the items of its own incidents', async () => {
    const h = harness({ platforms: ['slack', 'mattermost'] });
    const onSlack = await h.declare({ platform: 'slack' });
    const onMattermost = await h.declare({ platform: 'mattermost', title: 'Search is slow' });
    await h.followUps.addActionItem(onSlack, { text: 'slack item', owner: 'carol', due: null }, 'erin');
    await h.followUps.addActionItem(onMattermost, { text: 'mattermost item', owner: 'dave', due: null }, 'erin');
    await h.followUps.addActionItem(onSlack, { text: 'second slack item', owner: 'erin', due: null }, 'erin');

    expect(await h.followUps.sendDueDigest()).toBe(true);
    const texts = (p: Platform) => h.digests(p).map((d) => d.byOwner.flatMap(([, items]) => items.map((i) => i.text)));
    expect(texts('slack')).toEqual([['slack item', 'second slack item']]);
    expect(texts('mattermost')).toEqual([['mattermost item']]);
  });

  it('does not bother a platform with no open items', async () => {
    const h = harness({ platforms: ['slack', 'mattermost'] });
    const onSlack = await h.declare({ platform: 'slack' });
    await h.followUps.addActionItem(onSlack, { text: 'slack item', owner: 'carol', due: null }, 'erin');
    expect(await h.followUps.sendDueDigest()).toBe(true);
    expect(h.digests('mattermost')).toEqual([]);
    expect(h.digests('slack')).toHaveLength(1);
  });
});
