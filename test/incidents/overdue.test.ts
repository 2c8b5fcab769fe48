import { describe, expect, it } from 'vitest';
import { isUpdateOverdue, nextOverdueAt, OVERDUE_PHASES } from '../../src/incidents/overdue.ts';
import { HOUR, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';

describe('isUpdateOverdue', () => {
  it('holds strictly after the promised time, while the incident still needs updates', () => {
    const i = anIncident({ nextUpdateDue: T0 + HOUR });
    expect(isUpdateOverdue(i, T0 + HOUR)).toBe(false);
    expect(isUpdateOverdue(i, T0 + HOUR + 1)).toBe(true);
    expect(isUpdateOverdue({ ...i, phase: 'mitigated' }, T0 + 2 * HOUR)).toBe(true);
  });

  it('never holds once updates stop (resolved, closed) or with no cadence, even with a stale due time', () => {
    const stale = anIncident({ nextUpdateDue: T0 });
    expect(isUpdateOverdue({ ...stale, phase: 'resolved' }, T0 + HOUR)).toBe(false);
    expect(isUpdateOverdue({ ...stale, phase: 'closed' }, T0 + HOUR)).toBe(false);
    expect(isUpdateOverdue({ ...stale, nextUpdateDue: null }, T0 + HOUR)).toBe(false);
  });

  it('names the phases the SQL count uses', () => {
    expect(OVERDUE_PHASES).toEqual(['active', 'mitigated']);
  });
});

describe('nextOverdueAt', () => {
  it('is the first millisecond an incident turns overdue, ignoring those already overdue or done', () => {
    const soon = anIncident({ nextUpdateDue: T0 + HOUR });
    const later = anIncident({ nextUpdateDue: T0 + 2 * HOUR });
    const late = anIncident({ nextUpdateDue: T0 - 1 });
    const done = anIncident({ nextUpdateDue: T0 + 1, phase: 'resolved' });
    expect(nextOverdueAt([later, late, done, soon], T0)).toBe(T0 + HOUR + 1);
    expect(nextOverdueAt([late, done], T0)).toBeNull();
  });
});
