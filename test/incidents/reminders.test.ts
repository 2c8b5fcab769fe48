import { describe, expect, it } from 'vitest';
import type { Incident } from '../../src/incidents/incident.ts';
import { postUpdate, setCadence, transition } from '../../src/incidents/incident-rules.ts';
import { claimDueReminder, type ClaimedReminder, rescheduleAfterUpdate, snooze, stopReminders, reminderDelivered, reminderNotDelivered } from '../../src/incidents/reminders.ts';
import { catchIncidentError } from '../fakes/catch-incident-error.ts';
import { HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';

/** A sev2 (1h cadence) incident: its update is due at T0 + 1h, escalation at T0 + 2h. */
const DUE = T0 + HOUR;
const ESCALATION = DUE + HOUR;

function claim(incident: Incident, now: number): ClaimedReminder {
  const claimed = claimDueReminder(incident, now);
  if (!claimed) throw new Error(`expected a reminder at ${new Date(now).toISOString()}`);
  return claimed;
}

describe('rescheduleAfterUpdate and stopReminders', () => {
  it('starts a lapse one cadence from now, or none without a cadence', () => {
    expect(rescheduleAfterUpdate(anIncident(), T0 + MINUTE)).toMatchObject({ nextUpdateDue: T0 + MINUTE + HOUR, reminderAt: T0 + MINUTE + HOUR, reminderStage: 'nag' });
    expect(rescheduleAfterUpdate(anIncident({ cadence: null }), T0)).toMatchObject({ nextUpdateDue: null, reminderAt: null, reminderStage: null });
    expect(stopReminders(anIncident())).toMatchObject({ nextUpdateDue: null, reminderAt: null, reminderStage: null });
  });
});

describe('claimDueReminder', () => {
  it('has nothing before the update is due', () => {
    expect(claimDueReminder(anIncident(), DUE - 1)).toBeUndefined();
  });

  it('nags the comms lead when the update falls due', () => {
    const { notice, events, incident } = claim(anIncident({ roles: { comms: 'carol', commander: 'dave' } }), DUE + 5 * MINUTE);
    expect(notice).toEqual({ stage: 'nag', dueAt: DUE, people: ['carol'], alertChannel: false, overdueSeconds: 300 });
    // The timeline records the reminder once it is delivered, not when it is claimed.
    expect(events).toEqual([]);
    expect(reminderDelivered(notice, DUE + 6 * MINUTE)).toEqual({
      kind: 'reminder_sent',
      at: DUE + 6 * MINUTE,
      actor: 'sitroom',
      text: 'Update reminder sent to carol',
      data: { stage: 'nag', dueAt: DUE, target: 'carol' },
    });
    expect(incident).toMatchObject({ nextUpdateDue: DUE, reminderStage: 'escalate' });
  });

  it('nags the commander when there is no comms lead', () => {
    const { notice } = claim(anIncident({ roles: { commander: 'dave' } }), DUE);
    expect(notice).toMatchObject({ people: ['dave'], alertChannel: false });
  });

  it('nags the channel when nobody holds either role', () => {
    const { notice } = claim(anIncident({ roles: { scribe: 'erin' } }), DUE);
    expect(notice).toMatchObject({ people: [], alertChannel: true });
    expect(reminderDelivered(notice, DUE).data['target']).toBe('channel');
    expect(reminderNotDelivered(notice, DUE)).toMatchObject({ kind: 'reminder_failed', text: 'Update reminder to channel: delivery failed' });
  });

  it('yields nothing for a second claim of the same lapse', () => {
    const nagged = claim(anIncident({ roles: { comms: 'carol' } }), DUE).incident;
    expect(claimDueReminder(nagged, DUE)).toBeUndefined();
    expect(claimDueReminder(nagged, ESCALATION - 1)).toBeUndefined();
  });

  it('escalates to the commander and the channel one cadence after the nag', () => {
    const nagged = claim(anIncident({ roles: { comms: 'carol', commander: 'dave' } }), DUE).incident;
    const { notice, incident } = claim(nagged, ESCALATION);
    expect(notice).toEqual({ stage: 'escalate', dueAt: ESCALATION, people: ['dave'], alertChannel: true, overdueSeconds: 3600 });
    expect(reminderDelivered(notice, ESCALATION)).toMatchObject({ kind: 'reminder_escalated', actor: 'sitroom', data: { stage: 'escalate', dueAt: ESCALATION, target: 'dave' } });
    expect(incident).toMatchObject({ nextUpdateDue: DUE, reminderAt: null, reminderStage: null });
  });

  // A nag sent late (the bot was down) must not be escalated at the very next tick.
  it('escalates one cadence after a nag that was sent late, not at the next tick', () => {
    const nagTime = DUE + 3 * HOUR;
    const nagged = claim(anIncident({ roles: { commander: 'dave' } }), nagTime).incident;
    expect(claimDueReminder(nagged, nagTime + MINUTE)).toBeUndefined();
    expect(claimDueReminder(nagged, nagTime + HOUR - 1)).toBeUndefined();
    expect(claim(nagged, nagTime + HOUR).notice.stage).toBe('escalate');
  });

  it('is silent after the escalation until an update starts a new lapse', () => {
    const nagged = claim(anIncident(), DUE).incident;
    const escalated = claim(nagged, ESCALATION).incident;
    expect(claimDueReminder(escalated, ESCALATION + 10 * HOUR)).toBeUndefined();

    const updated = postUpdate(escalated, 'Still digging', 'carol', ESCALATION + 10 * HOUR).incident;
    expect(claim(updated, ESCALATION + 11 * HOUR).notice).toMatchObject({ stage: 'nag', dueAt: ESCALATION + 11 * HOUR });
  });

  it('has nothing once the cadence is off or the incident resolved', () => {
    const off = setCadence(anIncident(), null, 'alice', T0).incident;
    expect(claimDueReminder(off, DUE + HOUR)).toBeUndefined();
    const mitigated = transition(anIncident(), 'mitigate', '', 'alice', T0).incident;
    const resolved = transition(mitigated, 'resolve', '', 'alice', T0).incident;
    expect(claimDueReminder(resolved, DUE + HOUR)).toBeUndefined();
  });

  it('keeps nagging a mitigated incident', () => {
    const mitigated = transition(anIncident(), 'mitigate', '', 'alice', T0).incident;
    expect(claim(mitigated, DUE).notice.stage).toBe('nag');
  });

  it('ignores a stale due time left on a resolved incident', () => {
    expect(claimDueReminder(anIncident({ phase: 'resolved' }), DUE)).toBeUndefined();
  });
});

describe('snooze', () => {
  it('makes the update due 15 minutes from now and starts a fresh lapse', () => {
    const nagged = claim(anIncident(), DUE).incident;
    const now = DUE + 2 * MINUTE;
    const { incident, events } = snooze(nagged, 'carol', now);
    expect(incident).toMatchObject({ nextUpdateDue: now + 15 * MINUTE, reminderAt: now + 15 * MINUTE, reminderStage: 'nag' });
    expect(events).toEqual([
      { kind: 'reminder_snoozed', at: now, actor: 'carol', text: 'Update reminder snoozed for 15m', data: { until: now + 15 * MINUTE } },
    ]);
    expect(claimDueReminder(incident, now + 15 * MINUTE - 1)).toBeUndefined();
    expect(claim(incident, now + 15 * MINUTE).notice.dueAt).toBe(now + 15 * MINUTE);
  });

  it('is refused when there is no cadence', () => {
    const off = setCadence(anIncident(), null, 'alice', T0).incident;
    expect(catchIncidentError(() => snooze(off, 'carol', T0)).code).toBe('nothing_to_snooze');
  });

  it('is refused once the incident is resolved', () => {
    expect(catchIncidentError(() => snooze(anIncident({ phase: 'resolved' }), 'carol', T0)).code).toBe('nothing_to_snooze');
  });
});
