import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FixtureName } from '../fakes/alert-fixtures.ts';
import { CAPTURE_NOW, fixturePayload, rawAlert, rawPayload, validPayload, WEB1, WEB2 } from '../fakes/alert-fixtures.ts';
import { type AlertHarness, alertHarness } from '../fakes/alert-harness.ts';
import { catchIncidentError, rejectionOf } from '../fakes/catch-incident-error.ts';
import { roomIdOf } from '../fakes/fake-notifier.ts';
import { HOUR, MINUTE } from '../fakes/fixed-clock.ts';

let h: AlertHarness;

beforeEach(() => {
  h = alertHarness();
});

afterEach(() => {
  h.close();
});

const ingest = (name: FixtureName) => h.alerts.ingest(fixturePayload(name));
/** The HighErrorRate group's id after its first delivery. */
const firingGroupId = async (): Promise<number> => (await ingest('alertmanager-group-2-firing')).group.id;

/** Takes incident `number` through mitigated and resolved to closed. */
async function closeIncident(number: number): Promise<void> {
  for (const action of ['mitigate', 'resolve', 'close'] as const) await h.incidents.service.transition(number, action, '', 'alice');
}

/** web-1 firing again after it resolved: same fingerprint, new start. */
const web1FiresAgain = () => validPayload(rawPayload([rawAlert(1, { fingerprint: WEB1, startsAt: '2026-11-22T17:30:00Z' })]));

async function declaredGroup(): Promise<number> {
  const id = await firingGroupId();
  await h.alerts.declareIncident(id, 'alice', 'slack');
  await h.settle();
  // The outbox creates the war room after the declaration; here it is recorded as created.
  await h.incidents.openRooms();
  return id;
}

describe('ingest', () => {
  it('stores the delivery and brings the card up to date', async () => {
    const result = await ingest('alertmanager-group-2-firing');
    expect(result).toMatchObject({ duplicate: false, group: { firingCount: 2 } });
    await h.settle();
    expect(h.chat.callsTo('showCard')).toEqual([expect.objectContaining({ card: null })]);
    expect(h.chat.callsTo('showCard')[0]?.view.firingAlerts.map((a) => a.fingerprint)).toEqual([WEB1, WEB2]);
  });

  it('does nothing more for the same delivery sent again', async () => {
    await ingest('alertmanager-group-2-firing');
    await h.settle();
    expect((await ingest('alertmanager-group-2-firing')).duplicate).toBe(true);
    expect(h.work).toEqual([]);
    await h.settle();
    expect(h.chat.calls).toHaveLength(1);
  });

  it('updates the same card for later deliveries', async () => {
    await ingest('alertmanager-group-2-firing');
    await h.settle();
    await ingest('alertmanager-group-mixed-1resolved-1firing');
    await h.settle();
    const [post, update] = h.chat.callsTo('showCard');
    expect(post?.card).toBeNull();
    expect(update?.card).toMatchObject({ messageId: 'M-CARD-1' });
    expect(update?.view.resolvedAlerts.map((a) => a.fingerprint)).toEqual([WEB1]);
  });
});

describe('acknowledge', () => {
  it('records who and when, and updates the card', async () => {
    const id = await firingGroupId();
    await h.settle();
    h.clock.advance(3 * MINUTE);
    expect((await h.alerts.acknowledge(id, 'alice')).acknowledged).toEqual({ by: 'alice', at: CAPTURE_NOW + 3 * MINUTE });
    await h.settle();
    expect(h.chat.callsTo('showCard').at(-1)?.view.group.acknowledged).toEqual({ by: 'alice', at: CAPTURE_NOW + 3 * MINUTE });
  });

  it('refuses a second acknowledgement, naming who acknowledged', async () => {
    const id = await firingGroupId();
    await h.alerts.acknowledge(id, 'alice');
    const error = await catchIncidentError(() => h.alerts.acknowledge(id, 'bob'));
    expect([error.code, error.details['by']]).toEqual(['already_acknowledged', 'alice']);
    expect((await h.store.group(id))?.acknowledged?.by).toBe('alice');
  });

  it('refuses an unknown group', async () => {
    expect((await catchIncidentError(() => h.alerts.acknowledge(42, 'alice'))).code).toBe('unknown_alert_group');
  });
});

