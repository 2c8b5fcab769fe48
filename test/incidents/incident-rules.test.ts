import { describe, expect, it } from 'vitest';
import { DEFAULT_CADENCE } from '../../src/incidents/cadence.ts';
import type { Incident } from '../../src/incidents/incident.ts';
import {
  addNote,
  assignRole,
  changeSeverity,
  declareIncident,
  MAX_TITLE_LENGTH,
  postUpdate,
  setCadence,
  transition,
} from '../../src/incidents/incident-rules.ts';
import { catchIncidentError } from '../fakes/catch-incident-error.ts';
import { HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { aDeclaration, anIncident } from '../fakes/incident-builder.ts';

const declare = (overrides: Parameters<typeof aDeclaration>[0] = {}, now = T0) =>
  declareIncident(aDeclaration(overrides), DEFAULT_CADENCE, now);

/** Walks an incident through the phases up to `phase`, at T0. */
function inPhase(phase: 'mitigated' | 'resolved' | 'closed', start: Incident = anIncident()): Incident {
  let incident = transition(start, 'mitigate', '', 'alice', T0).incident;
  if (phase === 'mitigated') return incident;
  incident = transition(incident, 'resolve', '', 'alice', T0).incident;
  if (phase === 'resolved') return incident;
  return transition(incident, 'close', '', 'alice', T0).incident;
}

describe('declareIncident', () => {
  it('opens an active, unnumbered incident with the declaration on its timeline', () => {
    const { incident, events } = declare({ title: '  Checkout down  ', severity: 'sev1', declaredBy: 'bob' });
    expect(incident).toMatchObject({ number: 0, title: 'Checkout down', severity: 'sev1', phase: 'active', declaredAt: T0, declaredBy: 'bob', roles: {}, room: null });
    expect(events).toEqual([
      { kind: 'declared', at: T0, actor: 'bob', text: 'Declared SEV1: Checkout down', data: { severity: 'sev1', private: false } },
    ]);
  });

  it.each([
    ['sev1', 30 * MINUTE],
    ['sev2', HOUR],
    ['sev3', 4 * HOUR],
  ] as const)('makes the first %s update due after its default cadence', (severity, after) => {
    const { incident } = declare({ severity });
    expect(incident.cadence).toBe(after / 1000);
    expect(incident.nextUpdateDue).toBe(T0 + after);
    expect(incident.reminderAt).toBe(T0 + after);
    expect(incident.reminderStage).toBe('nag');
  });

  it.each(['sev4', 'sev5'] as const)('promises no updates for %s', (severity) => {
    const { incident } = declare({ severity });
    expect(incident).toMatchObject({ cadence: null, nextUpdateDue: null, reminderAt: null, reminderStage: null });
  });

  it('uses the configured defaults rather than the built-in ones', () => {
    const { incident } = declareIncident(aDeclaration({ severity: 'sev4' }), { ...DEFAULT_CADENCE, sev4: 600 }, T0);
    expect(incident.nextUpdateDue).toBe(T0 + 10 * MINUTE);
  });

  it('refuses an empty or overlong title', () => {
    expect(catchIncidentError(() => declare({ title: '   ' })).code).toBe('empty_text');
    const error = catchIncidentError(() => declare({ title: 'x'.repeat(MAX_TITLE_LENGTH + 1) }));
    expect(error.code).toBe('text_too_long');
    expect(error.details['max']).toBe(String(MAX_TITLE_LENGTH));
  });
});

describe('assignRole', () => {
  it('gives the role and records who set it and who held it before', () => {
    const first = assignRole(anIncident(), 'commander', 'carol', 'alice', T0 + MINUTE);
    expect(first.incident.roles).toEqual({ commander: 'carol' });
    expect(first.events).toEqual([
      { kind: 'role_assigned', at: T0 + MINUTE, actor: 'alice', text: 'IC is now carol', data: { role: 'commander', user: 'carol', previous: null } },
    ]);
    const second = assignRole(first.incident, 'commander', 'dave', 'alice', T0 + 2 * MINUTE);
    expect(second.incident.roles).toEqual({ commander: 'dave' });
    expect(second.events[0]?.data['previous']).toBe('carol');
  });

  it('lets one person hold several roles, custom ones included', () => {
    let incident = assignRole(anIncident(), 'commander', 'carol', 'alice', T0).incident;
    incident = assignRole(incident, 'comms', 'carol', 'alice', T0).incident;
    incident = assignRole(incident, 'partner-comms', 'carol', 'alice', T0).incident;
    expect(incident.roles).toEqual({ commander: 'carol', comms: 'carol', 'partner-comms': 'carol' });
  });

  it('records nothing when the person already holds the role', () => {
    const incident = anIncident({ roles: { commander: 'carol' } });
    expect(assignRole(incident, 'commander', 'carol', 'alice', T0)).toEqual({ incident, events: [] });
  });

  it('refuses on a closed incident', () => {
    expect(catchIncidentError(() => assignRole(inPhase('closed'), 'scribe', 'carol', 'alice', T0)).code).toBe('incident_closed');
  });
});

describe('postUpdate', () => {
  it('records the update and starts the update clock again from now', () => {
    const now = T0 + 20 * MINUTE;
    const { incident, events } = postUpdate(anIncident(), '  Rolled back  ', 'bob', now);
    expect(incident.lastUpdate).toEqual({ text: 'Rolled back', at: now, by: 'bob' });
    expect(incident.nextUpdateDue).toBe(now + HOUR);
    expect(incident.reminderAt).toBe(now + HOUR);
    expect(incident.reminderStage).toBe('nag');
    expect(events).toEqual([{ kind: 'update_posted', at: now, actor: 'bob', text: 'Rolled back', data: { late: false } }]);
  });

  it('marks an update that came after its due time as late', () => {
    const { events } = postUpdate(anIncident(), 'Sorry, busy', 'bob', T0 + HOUR + 1);
    expect(events[0]?.data['late']).toBe(true);
  });

  it('refuses empty text and closed incidents', () => {
    expect(catchIncidentError(() => postUpdate(anIncident(), ' ', 'bob', T0)).code).toBe('empty_text');
    expect(catchIncidentError(() => postUpdate(inPhase('closed'), 'x', 'bob', T0)).code).toBe('incident_closed');
  });
});

describe('setCadence', () => {
  it('makes the next update due one new interval from now', () => {
    const now = T0 + 5 * MINUTE;
    const { incident, events } = setCadence(anIncident(), 15 * 60, 'alice', now);
    expect(incident).toMatchObject({ cadence: 900, nextUpdateDue: now + 15 * MINUTE, reminderAt: now + 15 * MINUTE, reminderStage: 'nag' });
    expect(events).toEqual([{ kind: 'cadence_changed', at: now, actor: 'alice', text: 'Update cadence 15m', data: { cadence: 900 } }]);
  });

  it('stops reminders when the cadence is off', () => {
    const { incident, events } = setCadence(anIncident(), null, 'alice', T0);
    expect(incident).toMatchObject({ cadence: null, nextUpdateDue: null, reminderAt: null, reminderStage: null });
    expect(events[0]?.text).toBe('Update cadence off');
  });
});

describe('changeSeverity', () => {
  it('adopts the new default cadence, bringing the next update forward', () => {
    const now = T0 + 10 * MINUTE;
    const { incident, events } = changeSeverity(anIncident(), 'sev1', 'alice', DEFAULT_CADENCE, now);
    expect(incident.severity).toBe('sev1');
    expect(incident.cadence).toBe(30 * 60);
    expect(incident.nextUpdateDue).toBe(now + 30 * MINUTE);
    expect(events).toEqual([
      { kind: 'severity_changed', at: now, actor: 'alice', text: 'Severity SEV2 → SEV1', data: { from: 'sev2', to: 'sev1' } },
    ]);
  });

  it('never pushes an update already promised further out', () => {
    const { incident } = changeSeverity(anIncident(), 'sev3', 'alice', DEFAULT_CADENCE, T0 + 10 * MINUTE);
    expect(incident.cadence).toBe(4 * 3600);
    expect(incident.nextUpdateDue).toBe(T0 + HOUR);
    expect(incident.reminderAt).toBe(T0 + HOUR);
  });

  it('stops reminders when the new severity has no default cadence', () => {
    const { incident } = changeSeverity(anIncident(), 'sev4', 'alice', DEFAULT_CADENCE, T0);
    expect(incident).toMatchObject({ cadence: null, nextUpdateDue: null, reminderAt: null });
  });

  it('starts reminders when a sev4 becomes sev1', () => {
    const sev4 = anIncident({}, { severity: 'sev4' });
    const { incident } = changeSeverity(sev4, 'sev1', 'alice', DEFAULT_CADENCE, T0 + MINUTE);
    expect(incident.nextUpdateDue).toBe(T0 + 31 * MINUTE);
  });

  it('keeps a cadence the team chose itself', () => {
    const custom = setCadence(anIncident(), 15 * 60, 'alice', T0).incident;
    const { incident } = changeSeverity(custom, 'sev1', 'alice', DEFAULT_CADENCE, T0 + MINUTE);
    expect(incident.cadence).toBe(15 * 60);
    expect(incident.nextUpdateDue).toBe(T0 + 15 * MINUTE);
  });

  it('refuses the severity the incident already has', () => {
    const error = catchIncidentError(() => changeSeverity(anIncident(), 'sev2', 'alice', DEFAULT_CADENCE, T0));
    expect(error.code).toBe('same_severity');
  });
});

describe('transition', () => {
  it('mitigate keeps the update reminders running', () => {
    const before = anIncident();
    const { incident, events } = transition(before, 'mitigate', ' drained eu-west ', 'alice', T0 + MINUTE);
    expect(incident.phase).toBe('mitigated');
    expect(incident.mitigatedAt).toBe(T0 + MINUTE);
    expect(incident.nextUpdateDue).toBe(before.nextUpdateDue);
    expect(incident.reminderAt).toBe(before.reminderAt);
    expect(events).toEqual([
      {
        kind: 'phase_changed',
        at: T0 + MINUTE,
        actor: 'alice',
        text: 'Phase active → mitigated: drained eu-west',
        data: { from: 'active', to: 'mitigated', action: 'mitigate', note: 'drained eu-west' },
      },
    ]);
  });

  it('resolve stops the update reminders', () => {
    const { incident } = transition(inPhase('mitigated'), 'resolve', '', 'alice', T0 + HOUR);
    expect(incident).toMatchObject({ phase: 'resolved', resolvedAt: T0 + HOUR, nextUpdateDue: null, reminderAt: null, reminderStage: null });
  });

  it('close records the time', () => {
    const { incident } = transition(inPhase('resolved'), 'close', '', 'alice', T0 + 2 * HOUR);
    expect(incident).toMatchObject({ phase: 'closed', closedAt: T0 + 2 * HOUR });
  });

  it('refuses to skip a phase', () => {
    const error = catchIncidentError(() => transition(anIncident(), 'resolve', '', 'alice', T0));
    expect(error.code).toBe('phase_skip');
    expect(error.details['next']).toBe('mitigate');
  });

  it('reopen goes back to active and restarts the update clock', () => {
    const now = T0 + 3 * HOUR;
    const { incident, events } = transition(inPhase('resolved'), 'reopen', 'errors are back', 'bob', now);
    expect(incident).toMatchObject({
      phase: 'active',
      mitigatedAt: null,
      resolvedAt: null,
      nextUpdateDue: now + HOUR,
      reminderAt: now + HOUR,
      reminderStage: 'nag',
    });
    expect(events[0]?.text).toBe('Reopened: errors are back');
  });

  it('reopen needs a reason', () => {
    expect(catchIncidentError(() => transition(inPhase('mitigated'), 'reopen', '  ', 'bob', T0)).code).toBe('empty_text');
  });
});

describe('addNote', () => {
  it('adds a timeline entry and changes nothing else', () => {
    const before = anIncident();
    const { incident, events } = addNote(before, ' suspect the 14:02 deploy ', 'carol', T0 + MINUTE);
    expect(incident).toEqual(before);
    expect(events).toEqual([{ kind: 'note', at: T0 + MINUTE, actor: 'carol', text: 'suspect the 14:02 deploy', data: {} }]);
  });

  it('refuses an empty note', () => {
    expect(catchIncidentError(() => addNote(anIncident(), '', 'carol', T0)).code).toBe('empty_text');
  });
});
