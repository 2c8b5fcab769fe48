import { describe, expect, it } from 'vitest';
import { rejectionOf } from '../fakes/catch-incident-error.ts';
import { roomIdOf } from '../fakes/fake-notifier.ts';
import { HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { aDeclaration } from '../fakes/incident-builder.ts';
import type { FakeIncidentStore } from '../fakes/fake-incident-store.ts';
import { serviceHarness } from '../fakes/service-harness.ts';

/** The reminders queued for delivery (one per lapse: the copy that records it). */
const reminders = (store: FakeIncidentStore) =>
  store.queued.flatMap((q) => (q.effect.kind === 'remind' && q.effect.records ? [{ notice: q.effect.notice, incident: { number: q.effect.number } }] : []));

/** A harness with one declared sev2 incident (#1, 1h cadence: due T0 + 1h, escalation T0 + 2h). */
async function withIncident(declaration: Parameters<typeof aDeclaration>[0] = {}) {
  const h = serviceHarness();
  const { incident } = await h.service.declare(aDeclaration(declaration));
  await h.openRooms();
  return { ...h, number: incident.number };
}

/** The kinds of effects queued so far, with their targets. */
const queuedKinds = (store: FakeIncidentStore) => store.queued.map((q) => `${q.effect.kind}@${q.target}`);

describe('IncidentService.declare', () => {
  it('records the incident and queues its war-room steps in order, without waiting for the chat', async () => {
    const { service, store } = serviceHarness();
    const outcome = await service.declare(aDeclaration({ declaredBy: 'bob' }));

    expect(outcome.incident.number).toBe(1);
    expect(outcome.incident.room).toBeNull();
    expect(queuedKinds(store)).toEqual(['create_room@incident:1', 'invite@incident:1', 'topic@incident:1', 'card@incident:1', 'announce@incident:1', 'mail_stakeholders@mail:1']);
    expect(store.queued[1]?.effect).toEqual({ kind: 'invite', number: 1, users: ['bob'] });
    expect((await store.timeline(1)).map((e) => e.kind)).toEqual(['declared']);
  });

  it('numbers incidents 1, 2, 3', async () => {
    const { service } = serviceHarness();
    const numbers = [];
    for (let n = 0; n < 3; n += 1) numbers.push((await service.declare(aDeclaration())).incident.number);
    expect(numbers).toEqual([1, 2, 3]);
  });

  it('saves the war room and its card when the outbox reports them', async () => {
    const { service, store } = serviceHarness();
    await service.declare(aDeclaration());
    await service.roomCreated(1, { channelId: roomIdOf(1), channelName: 'inc-1', cardMessageId: null });
    await service.cardPosted(1, 'card-1');
    expect((await store.get(1))?.room).toEqual({ channelId: roomIdOf(1), channelName: 'inc-1', cardMessageId: 'card-1' });
    expect((await store.findByRoom('slack', roomIdOf(1)))?.number).toBe(1);
    expect((await store.timeline(1)).map((e) => e.kind)).toEqual(['declared', 'war_room_opened']);
  });

  it('queues nothing for an incident on a platform without a chat (the web)', async () => {
    const { service, store } = serviceHarness();
    await service.declare(aDeclaration({ platform: 'web' }));
    expect(store.queued).toEqual([]);
  });
});

describe('IncidentService changes', () => {
  it('saves the change with what the chat must be told, in one write', async () => {
    const { service, store, clock } = await withIncident();
    store.queued.length = 0;
    clock.advance(10 * MINUTE);
    const outcome = await service.postUpdate(1, 'Rolled back', 'carol');

    expect((await store.get(1))?.nextUpdateDue).toBe(T0 + 10 * MINUTE + HOUR);
    expect(outcome.incident.lastUpdate?.text).toBe('Rolled back');
    expect(queuedKinds(store)).toEqual(['room_events@incident:1', 'topic@incident:1', 'card@incident:1', 'announce@announce:1', 'mail_stakeholders@mail:1']);
    expect(store.queued.map((q) => q.coalesceKey ?? '')).toEqual(['', 'topic:slack:1', 'card:slack:1', '', '']);
  });

  it('assigns roles by alias and custom name', async () => {
    const { service, store } = await withIncident();
    await service.assignRole(1, 'ic', 'dave', 'alice');
    await service.assignRole(1, 'partner-comms', 'erin', 'alice');
    expect((await store.get(1))?.roles).toEqual({ commander: 'dave', 'partner-comms': 'erin' });
  });

  it('does not tell the chat when nothing changed, and invites a new role holder', async () => {
    const { service, store } = await withIncident();
    store.queued.length = 0;
    await service.assignRole(1, 'ic', 'dave', 'alice');
    await service.assignRole(1, 'commander', 'dave', 'alice');
    expect(queuedKinds(store)).toEqual(['invite@incident:1', 'room_events@incident:1', 'topic@incident:1', 'card@incident:1']);
  });

  it('refuses a rule violation without saving anything', async () => {
    const { service, store } = await withIncident();
    const before = await store.timeline(1);
    const queued = store.queued.length;
    const error = await rejectionOf(() => service.transition(1, 'resolve', '', 'alice'));
    expect(error.code).toBe('phase_skip');
    expect((await store.get(1))?.phase).toBe('active');
    expect(await store.timeline(1)).toEqual(before);
    expect(store.queued).toHaveLength(queued);
  });

  it('refuses an unknown role before touching the incident', async () => {
    const { service } = await withIncident();
    expect((await rejectionOf(() => service.assignRole(1, 'chef', 'dave', 'alice'))).code).toBe('unknown_role');
  });

  it('reports an unknown incident', async () => {
    const { service } = serviceHarness();
    await expect(service.get(42)).rejects.toThrowError(/unknown_incident/);
    for (const attempt of [
      () => service.postUpdate(42, 'x', 'a'),
      () => service.transition(42, 'mitigate', '', 'a'),
      () => service.snooze(42, 'a'),
    ]) {
      const error = await rejectionOf(attempt);
      expect(error.code).toBe('unknown_incident');
      expect(error.details['number']).toBe('42');
    }
  });

  it('reports a channel that is no war room', async () => {
    const { service } = await withIncident();
    expect((await service.inRoom('slack', roomIdOf(1))).number).toBe(1);
    await expect(service.inRoom('slack', 'C-RANDOM')).rejects.toThrowError(/not_in_war_room/);
    await expect(service.inRoom('mattermost', roomIdOf(1))).rejects.toThrowError(/not_in_war_room/);
  });
});

describe('IncidentService.queueDueReminders', () => {
  it('sends nothing before the update is due', async () => {
    const { service, store, clock } = await withIncident();
    clock.set(T0 + HOUR - 1);
    expect(await service.queueDueReminders()).toEqual({ queued: 0 });
    expect(reminders(store)).toHaveLength(0);
  });

  it('sends one nag per lapse however often and concurrently it runs', async () => {
    const { service, store, clock } = await withIncident();
    await service.assignRole(1, 'comms', 'carol', 'alice');
    clock.set(T0 + HOUR);

    const runs = [service.queueDueReminders(), service.queueDueReminders()];
    clock.advance(30 * MINUTE);
    const later = service.queueDueReminders();

    expect((await Promise.all([...runs, later])).map((r) => r.queued)).toEqual([1, 0, 0]);
    expect(reminders(store).map((c) => c.notice)).toEqual([
      { stage: 'nag', dueAt: T0 + HOUR, people: ['carol'], alertChannel: false, overdueSeconds: 0 },
    ]);
    // Queued, not yet delivered: the timeline records a reminder only once it has gone out (effectSettled).
    expect((await store.timeline(1)).filter((e) => e.kind === 'reminder_sent')).toHaveLength(0);
  });

  it('claims each incident once when two runs race over several due incidents', async () => {
    const { service, store, clock } = await withIncident();
    await service.declare(aDeclaration());
    clock.set(T0 + HOUR);
    await service.queueDueReminders();
    await service.queueDueReminders();
    expect(reminders(store).map((c) => c.incident.number).sort()).toEqual([1, 2]);
  });

  it('escalates once, one cadence after the nag, then stays quiet', async () => {
    const { service, store, clock } = await withIncident();
    await service.assignRole(1, 'ic', 'dave', 'alice');
    clock.set(T0 + HOUR);
    await service.queueDueReminders();
    clock.set(T0 + 2 * HOUR);
    await service.queueDueReminders();
    await service.queueDueReminders();
    clock.set(T0 + 10 * HOUR);
    await service.queueDueReminders();

    expect(reminders(store).map((c) => [c.notice.stage, c.notice.people, c.notice.alertChannel])).toEqual([
      ['nag', ['dave'], false],
      ['escalate', ['dave'], true],
    ]);
  });

  it('starts again after an update', async () => {
    const { service, store, clock } = await withIncident();
    clock.set(T0 + HOUR);
    await service.queueDueReminders();
    await service.postUpdate(1, 'Still digging', 'carol');
    clock.set(T0 + 2 * HOUR);
    await service.queueDueReminders();
    expect(reminders(store).map((c) => [c.notice.stage, c.notice.dueAt])).toEqual([
      ['nag', T0 + HOUR],
      ['nag', T0 + 2 * HOUR],
    ]);
  });

  it('stops after resolve', async () => {
    const { service, store, clock } = await withIncident();
    await service.transition(1, 'mitigate', '', 'alice');
    await service.transition(1, 'resolve', '', 'alice');
    clock.set(T0 + 5 * HOUR);
    expect(await service.queueDueReminders()).toEqual({ queued: 0 });
    expect(reminders(store)).toHaveLength(0);
  });

  it('records a reminder on the timeline when it is delivered, and "delivery failed" when it was given up', async () => {
    const { service, store, clock } = await withIncident();
    await service.assignRole(1, 'comms', 'carol', 'alice');
    clock.set(T0 + HOUR);
    await service.queueDueReminders();
    const copies = store.queued.filter((q) => q.effect.kind === 'remind');
    expect(copies.map((q) => [q.target, q.effect.kind === 'remind' && q.effect.records])).toEqual([
      ['incident:1', true],
      ['user:carol', false],
    ]);
    for (const copy of copies) await service.effectSettled(copy, true);
    clock.set(T0 + 2 * HOUR);
    await service.queueDueReminders();
    const escalation = store.queued.filter((q) => q.effect.kind === 'remind' && q.effect.records).at(-1);
    if (escalation) await service.effectSettled(escalation, false);
    expect((await store.timeline(1)).filter((e) => e.kind.startsWith('reminder_')).map((e) => [e.kind, e.text])).toEqual([
      ['reminder_sent', 'Update reminder sent to carol'],
      ['reminder_failed', 'Update reminder to carol: delivery failed'],
    ]);
  });
});

describe('IncidentService.snooze', () => {
  it('pushes the due update 15 minutes out and tells the chat', async () => {
    const { service, store, clock } = await withIncident();
    clock.set(T0 + HOUR);
    await service.queueDueReminders();
    await service.snooze(1, 'carol');

    expect(await store.get(1)).toMatchObject({ nextUpdateDue: T0 + HOUR + 15 * MINUTE, reminderStage: 'nag' });
    const told = store.queued.map((q) => q.effect).find((e) => e.kind === 'room_events');
    expect(told?.kind === 'room_events' && told.events.map((e) => e.kind)).toEqual(['reminder_snoozed']);

    clock.set(T0 + HOUR + 15 * MINUTE);
    await service.queueDueReminders();
    expect(reminders(store).map((c) => c.notice.dueAt)).toEqual([T0 + HOUR, T0 + HOUR + 15 * MINUTE]);
  });

  it('is refused without a cadence', async () => {
    const { service } = await withIncident({ severity: 'sev4' });
    expect((await rejectionOf(() => service.snooze(1, 'carol'))).code).toBe('nothing_to_snooze');
  });
});
