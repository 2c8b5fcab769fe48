/** `/incident stats`: what the last N days looked like, computed from the records with durations.ts. */
import { alertFactsOf, durations, incidentTimes } from './durations.ts';
import type { Incident } from './incident.ts';
import type { LinkedAlertGroup } from './ports.ts';
import { SEVERITIES, type Severity } from './severity.ts';
import type { TimelineEvent } from './timeline.ts';

export interface IncidentRecord {
  incident: Incident;
  timeline: readonly TimelineEvent[];
  alerts: readonly LinkedAlertGroup[];
}

export interface Summary {
  /** How many incidents reached the milestone. */
  count: number;
  /** Seconds; null when none did. */
  mean: number | null;
  p90: number | null;
}

export interface Stats {
  days: number;
  incidents: number;
  bySeverity: Readonly<Record<Severity, number>>;
  timeToAcknowledge: Summary;
  timeToMitigate: Summary;
  timeToResolve: Summary;
  updates: { onTime: number; late: number };
  alerts: { groups: number; notActionable: number; notActionableShare: number | null };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? null;
}

function summarize(values: readonly (number | null)[]): Summary {
  const present = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (present.length === 0) return { count: 0, mean: null, p90: null };
  return { count: present.length, mean: Math.round(present.reduce((a, b) => a + b, 0) / present.length), p90: percentile(present, 90) };
}

export function computeStats(records: readonly IncidentRecord[], noise: { groups: number; notActionable: number }, days: number, now: number): Stats {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const d = records.map((r) => {
    bySeverity[r.incident.severity] += 1;
    const times = incidentTimes(r.incident, r.timeline, alertFactsOf(r.alerts));
    return durations(times, r.timeline, now);
  });
  const updates = records.flatMap((r) => r.timeline.filter((e) => e.kind === 'update_posted'));
  const late = updates.filter((e) => e.data['late'] === true).length;
  return {
    days,
    incidents: records.length,
    bySeverity,
    timeToAcknowledge: summarize(d.map((x) => x.timeToAcknowledge)),
    timeToMitigate: summarize(d.map((x) => x.timeToMitigate)),
    timeToResolve: summarize(d.map((x) => x.timeToResolve)),
    updates: { onTime: updates.length - late, late },
    alerts: { ...noise, notActionableShare: noise.groups ? noise.notActionable / noise.groups : null },
  };
}
