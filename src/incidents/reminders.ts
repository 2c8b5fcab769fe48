/**
 * The update cadence and its reminders (SPEC §4), as pure functions over the incident row.
 * The due time lives on the incident, so reminders survive restarts and are computed from the database.
 * One lapse gets one nag; if still ignored after a further interval, one escalation; then silence
 * until the next update or snooze starts a new lapse.
 */
import { SNOOZE_SECONDS } from './cadence.ts';
import { IncidentError } from './errors.ts';
import { commanderOf, commsOf, type Incident, type ReminderStage, type UserId } from './incident.ts';
import { needsUpdates } from './phases.ts';
import { event, SYSTEM_ACTOR, type TimelineEvent } from './timeline.ts';

/** No further reminders: resolved/closed incidents, or the cadence is off. */
export function stopReminders(incident: Incident): Incident {
  return { ...incident, nextUpdateDue: null, reminderAt: null, reminderStage: null };
}

/** Starts a new lapse: the next update is due one cadence from `now`. */
export function rescheduleAfterUpdate(incident: Incident, now: number): Incident {
  if (incident.cadence === null || !needsUpdates(incident.phase)) return stopReminders(incident);
  const due = now + incident.cadence * 1000;
  return { ...incident, nextUpdateDue: due, reminderAt: due, reminderStage: 'nag' };
}

/** Who a reminder goes to: the comms lead, else the commander, else only the channel. */
export interface ReminderNotice {
  stage: ReminderStage;
  /** The due time this reminder is for (the claim key together with the stage). */
  dueAt: number;
  /** People to mention in the war room and message directly. */
  people: UserId[];
  /** Whether the whole war room is alerted. */
  alertChannel: boolean;
  /** How long the update has been overdue, in seconds. */
  overdueSeconds: number;
}

export interface ClaimedReminder {
  incident: Incident;
  /** Empty: the timeline records a reminder when it is delivered (reminderDelivered), not when it is claimed. */
  events: TimelineEvent[];
  notice: ReminderNotice;
  reminderClaim: { dueAt: number; stage: ReminderStage; at: number };
}

/**
 * The reminder due for `incident` at `now`, claimed: the incident moves to its next reminder stage so that
 * no other tick or replica sends it again. Undefined when nothing is due.
 */
export function claimDueReminder(incident: Incident, now: number): ClaimedReminder | undefined {
  const { reminderAt, reminderStage, nextUpdateDue, cadence } = incident;
  if (reminderAt === null || reminderStage === null || nextUpdateDue === null || reminderAt > now) return undefined;
  if (!needsUpdates(incident.phase) || cadence === null) return undefined;
  const overdueSeconds = Math.max(0, Math.round((now - nextUpdateDue) / 1000));
  const comms = commsOf(incident);
  const ic = commanderOf(incident);
  const reminderClaim = { dueAt: reminderAt, stage: reminderStage, at: now };
  if (reminderStage === 'nag') {
    const people = comms ? [comms] : ic ? [ic] : [];
    return {
      // A further interval after the nag itself (which may be late, e.g. right after a restart).
      incident: { ...incident, reminderAt: Math.max(nextUpdateDue, now) + cadence * 1000, reminderStage: 'escalate' },
      events: [],
      notice: { stage: 'nag', dueAt: reminderAt, people, alertChannel: people.length === 0, overdueSeconds },
      reminderClaim,
    };
  }
  const people = [...new Set([ic, comms].filter((u): u is UserId => u !== undefined))];
  return {
    incident: { ...incident, reminderAt: null, reminderStage: null },
    events: [],
    notice: { stage: 'escalate', dueAt: reminderAt, people: ic ? [ic] : people, alertChannel: true, overdueSeconds },
    reminderClaim,
  };
}

/** Who a reminder's timeline entry names: the first person, else the channel. */
const targetOf = (notice: ReminderNotice): string => notice.people[0] ?? 'channel';

/** The timeline entry once a reminder has actually been delivered. */
export function reminderDelivered(notice: ReminderNotice, now: number): TimelineEvent {
  const data = { stage: notice.stage, dueAt: notice.dueAt, target: targetOf(notice) };
  return notice.stage === 'nag'
    ? event('reminder_sent', now, SYSTEM_ACTOR, `Update reminder sent to ${data.target}`, data)
    : event('reminder_escalated', now, SYSTEM_ACTOR, 'Update still overdue: escalated to the commander and the channel', data);
}

/** The timeline entry when a reminder could not be delivered before sitroom gave up on it. */
export function reminderNotDelivered(notice: ReminderNotice, now: number): TimelineEvent {
  return event('reminder_failed', now, SYSTEM_ACTOR, `Update reminder to ${targetOf(notice)}: delivery failed`, {
    stage: notice.stage,
    dueAt: notice.dueAt,
    target: targetOf(notice),
  });
}

/** "Snooze 15m": the update is due 15 minutes from now, and a fresh lapse starts then. */
export function snooze(incident: Incident, actor: UserId, now: number): { incident: Incident; events: TimelineEvent[] } {
  if (!needsUpdates(incident.phase) || incident.cadence === null || incident.nextUpdateDue === null) {
    throw new IncidentError('nothing_to_snooze');
  }
  const due = now + SNOOZE_SECONDS * 1000;
  return {
    incident: { ...incident, nextUpdateDue: due, reminderAt: due, reminderStage: 'nag' },
    events: [event('reminder_snoozed', now, actor, 'Update reminder snoozed for 15m', { until: due })],
  };
}