describe('notActionable', () => {
  it('records who marked it, and counts as the acknowledgement when there was none', async () => {
    const id = await firingGroupId();
    h.clock.advance(MINUTE);
    const group = await h.alerts.notActionable(id, 'bob');
    expect(group.notActionable).toEqual({ by: 'bob', at: CAPTURE_NOW + MINUTE });
    expect(group.acknowledged).toEqual({ by: 'bob', at: CAPTURE_NOW + MINUTE });
  });

  it('keeps an earlier acknowledgement', async () => {
    const id = await firingGroupId();
    await h.alerts.acknowledge(id, 'alice');
    h.clock.advance(MINUTE);
    expect((await h.alerts.notActionable(id, 'bob')).acknowledged).toEqual({ by: 'alice', at: CAPTURE_NOW });
  });
});

describe('declareIncident', () => {
  it('declares an incident titled and graded from the alerts, and links the group', async () => {
    const id = await firingGroupId();
    const { incident } = await h.alerts.declareIncident(id, 'alice', 'slack');
    expect(incident).toMatchObject({ number: 1, title: 'HighErrorRate: Checkout 5xx > 5%', severity: 'sev1', declaredBy: 'alice', platform: 'slack' });
    expect(await h.store.group(id)).toMatchObject({ incidentNumber: 1, acknowledged: { by: 'alice', at: CAPTURE_NOW } });
    expect((await h.incidents.service.timeline(1)).map((e) => e.kind)).toContain('alert_linked');
  });

  it('maps severity with the configured map', async () => {
    h.close();
    h = alertHarness({ severityMap: { critical: 'sev2' } });
    const { incident } = await h.alerts.declareIncident(await firingGroupId(), 'alice', 'slack');
    expect(incident.severity).toBe('sev2');
  });

  it('tells the war room about the group once the outbox has created the room', async () => {
    await declaredGroup();
    // The room did not exist yet when the group was linked: the note waits behind the room's creation in the
    // incident's queue, and the link is on its timeline lines too.
    const linked = h.chat.callsTo('groupLinked');
    expect(linked).toHaveLength(1);
    expect(linked[0]?.incident.room?.channelId).toBe(roomIdOf(1));
    const rows = h.db.$client.prepare("SELECT target, payload FROM outbox WHERE kind = 'room_events' ORDER BY id").all() as { target: string; payload: string }[];
    expect(rows.map((r) => [r.target, (JSON.parse(r.payload) as { events: { kind: string }[] }).events.map((e) => e.kind)])).toContainEqual(['incident:1', ['alert_linked']]);
  });

  it('shows the incident on the card', async () => {
    await declaredGroup();
    expect(h.chat.callsTo('showCard').at(-1)?.view.group.incidentNumber).toBe(1);
  });

  it('refuses a second declaration for a linked group', async () => {
    const id = await declaredGroup();
    const error = await rejectionOf(() => h.alerts.declareIncident(id, 'bob', 'slack'));
    expect([error.code, error.details['number']]).toEqual(['already_linked', '1']);
    expect(await h.incidents.service.listOpen()).toHaveLength(1);
  });

  it('declares one incident when two people click Declare at the same time', async () => {
    const id = await firingGroupId();
    const results = await Promise.allSettled([h.alerts.declareIncident(id, 'alice', 'slack'), h.alerts.declareIncident(id, 'bob', 'slack')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await h.incidents.service.listOpen()).toHaveLength(1);
  });

  // A group firing again after its incident closed is a new episode, not the old incident.
  it('declares a new incident for a group that fires again after its incident closed', async () => {
    const id = await declaredGroup();
    await ingest('alertmanager-group-mixed-1resolved-1firing');
    await ingest('alertmanager-group-final-resolved');
    await closeIncident(1);
    await h.alerts.ingest(web1FiresAgain());
    const { incident } = await h.alerts.declareIncident(id, 'bob', 'slack');
    expect(incident.number).toBe(2);
  });

  it('refuses an unknown group', async () => {
    expect((await rejectionOf(() => h.alerts.declareIncident(42, 'alice', 'slack'))).code).toBe('unknown_alert_group');
  });
});

describe('a group linked to an incident', () => {
  it('tells the war room about alerts that start firing, and only about those', async () => {
    await declaredGroup();
    await ingest('alertmanager-group-mixed-1resolved-1firing');
    await h.settle();
    expect(h.chat.callsTo('alertsFiring')).toEqual([]);
    const refired = web1FiresAgain();
    await h.alerts.ingest({ ...refired, alerts: [...refired.alerts, ...validPayload(rawPayload([rawAlert(3)])).alerts] });
    await h.settle();
    const firing = h.chat.callsTo('alertsFiring');
    expect(firing).toHaveLength(1);
    expect(firing[0]?.alerts.map((a) => a.fingerprint)).toEqual([WEB1, rawAlert(3).fingerprint]);
    expect(firing[0]?.incident.number).toBe(1);
  });

  it('tells the war room once when every alert has resolved', async () => {
    await declaredGroup();
    await ingest('alertmanager-group-mixed-1resolved-1firing');
    await ingest('alertmanager-group-final-resolved');
    await ingest('alertmanager-group-final-resolved');
    await h.settle();
    const resolved = h.chat.callsTo('alertsResolved');
    expect(resolved).toHaveLength(1);
    expect(resolved[0]?.view.firing).toBe(0);
    expect(resolved[0]?.incident.phase).toBe('active');
  });

  it('retries a failed war-room note from the outbox until the chat takes it, without failing the delivery', async () => {
    await declaredGroup();
    h.chat.failOn('alertsResolved', new Error('slack is down'));
    await ingest('alertmanager-group-mixed-1resolved-1firing');
    expect((await ingest('alertmanager-group-final-resolved')).becameResolved).toBe(true);
    await h.settle();
    expect(h.errors).toEqual([{ what: 'alert_note retried', error: 'slack is down' }]);
    h.chat.recover('alertsResolved');
    h.clock.advance(MINUTE);
    await h.settle();
    expect(h.chat.callsTo('alertsResolved')).toHaveLength(2);
    // Left: only the declaration's stakeholder e-mail row, for the e-mail courier (test/email), not run here.
    expect((await h.outbox.backlog()).pending).toEqual({ incident: 1, reply: 0, alert: 0, webhook: 0, github: 0 });
  });

  it('an unlinked group tells no war room', async () => {
    await firingGroupId();
    await ingest('alertmanager-group-mixed-1resolved-1firing');
    await ingest('alertmanager-group-final-resolved');
    await h.settle();
    expect([h.chat.callsTo('alertsFiring'), h.chat.callsTo('alertsResolved')]).toEqual([[], []]);
  });
});

describe('silence', () => {
  it('creates a real silence for the group labels, for 1 hour, and keeps its id', async () => {
    const id = await firingGroupId();
    const group = await h.alerts.silence(id, 1, 'U-ALICE', 'alice');
    expect(h.silences.created).toEqual([
      {
        matchers: [
          { name: 'alertname', value: 'HighErrorRate', isRegex: false, isEqual: true },
          { name: 'service', value: 'checkout', isRegex: false, isEqual: true },
        ],
        startsAt: CAPTURE_NOW,
        endsAt: CAPTURE_NOW + HOUR,
        createdBy: expect.stringContaining('alice'),
        comment: expect.stringContaining('alice'),
      },
    ]);
    expect(group.silence).toEqual({ id: 'silence-1', until: CAPTURE_NOW + HOUR, by: 'U-ALICE' });
    expect((await h.store.group(id))?.silence).toEqual(group.silence);
  });

  it('lasts 4 hours when asked', async () => {
    const group = await h.alerts.silence(await firingGroupId(), 4, 'U-ALICE', 'alice');
    expect(group.silence?.until).toBe(CAPTURE_NOW + 4 * HOUR);
    expect(h.silences.created[0]?.endsAt).toBe(CAPTURE_NOW + 4 * HOUR);
  });

  it('refuses a second silence while one is active, and allows one after it ended', async () => {
    const id = await firingGroupId();
    await h.alerts.silence(id, 1, 'U-ALICE', 'alice');
    h.clock.advance(HOUR - 1);
    const error = await rejectionOf(() => h.alerts.silence(id, 4, 'U-BOB', 'bob'));
    expect([error.code, error.details['id']]).toEqual(['already_silenced', 'silence-1']);
    h.clock.advance(1);
    expect((await h.alerts.silence(id, 1, 'U-BOB', 'bob')).silence?.id).toBe('silence-2');
  });

  it('creates one silence when two people click Silence at the same time', async () => {
    const id = await firingGroupId();
    await Promise.allSettled([h.alerts.silence(id, 1, 'U-ALICE', 'alice'), h.alerts.silence(id, 1, 'U-BOB', 'bob')]);
    expect(h.silences.created).toHaveLength(1);
  });

  it('turns an Alertmanager failure into silence_failed, recording nothing', async () => {
    const id = await firingGroupId();
    h.silences.createFailure = new Error('Alertmanager answered 500: boom');
    const error = await rejectionOf(() => h.alerts.silence(id, 1, 'U-ALICE', 'alice'));
    expect([error.code, error.details['reason']]).toEqual(['silence_failed', 'Alertmanager answered 500: boom']);
    expect((await h.store.group(id))?.silence).toBeNull();
  });

  it('is unavailable without Alertmanager’s URL', async () => {
    h.close();
    h = alertHarness({ silences: false });
    const error = await rejectionOf(async () => h.alerts.silence(await firingGroupId(), 1, 'U-ALICE', 'alice'));
    expect(error.code).toBe('silences_unavailable');
  });
});

describe('when an incident closes', () => {
  it('expires the active silences of its groups, and only those', async () => {
    const linked = await declaredGroup();
    await h.alerts.silence(linked, 1, 'U-ALICE', 'alice');
    const other = (await ingest('alertmanager-firing')).group.id;
    await h.alerts.silence(other, 1, 'U-ALICE', 'alice');
    h.clock.advance(10 * MINUTE);
    await closeIncident(1);
    expect(h.silences.expired).toEqual(['silence-1']);
    expect((await h.store.group(linked))?.silence?.until).toBe(CAPTURE_NOW + 10 * MINUTE);
    expect((await h.store.group(other))?.silence?.until).toBe(CAPTURE_NOW + HOUR);
  });

  it('leaves a silence that already ended alone', async () => {
    const linked = await declaredGroup();
    await h.alerts.silence(linked, 1, 'U-ALICE', 'alice');
    h.clock.advance(2 * HOUR);
    await closeIncident(1);
    expect(h.silences.expired).toEqual([]);
  });
});

describe('attachToIncident', () => {
  it('links the group to an open incident as Declare does: acknowledged, on the timeline, war room told, new alerts fed', async () => {
    const { incident } = await h.incidents.service.declare({ title: 'Checkout slow', severity: 'sev2', isPrivate: false, platform: 'slack', declaredBy: 'carol' });
    const id = await firingGroupId();
    const outcome = await h.alerts.attachToIncident(id, incident.number, 'bob');
    expect(outcome.incident.number).toBe(incident.number);
    expect(await h.store.group(id)).toMatchObject({ incidentNumber: incident.number, acknowledged: { by: 'bob', at: CAPTURE_NOW } });
    expect((await h.incidents.service.timeline(incident.number)).at(-1)).toMatchObject({ kind: 'alert_linked', actor: 'bob' });
    expect((await h.alerts.linkedTo(incident.number)).map((v) => v.group.id)).toEqual([id]);
    expect(await h.incidents.service.listOpen()).toHaveLength(1);
  });

  it('refuses a group already linked, and a closed incident', async () => {
    const id = await declaredGroup();
    const { incident } = await h.incidents.service.declare({ title: 'Other', severity: 'sev3', isPrivate: false, platform: 'slack', declaredBy: 'carol' });
    expect((await rejectionOf(() => h.alerts.attachToIncident(id, incident.number, 'bob'))).details).toEqual({ number: '1' });
    await closeIncident(incident.number);
    const other = (await ingest('alertmanager-firing')).group.id;
    expect((await rejectionOf(() => h.alerts.attachToIncident(other, incident.number, 'bob'))).code).toBe('incident_closed');
    expect((await rejectionOf(() => h.alerts.attachToIncident(other, 99, 'bob'))).code).toBe('unknown_incident');
    expect((await h.store.group(other))?.incidentNumber).toBeNull();
  });

  it('an incident opening or closing re-renders the cards offering it: unlinked groups still firing, not linked or resolved ones', async () => {
    const linked = await declaredGroup();
    await ingest('alertmanager-firing');
    const resolved = (await ingest('alertmanager-resolved')).group.id;
    const unlinked = (await h.alerts.ingest(validPayload(rawPayload([rawAlert(7)], { groupKey: '{}:{alertname="Other"}' })))).group.id;
    await h.settle();
    const versions = async () => Promise.all([linked, resolved, unlinked].map(async (id) => (await h.store.group(id))?.version ?? 0));
    const [linkedV = 0, resolvedV = 0, unlinkedV = 0] = await versions();
    const shownFor = (id: number) => h.chat.callsTo('showCard').filter((c) => c.view.group.id === id).length;
    const shown = shownFor(unlinked);

    const { incident } = await h.incidents.service.declare({ title: 'Other', severity: 'sev3', isPrivate: false, platform: 'slack', declaredBy: 'carol' });
    // Not inside the declare: its 50 group updates held the event loop while every other command waited.
    expect(await versions()).toEqual([linkedV, resolvedV, unlinkedV]);
    await h.settle();
    expect(await versions()).toEqual([linkedV, resolvedV, unlinkedV + 1]);
    expect(shownFor(unlinked)).toBe(shown + 1);
    await closeIncident(incident.number);
    await h.settle();
    expect(await versions()).toEqual([linkedV, resolvedV, unlinkedV + 2]);
    expect(shownFor(unlinked)).toBe(shown + 2);

    // A web incident is in no chat's menu: no card changes.
    await h.incidents.service.declare({ title: 'Web only', severity: 'sev3', isPrivate: false, platform: 'web', declaredBy: 'web:carol' });
    await h.settle();
    expect(await versions()).toEqual([linkedV, resolvedV, unlinkedV + 2]);
  });

  it('leaves a card not posted yet alone: it shows the open incidents when it goes', async () => {
    // Slack refuses the first post, so the card waits in the outbox (as cards paced behind a storm's others do).
    h.chat.failOn('showCard', new Error('slack is down'));
    const waiting = (await h.alerts.ingest(validPayload(rawPayload([rawAlert(8)], { groupKey: '{}:{alertname="Waiting"}' })))).group.id;
    await h.settle();
    const before = (await h.store.group(waiting))?.version;
    await h.incidents.service.declare({ title: 'Other', severity: 'sev3', isPrivate: false, platform: 'slack', declaredBy: 'carol' });
    await h.settle();
    expect((await h.store.group(waiting))?.version).toBe(before);
  });
});
