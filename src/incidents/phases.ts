import { IncidentError } from './errors.ts';

/** The phase model. Order matters: a phase may only move to the next one (or back to active via reopen). */
export const PHASES = ['active', 'mitigated', 'resolved', 'closed'] as const;
export type Phase = (typeof PHASES)[number];

/** The command that moves an incident forward out of each phase, and what the next phase means. */
export const PHASE_STEPS = {
  mitigate: { from: 'active', to: 'mitigated', meaning: 'impact on production reduced' },
  resolve: { from: 'mitigated', to: 'resolved', meaning: 'direct cause fixed' },
  close: { from: 'resolved', to: 'closed', meaning: 'root cause improved (follow-ups done or waived)' },
} as const satisfies Record<string, { from: Phase; to: Phase; meaning: string }>;

export type ForwardAction = keyof typeof PHASE_STEPS;
export type PhaseAction = ForwardAction | 'reopen';

/** Phases that reopen may leave from: regressions after mitigation or resolution. */
export const REOPENABLE: readonly Phase[] = ['mitigated', 'resolved'];

/** Open phases still need the team's attention (and stakeholder updates while not yet resolved). */
export const OPEN_PHASES: readonly Phase[] = ['active', 'mitigated', 'resolved'];

/** The forward step allowed from `phase`, or undefined when closed. */
export function nextStep(phase: Phase): ForwardAction | undefined {
  return (Object.keys(PHASE_STEPS) as ForwardAction[]).find((a) => PHASE_STEPS[a].from === phase);
}

/**
 * The phase after `action`, or an IncidentError naming the next allowed step: no phase may be skipped.
 */
export function advance(current: Phase, action: PhaseAction): Phase {
  if (current === 'closed') throw new IncidentError('incident_closed');
  if (action === 'reopen') {
    if (!REOPENABLE.includes(current)) throw new IncidentError('already_in_phase', { phase: current });
    return 'active';
  }
  const step = PHASE_STEPS[action];
  if (current === step.to) throw new IncidentError('already_in_phase', { phase: current });
  if (PHASES.indexOf(current) > PHASES.indexOf(step.to)) throw new IncidentError('phase_passed', { phase: current, wanted: step.to });
  if (current !== step.from) {
    const next = nextStep(current);
    throw new IncidentError('phase_skip', {
      phase: current,
      wanted: step.to,
      next: next ?? '',
      nextPhase: next ? PHASE_STEPS[next].to : '',
      nextMeaning: next ? PHASE_STEPS[next].meaning : '',
    });
  }
  return step.to;
}

/** Phases in which the update cadence runs; reminders stop at resolved. */
export const needsUpdates = (phase: Phase): boolean => phase === 'active' || phase === 'mitigated';
