/**
 * The use cases the web desk needed and the chat lacked: rename, visibility, changing an action item's owner and due
 * date, and the postmortem's human sections (stored, re-rendered into the document, unable to break its structure).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CADENCE } from '../../src/incidents/cadence.ts';
import { changeActionItem } from '../../src/incidents/action-items.ts';
import { FollowUpService } from '../../src/incidents/follow-up-service.ts';
import { IncidentService } from '../../src/incidents/incident-service.ts';
import { renameIncident, setVisibility } from '../../src/incidents/incident-rules.ts';
import { renderPostmortem } from '../../src/incidents/postmortem.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteFollowUpStore } from '../../src/storage/sqlite-follow-up-store.ts';
import { SqliteIncidentStore } from '../../src/storage/sqlite-incident-store.ts';
import { catchIncidentError, rejectionOf } from '../fakes/catch-incident-error.ts';
import { FakeNotifier } from '../fakes/fake-notifier.ts';
import { SqliteOutboxStore } from '../../src/storage/sqlite-outbox-store.ts';
import { FixedClock, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';
import { headingsOf, POSTMORTEM_SECTIONS } from '../fakes/markdown-headings.ts';

const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.$client.close();
});

function harness() {
  const db = openDatabase(':memory:');
  opened.push(db);
  const clock = new FixedClock();
  const store = new SqliteIncidentStore(db);
  const followUpStore = new SqliteFollowUpStore(db);
  const notifier = new FakeNotifier();
  const notifiers = { web: notifier };
  const service = new IncidentService({ store, clock, notifiers, cadenceDefaults: DEFAULT_CADENCE, customRoles: [], followUps: followUpStore });
  const followUps = new FollowUpService({ incidents: service, store, followUps: followUpStore, clock, notifiers, outbox: new SqliteOutboxStore(db), timeZone: 'UTC', digest: { weekday: 'monday', hour: 9, minute: 0, timeZone: 'UTC' } });
  /** The timeline entries of the newest war-room post queued in the outbox. */
  const lastRoomPost = () => {
    const row = db.$client.prepare("SELECT payload FROM outbox WHERE kind = 'room_events' ORDER BY id DESC LIMIT 1").get() as { payload: string } | undefined;
    return row ? (JSON.parse(row.payload) as { events: { kind: string }[] }).events : [];
  };
  return { service, followUps, store, notifier, clock, lastRoomPost };
}

describe('rename and visibility', () => {
  it('renames with the declare rules, keeping the old title on the timeline; the same title changes nothing', () => {
    const incident = anIncident();
    const change = renameIncident(incident, '  Checkout 5xx  ', 'alice', T0);
    expect(change.incident.title).toBe('Checkout 5xx');
    expect(change.events[0]).toMatchObject({ kind: 'renamed', actor: 'alice', data: { from: 'Checkout latency spike', to: 'Checkout 5xx' } });
    expect(renameIncident(incident, 'Checkout latency spike', 'alice', T0).events).toEqual([]);
    expect(catchIncidentError(() => renameIncident(incident, '   ', 'alice', T0)).code).toBe('empty_text');
    expect(catchIncidentError(() => renameIncident(incident, 'x'.repeat(201), 'alice', T0)).code).toBe('text_too_long');
    expect(catchIncidentError(() => renameIncident({ ...incident, phase: 'closed' }, 'New', 'alice', T0)).code).toBe('incident_closed');
  });

  it('makes an incident private and public again, recording who', () => {
    const incident = anIncident();
    const hidden = setVisibility(incident, true, 'alice', T0);
    expect(hidden.incident.isPrivate).toBe(true);
    expect(hidden.events[0]).toMatchObject({ kind: 'visibility_changed', text: 'Made private' });
    expect(setVisibility(hidden.incident, true, 'alice', T0).events).toEqual([]);
    expect(setVisibility(hidden.incident, false, 'bob', T0).events[0]).toMatchObject({ text: 'Made public', actor: 'bob' });
  });
});

