/**
 * How long things took, computed from the recorded transitions on the timeline: the one place the postmortem,
 * `stats` and `/metrics` get their durations from. A reopen sends the incident back to active, so mitigation and
 * resolution count from their last time, and the time spent in each phase adds up every stay.
 */
import type { Incident } from './incident.ts';
import { PHASES, type Phase } from './phases.ts';
import type { TimelineEvent } from './timeline.ts';

export interface IncidentTimes {
  /** When the problem started: the declaration, or the first firing of a linked alert if earlier. */
  startedAt: number;
  declaredAt: number;
  /** The first time someone took charge: an incident commander was named, or a linked alert acknowledged. */
  acknowledgedAt: number | null;
  /** The last mitigation not undone by a reopen. */
  mitigatedAt: number | null;
  resolvedAt: number | null;
  closedAt: number | null;
}

export interface Durations {
  /** Seconds from start to acknowledgement, mitigation, resolution; null until it happened. */
  timeToAcknowledge: number | null;
  timeToMitigate: number | null;
  timeToResolve: number | null;
  /** Seconds spent in each phase (until `now` for the current one, nothing after close). */
  inPhase: Readonly<Record<Phase, number>>;
  /** How many times the incident was reopened. */
  reopens: number;
}

export interface AlertFacts {
  /** The earliest first firing of the incident's linked alert groups. */
  firstFiringAt: number | null;
  /** The earliest acknowledgement of a linked alert group. */
  acknowledgedAt: number | null;
}

/** The facts durations need from an incident's linked alert groups: earliest first firing and acknowledgement. */
export function alertFactsOf(groups: readonly { firstFiringAt: number | null; acknowledgedAt: number | null }[]): AlertFacts {
  return { firstFiringAt: minOf(...groups.map((g) => g.firstFiringAt)), acknowledgedAt: minOf(...groups.map((g) => g.acknowledgedAt)) };
}

const minOf = (...values: (number | null)[]): number | null => {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? Math.min(...present) : null;
};

/** The incident's milestones, from its timeline (and its alerts, when linked). */
export function incidentTimes(incident: Incident, timeline: readonly TimelineEvent[], alerts: AlertFacts = { firstFiringAt: null, acknowledgedAt: null }): IncidentTimes {
  let mitigatedAt: number | null = null;
  let resolvedAt: number | null = null;
  let closedAt: number | null = null;
  let commanderAt: number | null = null;
  for (const e of timeline) {
    if (e.kind === 'role_assigned' && e.data['role'] === 'commander') commanderAt ??= e.at;
    if (e.kind !== 'phase_changed') continue;
    const to = e.data['to'];
    if (to === 'mitigated') mitigatedAt = e.at;
    else if (to === 'resolved') resolvedAt = e.at;
    else if (to === 'closed') closedAt = e.at;
    else if (to === 'active') {
      mitigatedAt = null;
      resolvedAt = null;
    }
  }
  const startedAt = minOf(incident.declaredAt, alerts.firstFiringAt) ?? incident.declaredAt;
  return { startedAt, declaredAt: incident.declaredAt, acknowledgedAt: minOf(commanderAt, alerts.acknowledgedAt), mitigatedAt, resolvedAt, closedAt };
}

const seconds = (from: number, to: number | null) => (to === null ? null : Math.max(0, Math.round((to - from) / 1000)));

/** Durations from the milestones and the phase transitions; `now` ends the current phase's stay. */
export function durations(times: IncidentTimes, timeline: readonly TimelineEvent[], now: number): Durations {
  const inPhase = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  let phase: Phase = 'active';
  let since = times.declaredAt;
  let reopens = 0;
  for (const e of timeline) {
    if (e.kind !== 'phase_changed') continue;
    const to = e.data['to'] as Phase;
    inPhase[phase] += Math.max(0, e.at - since);
    if (e.data['action'] === 'reopen') reopens += 1;
    phase = to;
    since = e.at;
  }
  if (phase !== 'closed') inPhase[phase] += Math.max(0, now - since);
  for (const p of PHASES) inPhase[p] = Math.round(inPhase[p] / 1000);
  return {
    timeToAcknowledge: seconds(times.startedAt, times.acknowledgedAt),
    timeToMitigate: seconds(times.startedAt, times.mitigatedAt),
    timeToResolve: seconds(times.startedAt, times.resolvedAt),
    inPhase,
    reopens,
  };
}

/** `1h 5m`, `3m 20s`, `2d 4h`: a duration in seconds for people. */
export function formatSeconds(total: number | null): string {
  if (total === null) return '—';
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m${s ? ` ${s}s` : ''}`;
  return `${s}s`;
}
