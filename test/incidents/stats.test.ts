import { describe, expect, it } from 'vitest';
import type { LinkedAlertGroup } from '../../src/incidents/ports.ts';
import { computeStats, type IncidentRecord, percentile } from '../../src/incidents/stats.ts';
import { HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { IncidentHistory } from '../fakes/incident-history.ts';

const none = { groups: 0, notActionable: 0 };
const record = (h: IncidentHistory, alerts: LinkedAlertGroup[] = []): IncidentRecord => ({ incident: h.incident, timeline: h.timeline, alerts });

describe('percentile (nearest rank)', () => {
  const tenValues = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  it('is null for no values', () => {
    expect(percentile([], 90)).toBeNull();
  });

  it('is the only value of one', () => {
    expect(percentile([42], 90)).toBe(42);
    expect(percentile([42], 1)).toBe(42);
  });

  it('takes the value at rank ceil(p/100 × n)', () => {
    expect(percentile(tenValues, 90)).toBe(9);
    expect(percentile(tenValues, 91)).toBe(10);
    expect(percentile(tenValues, 50)).toBe(5);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([10, 20, 30], 90)).toBe(30);
    expect(percentile([10, 20, 30], 33)).toBe(10);
    expect(percentile([10, 20, 30], 34)).toBe(20);
  });

  it('is exact where p/100 × n is a whole number that floating point could overshoot', () => {
    const thirty = Array.from({ length: 30 }, (_, n) => n + 1);
    expect(percentile(thirty, 90)).toBe(27);
    const seventy = Array.from({ length: 70 }, (_, n) => n + 1);
    expect(percentile(seventy, 90)).toBe(63);
  });

  it('stays within the values at the extremes', () => {
    expect(percentile(tenValues, 100)).toBe(10);
    expect(percentile(tenValues, 0)).toBe(1);
  });
});

describe('computeStats', () => {
  /** sev1: IC after 2m, mitigated after 20m, resolved after 1h; one update on time, one late. */
  const fast = IncidentHistory.declare({ severity: 'sev1' }, T0, 1)
    .role(T0 + 2 * MINUTE, 'commander', 'carol')
    .update(T0 + 10 * MINUTE, 'on it')
    .phase(T0 + 20 * MINUTE, 'mitigate')
    .update(T0 + 55 * MINUTE, 'late: due 14:40')
    .phase(T0 + HOUR, 'resolve');
  /** sev2: IC after 10m, mitigated after 1h, not resolved. */
  const slow = IncidentHistory.declare({ severity: 'sev2' }, T0 + HOUR, 2)
    .role(T0 + HOUR + 10 * MINUTE, 'commander', 'erin')
    .phase(T0 + 2 * HOUR, 'mitigate');
  /** sev2: nobody took charge, nothing mitigated. */
  const stuck = IncidentHistory.declare({ severity: 'sev2' }, T0 + 2 * HOUR, 3);
  /** sev4, no cadence: its one update is never late. */
  const quiet = IncidentHistory.declare({ severity: 'sev4' }, T0 + 3 * HOUR, 4).update(T0 + 10 * HOUR, 'still looking');

  const stats = computeStats([record(fast), record(slow), record(stuck), record(quiet)], { groups: 12, notActionable: 3 }, 30, T0 + 12 * HOUR);

  it('counts incidents by severity, every severity listed', () => {
    expect(stats.days).toBe(30);
    expect(stats.incidents).toBe(4);
    expect(stats.bySeverity).toEqual({ sev1: 1, sev2: 2, sev3: 0, sev4: 1, sev5: 0 });
  });

  it('summarizes each milestone over the incidents that reached it only', () => {
    expect(stats.timeToAcknowledge).toEqual({ count: 2, mean: (120 + 600) / 2, p90: 600 });
    expect(stats.timeToMitigate).toEqual({ count: 2, mean: (1200 + 3600) / 2, p90: 3600 });
    expect(stats.timeToResolve).toEqual({ count: 1, mean: 3600, p90: 3600 });
  });

  it('rounds the mean to whole seconds', () => {
    const a = IncidentHistory.declare({}, T0, 1).role(T0 + 1000, 'commander', 'carol');
    const b = IncidentHistory.declare({}, T0, 2).role(T0 + 2000, 'commander', 'carol');
    const c = IncidentHistory.declare({}, T0, 3).role(T0 + 2000, 'commander', 'carol');
    expect(computeStats([record(a), record(b), record(c)], none, 7, T0 + HOUR).timeToAcknowledge).toEqual({ count: 3, mean: 2, p90: 2 });
  });

  it('counts stakeholder updates on time and late', () => {
    expect(stats.updates).toEqual({ onTime: 2, late: 1 });
  });

  it('gives the share of alert groups marked not actionable', () => {
    expect(stats.alerts).toEqual({ groups: 12, notActionable: 3, notActionableShare: 0.25 });
  });

  it('has no share when no alert group fired', () => {
    expect(computeStats([], none, 7, T0).alerts.notActionableShare).toBeNull();
  });

  it('is all zeros and nulls for no incidents', () => {
    const empty = computeStats([], none, 7, T0);
    expect(empty).toEqual({
      days: 7,
      incidents: 0,
      bySeverity: { sev1: 0, sev2: 0, sev3: 0, sev4: 0, sev5: 0 },
      timeToAcknowledge: { count: 0, mean: null, p90: null },
      timeToMitigate: { count: 0, mean: null, p90: null },
      timeToResolve: { count: 0, mean: null, p90: null },
      updates: { onTime: 0, late: 0 },
      alerts: { groups: 0, notActionable: 0, notActionableShare: null },
    });
  });

  it('measures from an earlier alert and takes its acknowledgement, like the postmortem', () => {
    const alert: LinkedAlertGroup = { id: 1, title: 'HighErrorRate', groupKey: 'g', firstFiringAt: T0 - 10 * MINUTE, acknowledgedAt: T0 - 4 * MINUTE, acknowledgedBy: 'bob', silenceId: null };
    const h = IncidentHistory.declare().role(T0 + 5 * MINUTE, 'commander', 'carol').phase(T0 + 20 * MINUTE, 'mitigate');
    const s = computeStats([record(h, [alert])], none, 7, T0 + HOUR);
    expect(s.timeToAcknowledge.mean).toBe(6 * 60);
    expect(s.timeToMitigate.mean).toBe(30 * 60);
  });

  it('takes the p90 at the nearest rank over many incidents', () => {
    const records = Array.from({ length: 10 }, (_, n) => record(IncidentHistory.declare({}, T0, n + 1).phase(T0 + (n + 1) * MINUTE, 'mitigate')));
    expect(computeStats(records, none, 7, T0 + HOUR).timeToMitigate).toEqual({ count: 10, mean: 330, p90: 540 });
  });
});
