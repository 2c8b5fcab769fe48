import { describe, expect, it } from 'vitest';
import { durations, formatSeconds, incidentTimes } from '../../src/incidents/durations.ts';
import { HOUR, MINUTE, SECOND, T0 } from '../fakes/fixed-clock.ts';
import { IncidentHistory } from '../fakes/incident-history.ts';

const noAlerts = { firstFiringAt: null, acknowledgedAt: null };

/** declare 14:00 → IC 14:02 → mitigate 14:30 → resolve 15:30 → close 17:00. */
const plainRun = () =>
  IncidentHistory.declare()
    .role(T0 + 2 * MINUTE, 'commander', 'carol')
    .phase(T0 + 30 * MINUTE, 'mitigate')
    .phase(T0 + 90 * MINUTE, 'resolve')
    .phase(T0 + 3 * HOUR, 'close');

/** active 14:00 → mitigated 14:20 → reopened 14:50 → mitigated 15:20 → resolved 16:00. */
const reopenedRun = () =>
  IncidentHistory.declare()
    .phase(T0 + 20 * MINUTE, 'mitigate')
    .phase(T0 + 50 * MINUTE, 'reopen', 'errors are back')
    .phase(T0 + 80 * MINUTE, 'mitigate')
    .phase(T0 + 2 * HOUR, 'resolve');

describe('a plain run: declare → IC → mitigate → resolve → close', () => {
  const h = plainRun();
  const times = incidentTimes(h.incident, h.timeline);

  it('takes the milestones from the recorded transitions', () => {
    expect(times).toEqual({
      startedAt: T0,
      declaredAt: T0,
      acknowledgedAt: T0 + 2 * MINUTE,
      mitigatedAt: T0 + 30 * MINUTE,
      resolvedAt: T0 + 90 * MINUTE,
      closedAt: T0 + 3 * HOUR,
    });
  });

  it('gives exact seconds from start to each milestone and in each phase', () => {
    expect(durations(times, h.timeline, T0 + 5 * HOUR)).toEqual({
      timeToAcknowledge: 120,
      timeToMitigate: 1800,
      timeToResolve: 5400,
      inPhase: { active: 1800, mitigated: 3600, resolved: 5400, closed: 0 },
      reopens: 0,
    });
  });

  it('counts nothing after close, however late it is asked', () => {
    expect(durations(times, h.timeline, T0 + 3 * HOUR)).toEqual(durations(times, h.timeline, T0 + 400 * HOUR));
  });
});

describe('a reopen after mitigation', () => {
  const h = reopenedRun();
  const times = incidentTimes(h.incident, h.timeline);
  const d = durations(times, h.timeline, T0 + 150 * MINUTE);

  it('counts mitigation from the last mitigation, not the one the reopen undid', () => {
    expect(times.mitigatedAt).toBe(T0 + 80 * MINUTE);
    expect(d.timeToMitigate).toBe(80 * 60);
    expect(d.timeToResolve).toBe(120 * 60);
  });

  it('adds up every stay in a phase and counts the reopen', () => {
    expect(d.inPhase).toEqual({
      active: (20 + 30) * 60,
      mitigated: (30 + 40) * 60,
      resolved: 30 * 60,
      closed: 0,
    });
    expect(d.reopens).toBe(1);
  });

  it('forgets mitigation and resolution while the incident is active again', () => {
    const back = IncidentHistory.declare()
      .phase(T0 + 10 * MINUTE, 'mitigate')
      .phase(T0 + 20 * MINUTE, 'resolve')
      .phase(T0 + 30 * MINUTE, 'reopen', 'not fixed after all');
    const t = incidentTimes(back.incident, back.timeline);
    expect(t).toMatchObject({ mitigatedAt: null, resolvedAt: null, closedAt: null });
    expect(durations(t, back.timeline, T0 + HOUR)).toMatchObject({
      timeToMitigate: null,
      timeToResolve: null,
      inPhase: { active: (10 + 30) * 60, mitigated: 600, resolved: 600, closed: 0 },
      reopens: 1,
    });
  });
});

