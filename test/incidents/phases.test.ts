import { describe, expect, it } from 'vitest';
import { advance, needsUpdates, nextStep, type Phase, type PhaseAction } from '../../src/incidents/phases.ts';
import { catchIncidentError } from '../fakes/catch-incident-error.ts';

describe('nextStep', () => {
  it('names the one forward command out of each open phase', () => {
    expect(nextStep('active')).toBe('mitigate');
    expect(nextStep('mitigated')).toBe('resolve');
    expect(nextStep('resolved')).toBe('close');
    expect(nextStep('closed')).toBeUndefined();
  });
});

describe('advance', () => {
  it('moves one phase at a time: active → mitigated → resolved → closed', () => {
    expect(advance('active', 'mitigate')).toBe('mitigated');
    expect(advance('mitigated', 'resolve')).toBe('resolved');
    expect(advance('resolved', 'close')).toBe('closed');
  });

  it('refuses resolve on an active incident as a phase skip naming mitigate', () => {
    const error = catchIncidentError(() => advance('active', 'resolve'));
    expect(error.code).toBe('phase_skip');
    expect(error.details).toEqual({
      phase: 'active',
      wanted: 'resolved',
      next: 'mitigate',
      nextPhase: 'mitigated',
      nextMeaning: 'impact on production reduced',
    });
  });

  it.each([
    ['active', 'close', 'mitigate'],
    ['mitigated', 'close', 'resolve'],
  ] as const)('refuses %s → %s and names %s as the next step', (from, action, next) => {
    const error = catchIncidentError(() => advance(from, action));
    expect(error.code).toBe('phase_skip');
    expect(error.details['next']).toBe(next);
  });

  it('refuses an action that would not change the phase', () => {
    const error = catchIncidentError(() => advance('mitigated', 'mitigate'));
    expect(error.code).toBe('already_in_phase');
    expect(error.details['phase']).toBe('mitigated');
  });

  it('refuses to go back with a forward command and says the phase is already past', () => {
    const error = catchIncidentError(() => advance('resolved', 'mitigate'));
    expect(error.code).toBe('phase_passed');
    expect(error.details).toEqual({ phase: 'resolved', wanted: 'mitigated' });
  });

  it.each(['mitigated', 'resolved'] as const)('reopens from %s back to active', (from) => {
    expect(advance(from, 'reopen')).toBe('active');
  });

  it('does not reopen an incident that is still active', () => {
    expect(catchIncidentError(() => advance('active', 'reopen')).code).toBe('already_in_phase');
  });

  it.each(['mitigate', 'resolve', 'close', 'reopen'] as const)('refuses %s once the incident is closed', (action: PhaseAction) => {
    expect(catchIncidentError(() => advance('closed', action)).code).toBe('incident_closed');
  });
});

describe('needsUpdates', () => {
  it('keeps the update cadence running until the incident is resolved', () => {
    const phases: Phase[] = ['active', 'mitigated', 'resolved', 'closed'];
    expect(phases.filter(needsUpdates)).toEqual(['active', 'mitigated']);
  });
});
