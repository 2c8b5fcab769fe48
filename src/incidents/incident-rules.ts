/**
 * The rules of an incident as pure functions: (incident, input, now) -> the next incident and the timeline
 * events that explain the change. No I/O here; the service loads, applies, saves and notifies.
 */
import { type Cadence, type CadenceDefaults, formatCadence } from './cadence.ts';
import { IncidentError } from './errors.ts';
import type { QueuedEffect } from './effects.ts';
import type { Incident, Platform, ReminderStage, UserId } from './incident.ts';
import { advance, needsUpdates, type PhaseAction } from './phases.ts';
import { roleLabel, type Role } from './roles.ts';
import { rescheduleAfterUpdate, stopReminders } from './reminders.ts';
import type { Severity } from './severity.ts';
import { event, SYSTEM_ACTOR, type TimelineEvent } from './timeline.ts';
import { hasVisibleText, normaliseUserText, type TextShape } from './user-text.ts';

export interface Change {
  incident: Incident;
  events: TimelineEvent[];
  /** Outward effects the change implies, queued in the same transaction (see effects.ts). */
  effects?: readonly QueuedEffect[];
  /** A reminder lapse this change claims: stored under a unique key, so it is claimed once whatever the replicas. */
  reminderClaim?: { dueAt: number; stage: ReminderStage; at: number };
}

export const MAX_TITLE_LENGTH = 200;
export const MAX_TEXT_LENGTH = 3000;
/** A person's name as typed (an owner, a role holder named on the web). */
export const MAX_PERSON_LENGTH = 100;

/**
 * User text as the record keeps it (see user-text.ts): line breaks normalised, control characters dropped,
 * trimmed; empty is empty_text, nothing visible left (NULs, zero-width spaces…) is no_visible_text.
 */
export function cleanText(input: string, max = MAX_TEXT_LENGTH, shape: TextShape = { multiline: true }): string {
  const text = normaliseUserText(input, shape);
  if (!text) throw new IncidentError(input.trim() ? 'no_visible_text' : 'empty_text');
  if (!hasVisibleText(text)) throw new IncidentError('no_visible_text');
  if (text.length > max) throw new IncidentError('text_too_long', { max: String(max) });
  return text;
}

/** Optional user text (a phase note, a waiver): normalised like cleanText, but may be empty. */
export const optionalText = (input: string, max = MAX_TEXT_LENGTH): string => (normaliseUserText(input, { multiline: true }) ? cleanText(input, max) : '');

/** A person named in text (an action item's owner, someone given a role): one line, trimmed, visible, not too long. */
export const cleanPerson = (input: string): string => cleanText(input, MAX_PERSON_LENGTH, { multiline: false });

export interface Declaration {
  title: string;
  severity: Severity;
  isPrivate: boolean;
  platform: Platform;
  declaredBy: UserId;
  /** A known incident type (checked by the service against INCIDENT_TYPES). */
  type?: string | null;
  /** A practice run. */
  drill?: boolean;
}

/** A new incident (number 0 until the store assigns one), active, with the severity's default cadence. */
export function declareIncident(d: Declaration, defaults: CadenceDefaults, now: number): Change {
  const title = cleanText(d.title, MAX_TITLE_LENGTH, { multiline: false });
  const cadence = defaults[d.severity];
  const draft: Incident = {
    number: 0,
    title,
    severity: d.severity,
    phase: 'active',
    isPrivate: d.isPrivate,
    type: d.type ?? null,
    drill: d.drill ?? false,
    platform: d.platform,
    declaredAt: now,
    declaredBy: d.declaredBy,
    roles: {},
    cadence,
    nextUpdateDue: null,
    reminderAt: null,
    reminderStage: null,
    lastUpdate: null,
    room: null,
    mitigatedAt: null,
    resolvedAt: null,
    closedAt: null,
  };
  return {
    incident: rescheduleAfterUpdate(draft, now),
    events: [
      event('declared', now, d.declaredBy, `Declared ${d.drill ? 'DRILL ' : ''}${d.severity.toUpperCase()}${d.type ? ` ${d.type}` : ''}: ${title}`, {
        severity: d.severity,
        private: d.isPrivate,
        ...(d.type ? { type: d.type } : {}),
        ...(d.drill ? { drill: true } : {}),
      }),
    ],
  };
}

function assertOpen(incident: Incident): void {
  if (incident.phase === 'closed') throw new IncidentError('incident_closed', { number: String(incident.number) });
}

/** Gives `role` to `user` (replacing any previous holder); one person may hold several roles. */
export function assignRole(incident: Incident, role: Role, user: UserId, actor: UserId, now: number): Change {
  assertOpen(incident);
  const previous = incident.roles[role] ?? null;
  if (previous === user) return { incident, events: [] };
  return {
    incident: { ...incident, roles: { ...incident.roles, [role]: user } },
    events: [event('role_assigned', now, actor, `${roleLabel(role)} is now ${user}`, { role, user, previous })],
  };
}

/**
 * Changes severity. An incident still on its old severity's default cadence moves to the new default,
 * and the next update is never pushed later than the new cadence allows.
 */