describe('alert facts', () => {
  const h = IncidentHistory.declare().role(T0 + 2 * MINUTE, 'commander', 'carol').phase(T0 + 30 * MINUTE, 'mitigate');

  it('start the incident at the first firing of a linked alert when that came earlier', () => {
    const times = incidentTimes(h.incident, h.timeline, { firstFiringAt: T0 - 10 * MINUTE, acknowledgedAt: null });
    expect(times.startedAt).toBe(T0 - 10 * MINUTE);
    expect(times.declaredAt).toBe(T0);
    const d = durations(times, h.timeline, T0 + HOUR);
    expect(d.timeToAcknowledge).toBe(12 * 60);
    expect(d.timeToMitigate).toBe(40 * 60);
    // Phases are still counted from the declaration: the incident was not active before it existed.
    expect(d.inPhase.active).toBe(30 * 60);
  });

  it('leave the start at the declaration when the alert fired later', () => {
    expect(incidentTimes(h.incident, h.timeline, { firstFiringAt: T0 + MINUTE, acknowledgedAt: null }).startedAt).toBe(T0);
  });

  it('acknowledge at the earlier of the commander and the alert acknowledgement', () => {
    const alertFirst = incidentTimes(h.incident, h.timeline, { firstFiringAt: T0 - 10 * MINUTE, acknowledgedAt: T0 - 5 * MINUTE });
    expect(alertFirst.acknowledgedAt).toBe(T0 - 5 * MINUTE);
    expect(durations(alertFirst, h.timeline, T0 + HOUR).timeToAcknowledge).toBe(5 * 60);
    const commanderFirst = incidentTimes(h.incident, h.timeline, { firstFiringAt: null, acknowledgedAt: T0 + 3 * MINUTE });
    expect(commanderFirst.acknowledgedAt).toBe(T0 + 2 * MINUTE);
  });

  it('leave acknowledgement empty until someone takes charge', () => {
    const bare = IncidentHistory.declare().role(T0 + MINUTE, 'comms', 'dave');
    const times = incidentTimes(bare.incident, bare.timeline, noAlerts);
    expect(times.acknowledgedAt).toBeNull();
    expect(durations(times, bare.timeline, T0 + HOUR).timeToAcknowledge).toBeNull();
  });

  it('keep the first commander as the acknowledgement when the role changes hands', () => {
    const handedOver = IncidentHistory.declare().role(T0 + 2 * MINUTE, 'commander', 'carol').role(T0 + 20 * MINUTE, 'commander', 'erin');
    expect(incidentTimes(handedOver.incident, handedOver.timeline).acknowledgedAt).toBe(T0 + 2 * MINUTE);
  });
});

describe('the current phase', () => {
  it('counts until now', () => {
    const h = IncidentHistory.declare();
    const times = incidentTimes(h.incident, h.timeline);
    expect(durations(times, h.timeline, T0 + 45 * MINUTE).inPhase.active).toBe(45 * 60);
    expect(durations(times, h.timeline, T0 + 2 * HOUR).inPhase.active).toBe(2 * 3600);
  });

  it('counts a later phase until now, earlier ones fixed', () => {
    const h = IncidentHistory.declare().phase(T0 + 10 * MINUTE, 'mitigate');
    const times = incidentTimes(h.incident, h.timeline);
    expect(durations(times, h.timeline, T0 + HOUR).inPhase).toEqual({ active: 600, mitigated: 50 * 60, resolved: 0, closed: 0 });
  });

  it('rounds milliseconds to whole seconds', () => {
    const h = IncidentHistory.declare().role(T0 + 90 * SECOND + 400, 'commander', 'carol');
    expect(durations(incidentTimes(h.incident, h.timeline), h.timeline, T0 + 100 * SECOND + 600)).toMatchObject({
      timeToAcknowledge: 90,
      inPhase: { active: 101 },
    });
  });
});

describe('formatSeconds', () => {
  it.each([
    [null, '—'],
    [0, '0s'],
    [59, '59s'],
    [60, '1m'],
    [200, '3m 20s'],
    [3600, '1h 0m'],
    [3900, '1h 5m'],
    [3959, '1h 5m'],
    [86_399, '23h 59m'],
    [86_400, '1d 0h'],
    [2 * 86_400 + 4 * 3600 + 59 * 60, '2d 4h'],
  ])('%s seconds → %s', (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });
});
