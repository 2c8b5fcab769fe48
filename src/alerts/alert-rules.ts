/** Pure rules for alerts: severity mapping, the latest state per fingerprint, the card's view, silence matchers. */
import { type Severity, parseSeverity } from '../incidents/severity.ts';
import type { AlertDigest, AlertGroup, AlertGroupView, GroupAlert, Labels } from './alert-group.ts';

export type SeverityMap = Readonly<Record<string, Severity>>;

/** The default mapping of the `severity` label to incident severity. */
export const DEFAULT_SEVERITY_MAP: SeverityMap = { critical: 'sev1', page: 'sev1', error: 'sev2', high: 'sev2', warning: 'sev3', medium: 'sev3', info: 'sev4', low: 'sev4', none: 'sev5' };
/** Severity for alerts whose label is missing or unmapped. */
export const UNMAPPED_SEVERITY: Severity = 'sev3';

/** Parses `critical=sev1,warning=sev3`; undefined with a message when malformed. */
export function parseSeverityMap(text: string): { map: SeverityMap } | { error: string } {
  const map: Record<string, Severity> = {};
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [label, sev] = pair.split(/[=:]/).map((s) => s.trim());
    const severity = parseSeverity(sev ?? '');
    if (!label || !severity) return { error: `"${pair}" is not label=sevN` };
    map[label.toLowerCase()] = severity;
  }
  return { map };
}

export const mapSeverity = (label: string | undefined, map: SeverityMap): Severity => map[(label ?? '').toLowerCase()] ?? UNMAPPED_SEVERITY;

/** Orders alerts as a card lists them: earliest start first, then fingerprint. */
const byStart = (a: GroupAlert, b: GroupAlert) => a.startsAt - b.startsAt || (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0);

/** The group's earliest alert, from the first firing and the first resolved ones. */
export function earliestAlert(firing: readonly GroupAlert[], resolved: readonly GroupAlert[]): GroupAlert | undefined {
  const [f, r] = [firing[0], resolved[0]];
  return f && r ? (byStart(f, r) <= 0 ? f : r) : (f ?? r);
}

/** The latest firing of each fingerprint: what the group looks like now. */
export function latestPerFingerprint(alerts: readonly GroupAlert[]): GroupAlert[] {
  const latest = new Map<string, GroupAlert>();
  for (const a of alerts) {
    const seen = latest.get(a.fingerprint);
    if (!seen || a.startsAt > seen.startsAt) latest.set(a.fingerprint, a);
  }
  // Code-point order (fingerprints are hex): localeCompare made sorting an 80,000-alert storm several times slower.
  return [...latest.values()].sort(byStart);
}

/** Labels that never help tell a group apart on a card. */
const NOISE_LABELS = new Set(['alertname', 'severity']);
/** How many alerts a card lists by name. */
export const CARD_ALERT_LIMIT = 10;

/** The labels that differ between a group's alerts (e.g. `instance`), to tell alerts apart on the card. */
export function distinguishingLabels(alert: GroupAlert, common: Labels): [string, string][] {
  return Object.entries(alert.labels).filter(([k, v]) => common[k] !== v && !NOISE_LABELS.has(k));
}

/** Labels with the same value on every alert, or undefined for no alerts. */
export function sharedLabels(alerts: readonly GroupAlert[]): Labels | undefined {
  const [first, ...rest] = alerts;
  if (!first) return undefined;
  return Object.fromEntries(Object.entries(first.labels).filter(([k, v]) => rest.every((a) => a.labels[k] === v)));
}

/**
 * The digest of a group from every stored alert: the reference for the one the store keeps as alerts are written
 * (tests compare the two), and for callers that have the alerts in hand.
 */
export function digestAlerts(alerts: readonly GroupAlert[]): AlertDigest {
  const latest = latestPerFingerprint(alerts);
  const firing = latest.filter((a) => a.status === 'firing');
  const resolved = latest.filter((a) => a.status === 'resolved');
  return {
    firing: firing.length,
    resolved: resolved.length,
    firstFiring: firing.slice(0, CARD_ALERT_LIMIT),
    firstResolved: resolved.slice(0, CARD_ALERT_LIMIT),
    sharedLabels: sharedLabels(latest),
    generatorUrl: latest.find((a) => a.generatorUrl)?.generatorUrl,
    runbookUrl: latest.find((a) => a.annotations['runbook_url'])?.annotations['runbook_url'],
  };
}

/** Everything a card shows, from the group and every alert of it (see viewDigest). */
export const viewGroup = (group: AlertGroup, alerts: readonly GroupAlert[], severityMap: SeverityMap): AlertGroupView =>
  viewDigest(group, digestAlerts(alerts), severityMap);

/** Everything a card shows, from the group and the digest of its alerts. */
export function viewDigest(group: AlertGroup, digest: AlertDigest, severityMap: SeverityMap): AlertGroupView {
  const first = earliestAlert(digest.firstFiring, digest.firstResolved);
  // The last delivery's commonLabels describe only what it listed (the final one lists just the remainder),
  // so the labels shared by the whole group are those of every fingerprint's latest state.
  const common = digest.sharedLabels ?? group.commonLabels;
  const title = common['alertname'] ?? group.groupLabels['alertname'] ?? first?.labels['alertname'] ?? 'Alert';
  const summary = group.commonAnnotations['summary'] ?? first?.annotations['summary'] ?? group.commonAnnotations['description'] ?? '';
  const labels: [string, string][] = [
    ...Object.entries(group.groupLabels).filter(([k]) => !NOISE_LABELS.has(k)),
    ...Object.entries(common).filter(([k]) => !NOISE_LABELS.has(k) && !(k in group.groupLabels)),
  ];
  const generator = digest.generatorUrl;
  const runbook = group.commonAnnotations['runbook_url'] ?? digest.runbookUrl;
  const links = [
    ...(generator ? [{ label: 'Source', url: generator }] : []),
    ...(runbook ? [{ label: 'Runbook', url: runbook }] : []),
    ...(group.externalUrl ? [{ label: 'Alertmanager', url: `${group.externalUrl.replace(/\/$/, '')}/#/alerts?receiver=${encodeURIComponent(group.receiver)}` }] : []),
  ].filter((l) => /^https?:\/\//.test(l.url));
  const total = digest.firing + digest.resolved;
  const listed = Math.min(total, CARD_ALERT_LIMIT);
  return {
    group,
    title,
    summary,
    severity: mapSeverity(common['severity'] ?? first?.labels['severity'], severityMap),
    firing: digest.firing,
    resolved: digest.resolved,
    firingAlerts: digest.firstFiring.slice(0, CARD_ALERT_LIMIT),
    resolvedAlerts: digest.firstResolved.slice(0, CARD_ALERT_LIMIT),
    labels,
    links,
    moreAlerts: total - listed + group.truncatedAlerts,
    commonLabels: common,
  };
}

export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

/** Silence matchers for a group: its group labels (what Alertmanager grouped by), else its common labels. */
export function silenceMatchers(group: AlertGroup): Matcher[] {
  const source = Object.keys(group.groupLabels).length > 0 ? group.groupLabels : group.commonLabels;
  return Object.entries(source).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
}

/** An incident title for a group: `HighErrorRate: Checkout 5xx > 5%`. */
export const incidentTitle = (view: AlertGroupView): string => (view.summary ? `${view.title}: ${view.summary}` : view.title).slice(0, 200);