export function changeSeverity(
  incident: Incident,
  severity: Severity,
  actor: UserId,
  defaults: CadenceDefaults,
  now: number,
): Change {
  assertOpen(incident);
  if (incident.severity === severity) throw new IncidentError('same_severity', { severity });
  let next: Incident = { ...incident, severity };
  if (incident.cadence === defaults[incident.severity] && defaults[severity] !== incident.cadence) {
    next = adoptCadence(next, defaults[severity], now, { keepEarlierDue: true });
  }
  return {
    incident: next,
    events: [
      event('severity_changed', now, actor, `Severity ${incident.severity.toUpperCase()} → ${severity.toUpperCase()}`, {
        from: incident.severity,
        to: severity,
      }),
    ],
  };
}

/** Changes the incident's type (which picks its checklist); `type` must already be a known one. */
export function changeType(incident: Incident, type: string, actor: UserId, now: number): Change {
  assertOpen(incident);
  if (incident.type === type) throw new IncidentError('same_type', { type });
  return {
    incident: { ...incident, type },
    events: [event('type_changed', now, actor, `Type ${incident.type ?? 'none'} → ${type}`, { from: incident.type, to: type })],
  };
}

/** A stakeholder update: recorded, and the update clock starts again. */
export function postUpdate(incident: Incident, text: string, actor: UserId, now: number): Change {
  assertOpen(incident);
  const body = cleanText(text);
  const updated: Incident = { ...incident, lastUpdate: { text: body, at: now, by: actor } };
  return {
    incident: rescheduleAfterUpdate(updated, now),
    events: [event('update_posted', now, actor, body, { late: incident.nextUpdateDue !== null && now > incident.nextUpdateDue })],
  };
}

function adoptCadence(incident: Incident, cadence: Cadence, now: number, opts: { keepEarlierDue: boolean }): Incident {
  const rescheduled = rescheduleAfterUpdate({ ...incident, cadence }, now);
  if (
    opts.keepEarlierDue &&
    incident.nextUpdateDue !== null &&
    rescheduled.nextUpdateDue !== null &&
    incident.nextUpdateDue < rescheduled.nextUpdateDue
  ) {
    return { ...rescheduled, nextUpdateDue: incident.nextUpdateDue, reminderAt: incident.reminderAt, reminderStage: incident.reminderStage };
  }
  return rescheduled;
}

/** Sets the promised update interval; the next update is due one interval from now. */
export function setCadence(incident: Incident, cadence: Cadence, actor: UserId, now: number): Change {
  assertOpen(incident);
  return {
    incident: adoptCadence(incident, cadence, now, { keepEarlierDue: false }),
    events: [event('cadence_changed', now, actor, `Update cadence ${formatCadence(cadence)}`, { cadence })],
  };
}

/** Moves the incident through its phases; skips are refused (see phases.ts). */
export function transition(incident: Incident, action: PhaseAction, note: string, actor: UserId, now: number): Change {
  const to = advance(incident.phase, action);
  const trimmed = action === 'reopen' ? cleanText(note) : optionalText(note);
  let next: Incident = { ...incident, phase: to };
  if (to === 'mitigated') next = { ...next, mitigatedAt: now };
  if (to === 'resolved') next = { ...next, resolvedAt: now };
  if (to === 'closed') next = { ...next, closedAt: now };
  if (action === 'reopen') next = rescheduleAfterUpdate({ ...next, mitigatedAt: null, resolvedAt: null }, now);
  else if (!needsUpdates(to)) next = stopReminders(next);
  const verb = action === 'reopen' ? 'Reopened' : `Phase ${incident.phase} → ${to}`;
  return {
    incident: next,
    events: [
      event('phase_changed', now, actor, trimmed ? `${verb}: ${trimmed}` : verb, { from: incident.phase, to, action, note: trimmed }),
    ],
  };
}

/** A new title (same rules as declaring); the old one is kept on the timeline. Renaming to the same title changes nothing. */
export function renameIncident(incident: Incident, title: string, actor: UserId, now: number): Change {
  assertOpen(incident);
  const next = cleanText(title, MAX_TITLE_LENGTH, { multiline: false });
  if (next === incident.title) return { incident, events: [] };
  return { incident: { ...incident, title: next }, events: [event('renamed', now, actor, `Renamed: ${next}`, { from: incident.title, to: next })] };
}

/** Makes the incident private or public; setting what it already is changes nothing. */
export function setVisibility(incident: Incident, isPrivate: boolean, actor: UserId, now: number): Change {
  assertOpen(incident);
  if (incident.isPrivate === isPrivate) return { incident, events: [] };
  return {
    incident: { ...incident, isPrivate },
    events: [event('visibility_changed', now, actor, isPrivate ? 'Made private' : 'Made public', { private: isPrivate })],
  };
}

/** A free-text timeline entry. */
export function addNote(incident: Incident, text: string, actor: UserId, now: number): Change {
  const body = cleanText(text);
  return { incident, events: [event('note', now, actor, body)] };
}

/** An alert group now feeds the incident. */
export function linkAlertGroup(incident: Incident, groupLabel: string, actor: UserId, now: number): Change {
  assertOpen(incident);
  const label = normaliseUserText(groupLabel, { multiline: false });
  return { incident, events: [event('alert_linked', now, actor, `Alert group linked: ${label}`, { group: label })] };
}

/** The timeline entry for a war room that now exists. */
export const roomEvent = (channelName: string, now: number): TimelineEvent =>
  event('war_room_opened', now, SYSTEM_ACTOR, `War room #${channelName} opened`, { channel: channelName });
