/**
 * Alertmanager deliveries for the webhook benchmark, shaped like shared/fixtures/alertmanager/alertmanager-group-2-firing.json
 * (version "4", groupKey, group/common labels and annotations) but with 10 alerts each (~2 KB of JSON).
 *
 * Each group gets a sequence of deliveries as Alertmanager would send them one group_interval apart: alerts
 * resolve and fire again (a re-fired alert has a new startsAt), so no delivery repeats the one before it, but some
 * alert of the group is firing until the last delivery (a group that fully resolved and fires again gets a new card,
 * a new episode). The last delivery of group g leaves exactly `g % 11` alerts firing, so its card must end on
 * "FIRING (n)" or "RESOLVED".
 * A few groups get one delivery sent twice in a row: Alertmanager's re-send after a timeout, which must change nothing.
 */
import { createHash } from 'node:crypto';

export interface PlanOptions {
  /** Group (and alertname) prefix; names are `${prefix}${4 digits}`, so one never contains another. */
  prefix: string;
  groups: number;
  /** Distinct deliveries per group (>= 2). */
  deliveries: number;
  /** Every `resendEvery`-th group has its middle delivery sent twice; 0 = none. */
  resendEvery: number;
  seed: number;
}

export interface GroupPlan {
  name: string;
  groupKey: string;
  /** The request bodies, in the order they are to be sent (a re-send appears twice in a row). */
  sends: string[];
  /** Alerts firing after the last delivery. */
  finalFiring: number;
}

const ALERTS_PER_DELIVERY = 10;
const ZERO_TIME = '0001-01-01T00:00:00Z';
const T0 = Date.UTC(2026, 0, 12, 9, 0, 0);
const GROUP_INTERVAL_MS = 60_000;
const SEVERITIES = ['critical', 'warning', 'info'] as const;

/** The text the card of a group with `firing` alerts firing must show. */
export const cardState = (firing: number): string => (firing > 0 ? `FIRING (${firing})` : 'RESOLVED');

/** Deterministic pseudo-random numbers (LCG), so every run sends the same bytes. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface AlertState {
  firing: boolean;
  startsAt: number;
  endsAt: number | null;
}

function groupPlan(o: PlanOptions, g: number): GroupPlan {
  const name = `${o.prefix}${String(g).padStart(4, '0')}`;
  const service = `svc-${g % 17}`;
  const severity = SEVERITIES[g % SEVERITIES.length] ?? 'warning';
  const groupLabels = { alertname: name };
  const commonLabels = { alertname: name, severity };
  const summary = `${service} instances failing health checks`;
  const commonAnnotations = { runbook_url: `https://runbooks.example.com/${service}`, summary };
  const groupKey = `{}:{alertname="${name}"}`;
  const fingerprints = Array.from({ length: ALERTS_PER_DELIVERY }, (_, i) => createHash('sha256').update(`${name}/${i}`).digest('hex').slice(0, 16));
  const random = rng(o.seed * 7919 + g);
  const finalFiring = g % (ALERTS_PER_DELIVERY + 1);

  const start = T0 + g * 1000;
  // The first delivery: a few alerts firing (at least one), as a new group starts.
  const states: AlertState[] = fingerprints.map((_, i) => ({ firing: i === 0 || random() < 0.5, startsAt: start - i * 5000, endsAt: null }));
  const body = (): string => {
    const firing = states.some((s) => s.firing);
    return JSON.stringify({
      receiver: 'sitroom',
      status: firing ? 'firing' : 'resolved',
      alerts: states.map((s, i) => ({
        status: s.firing ? 'firing' : 'resolved',
        labels: { alertname: name, instance: `host-${i}:9100`, severity },
        annotations: {},
        startsAt: new Date(s.startsAt).toISOString(),
        endsAt: s.firing || s.endsAt === null ? ZERO_TIME : new Date(s.endsAt).toISOString(),
        generatorURL: '',
        fingerprint: fingerprints[i],
      })),
      groupLabels,
      commonLabels,
      commonAnnotations,
      externalURL: 'http://alertmanager.example:9093',
      version: '4',
      groupKey,
      truncatedAlerts: 0,
    });
  };
  const setFiring = (s: AlertState, firing: boolean, at: number) => {
    if (s.firing === firing) return;
    if (firing) {
      s.firing = true;
      s.startsAt = at; // a re-fired alert is a new firing: a new startsAt
      s.endsAt = null;
    } else {
      s.firing = false;
      s.endsAt = at;
    }
  };

  const distinct: string[] = [body()];
  for (let d = 1; d < o.deliveries; d++) {
    const at = start + d * GROUP_INTERVAL_MS;
    if (d === o.deliveries - 1) {
      states.forEach((s, i) => setFiring(s, i < finalFiring, at));
    } else {
      let changed = false;
      states.forEach((s) => {
        if (random() < 0.3) {
          setFiring(s, !s.firing, at);
          changed = true;
        }
      });
      const pick = states[Math.floor(random() * states.length)];
      if (!changed && pick) setFiring(pick, !pick.firing, at);
      // Never all resolved before the last delivery: a group that resolved and fires again starts a new episode with
      // a new card (by design), and this benchmark counts one card per group.
      if (!states.some((s) => s.firing) && pick) setFiring(pick, true, at);
    }
    distinct.push(body());
  }
  const sends = [...distinct];
  if (o.resendEvery > 0 && g % o.resendEvery === 0) {
    const middle = Math.floor(o.deliveries / 2);
    sends.splice(middle, 0, distinct[middle] ?? '');
  }
  return { name, groupKey, sends, finalFiring };
}

export function buildPlan(o: PlanOptions): GroupPlan[] {
  return Array.from({ length: o.groups }, (_, g) => groupPlan(o, g));
}

/** Sends that repeat the body sent just before for the same group: the bot must answer them "duplicate". */
export function expectedDuplicates(plan: readonly GroupPlan[]): number {
  return plan.reduce((n, p) => n + p.sends.filter((b, i) => i > 0 && b === p.sends[i - 1]).length, 0);
}