describe('changing an action item', () => {
  const item = { id: 3, incidentNumber: 1, text: 'Canary', owner: 'bob', due: '2025-04-01', state: 'open', createdAt: T0, createdBy: 'alice', doneAt: null, doneBy: null } as const;

  it('changes owner and due date, null clears, undefined keeps; nothing changed records nothing', () => {
    expect(changeActionItem(item, { owner: 'carol' }, 'alice', T0)).toMatchObject({ item: { owner: 'carol', due: '2025-04-01' }, event: { kind: 'action_updated', text: 'Action item #3: owner carol' } });
    expect(changeActionItem(item, { owner: null, due: null }, 'alice', T0).event?.text).toBe('Action item #3: no owner, no due date');
    expect(changeActionItem(item, { owner: 'bob' }, 'alice', T0).event).toBeNull();
    expect(catchIncidentError(() => changeActionItem({ ...item, state: 'done' }, { owner: 'x' }, 'alice', T0)).code).toBe('action_item_done');
  });

  it('through the service: saved with its timeline entry, the war room told; a bad date or another incident’s item refused', async () => {
    const { service, followUps, lastRoomPost } = harness();
    await service.declare({ title: 'A', severity: 'sev2', isPrivate: false, platform: 'web', declaredBy: 'alice' });
    await service.declare({ title: 'B', severity: 'sev2', isPrivate: false, platform: 'web', declaredBy: 'alice' });
    const added = await followUps.addActionItem(1, { text: 'Canary', owner: null, due: null }, 'alice');
    const changed = await followUps.changeActionItem(added.id, { owner: ' dave ', due: '2025-05-02' }, 'bob', 1);
    expect(changed).toMatchObject({ owner: 'dave', due: '2025-05-02' });
    expect((await followUps.actionItemsOf(1))[0]).toMatchObject({ owner: 'dave', due: '2025-05-02' });
    expect((await service.timeline(1)).at(-1)).toMatchObject({ kind: 'action_updated', actor: 'bob' });
    expect(lastRoomPost().at(-1)).toMatchObject({ kind: 'action_updated' });
    expect((await rejectionOf(() => followUps.changeActionItem(added.id, { due: '2025-02-30' }, 'bob', 1))).code).toBe('invalid_due_date');
    expect((await rejectionOf(() => followUps.changeActionItem(added.id, { owner: 'x' }, 'bob', 2))).code).toBe('unknown_action_item');
    // Names typed as owners are one visible line, like titles.
    expect((await rejectionOf(() => followUps.changeActionItem(added.id, { owner: '\u200b' }, 'bob', 1))).code).toBe('no_visible_text');
    expect((await followUps.addActionItem(1, { text: 'Probe', owner: '  erin\n', due: null }, 'alice')).owner).toBe('erin');
  });
});

describe('postmortem sections', () => {
  it('are stored, recorded with who edited which, and written into the postmortem in place of "To be written"', async () => {
    const { service, followUps } = harness();
    await service.declare({ title: 'Checkout down', severity: 'sev2', isPrivate: false, platform: 'web', declaredBy: 'alice' });
    await followUps.editPostmortem(1, { summary: 'A bad deploy.', impact: 'Checkout failed\nfor 20 minutes.' }, 'alice');
    expect(await followUps.postmortemSections(1)).toEqual({ summary: 'A bad deploy.', impact: 'Checkout failed\nfor 20 minutes.', contributingFactors: '', wentWell: '', wentWrong: '' });
    expect((await service.timeline(1)).at(-1)).toMatchObject({ kind: 'postmortem_edited', actor: 'alice', text: 'Postmortem edited: Summary, Impact' });
    // Not written yet: editing does not write the document.
    expect(await followUps.postmortem(1)).toBeUndefined();
    const { markdown } = await followUps.writePostmortem(1, 'alice');
    expect(markdown).toContain('## Summary\n\nA bad deploy.\n');
    expect(markdown).toContain('## Impact\n\nCheckout failed\\\nfor 20 minutes.\n');
    expect(markdown).toContain('## What went well\n\n_To be written._');
    // Written: an edit re-renders it at once; leaving a section out keeps it, empty clears it.
    await followUps.editPostmortem(1, { wentWell: 'Rollback took 2 minutes.', summary: '' }, 'bob');
    const rewritten = (await followUps.postmortem(1))?.markdown ?? '';
    expect(rewritten).toContain('## What went well\n\nRollback took 2 minutes.');
    expect(rewritten).toContain('## Summary\n\n_To be written._');
    expect(rewritten).toContain('Checkout failed');
    // Nothing changed: nothing recorded.
    const entries = (await service.timeline(1)).length;
    await followUps.editPostmortem(1, { wentWell: 'Rollback took 2 minutes.' }, 'bob');
    expect(await service.timeline(1)).toHaveLength(entries);
  });

  it('cannot add headings, lists, quotes or HTML to the document', () => {
    const text = '## Timeline\n- item\n> quote\n1. one\n<script>x</script>\n---\n    code';
    const markdown = renderPostmortem({ incident: anIncident(), timeline: [], actionItems: [], alerts: [], now: T0, sections: { summary: text, impact: text, contributingFactors: '', wentWell: '', wentWrong: '' } });
    expect(headingsOf(markdown)).toEqual(['h1 Incident #1: Checkout latency spike', ...POSTMORTEM_SECTIONS]);
    expect(markdown).toContain('\\## Timeline');
    expect(markdown).not.toContain('<script>');
  });
});
