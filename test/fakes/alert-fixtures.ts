/**
 * The real Alertmanager 0.25 captures in test/fixtures/alertmanager (copied from shared/fixtures; see its README), and builders for
 * payloads, groups and alerts, so alert tests state only what matters to them.
 */
import { readFileSync } from 'node:fs';
import type { AlertGroup, GroupAlert } from '../../src/alerts/alert-group.ts';
import { parseWebhookPayload, type WebhookPayload } from '../../src/alertmanager/alertmanager-payload.ts';

const FIXTURES = new URL('../fixtures/alertmanager/', import.meta.url);

export const FIXTURE_NAMES = [
  'alertmanager-firing',
  'alertmanager-resolved',
  'alertmanager-group-2-firing',
  'alertmanager-group-mixed-1resolved-1firing',
  'alertmanager-group-final-resolved',
] as const;
export type FixtureName = (typeof FIXTURE_NAMES)[number];

/** One HighErrorRate group, delivery by delivery: 2 firing; web-1 resolved, web-2 firing; web-2 resolved (only). */
export const GROUP_SEQUENCE = ['alertmanager-group-2-firing', 'alertmanager-group-mixed-1resolved-1firing', 'alertmanager-group-final-resolved'] as const;
/** The fingerprints of the group's two alerts (instance web-1 and web-2). */
export const WEB1 = 'ac36b8d065d4a922';
export const WEB2 = 'e2dcca36b4a5c6a1';
/** When the group's alerts started firing. */
export const WEB1_STARTS = Date.parse('2026-11-22T17:00:59.283Z');
export const WEB2_STARTS = Date.parse('2026-11-22T17:01:11.478Z');
/** A moment just after the captures, to run clocks at. */
export const CAPTURE_NOW = Date.parse('2026-11-22T17:02:00Z');

/** A webhook alert as JSON, before validation. */
export interface RawAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** A webhook body as JSON, before validation. */
export interface RawPayload {
  receiver: string;
  status: string;
  alerts: RawAlert[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  version: string;
  groupKey: string;
  truncatedAlerts: number;
}

/** The body exactly as Alertmanager sent it. */
export const fixtureText = (name: FixtureName): string => readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8');

/** The body as JSON: a fresh copy each call, free to change. */
export const fixtureJson = (name: FixtureName): RawPayload => JSON.parse(fixtureText(name)) as RawPayload;

/** Validates a body the test knows is valid; throws with the issues otherwise. */
export function validPayload(body: unknown): WebhookPayload {
  const result = parseWebhookPayload(body);
  if (!result.ok) throw new Error(`fixture does not parse: ${result.issues.join('; ')}`);
  return result.payload;
}

export const fixturePayload = (name: FixtureName): WebhookPayload => validPayload(fixtureJson(name));

/** Alertmanager's "not set" time. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Alert `n` of the HighErrorRate group, firing on instance web-`n`; about 700 bytes of JSON like the real ones. */
export function rawAlert(n: number, overrides: Partial<RawAlert> = {}): RawAlert {
  return {
    status: 'firing',
    labels: { alertname: 'HighErrorRate', instance: `web-${n}:9100`, service: 'checkout', severity: 'critical' },
    annotations: {
      runbook_url: 'https://runbooks.example.com/checkout',
      summary: 'Checkout 5xx > 5%',
      description: `web-${n}:9100 answers more than 5% of checkout requests with a 5xx status over the last five minutes`,
      dashboard: `https://grafana.example.com/d/checkout-overview/checkout?orgId=1&var-instance=web-${n}:9100&from=now-1h&to=now`,
    },
    startsAt: new Date(WEB1_STARTS + n * 1000).toISOString(),
    endsAt: ZERO_TIME,
    generatorURL: 'http://prometheus.example:9090/graph?g0.expr=rate%28http_errors_total%5B5m%5D%29',
    fingerprint: `fp${String(n).padStart(14, '0')}`,
    ...overrides,
  };
}

/** A delivery of the HighErrorRate group (as in the captures) carrying `alerts`. */
export function rawPayload(alerts: RawAlert[], overrides: Partial<RawPayload> = {}): RawPayload {
  const base = fixtureJson('alertmanager-group-2-firing');
  return { ...base, alerts, status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved', ...overrides };
}

/** A storm: one delivery of `count` firing alerts. */
export const stormPayload = (count: number): RawPayload => rawPayload(Array.from({ length: count }, (_, n) => rawAlert(n)));

/**
 * stormPayload(count) as bytes, built alert by alert: no large object graph or string is made, so a process that
 * measures its own event loop is not paused collecting them while it measures.
 */
export function stormBody(count: number): Buffer {
  const head = JSON.stringify(rawPayload([], { status: 'firing' }));
  const at = head.indexOf('"alerts":[]');
  const parts = [Buffer.from(`${head.slice(0, at)}"alerts":[`)];
  for (let n = 0; n < count; n++) parts.push(Buffer.from(`${n ? ',' : ''}${JSON.stringify(rawAlert(n))}`));
  parts.push(Buffer.from(head.slice(at + '"alerts":['.length)));
  return Buffer.concat(parts);
}

/** A delivery's alerts as a group keeps them. */
export const groupAlertsOf = (p: WebhookPayload): GroupAlert[] =>
  p.alerts.map((a) => ({
    fingerprint: a.fingerprint,
    startsAt: a.startsAt ?? 0,
    status: a.status,
    endsAt: a.endsAt,
    labels: a.labels,
    annotations: a.annotations,
    generatorUrl: a.generatorURL,
  }));

/** A stored group as the last delivery `p` leaves it, with `overrides` on top. */
export function groupOf(p: WebhookPayload, overrides: Partial<AlertGroup> = {}): AlertGroup {
  const firing = p.alerts.filter((a) => a.status === 'firing').map((a) => a.startsAt ?? 0);
  return {
    id: 1,
    groupKey: p.groupKey,
    receiver: p.receiver,
    groupLabels: p.groupLabels,
    commonLabels: p.commonLabels,
    commonAnnotations: p.commonAnnotations,
    externalUrl: p.externalURL,
    truncatedAlerts: p.truncatedAlerts,
    firstFiringAt: firing.length ? Math.min(...firing) : null,
    lastDeliveryAt: CAPTURE_NOW,
    version: 1,
    firingCount: firing.length,
    acknowledged: null,
    notActionable: null,
    incidentNumber: null,
    silence: null,
    ...overrides,
  };
}

/** The HighErrorRate group with both alerts firing, as after its first delivery. */
export const firingGroup = (overrides: Partial<AlertGroup> = {}): AlertGroup => groupOf(fixturePayload('alertmanager-group-2-firing'), overrides);

/** An alert of the HighErrorRate group: firing on web-`n` since a second after web-1. */
export function aGroupAlert(n: number, overrides: Partial<GroupAlert> = {}): GroupAlert {
  const [alert] = groupAlertsOf(validPayload(rawPayload([rawAlert(n)])));
  if (!alert) throw new Error('unreachable');
  return { ...alert, ...overrides };
}
