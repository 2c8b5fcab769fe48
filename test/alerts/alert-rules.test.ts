import { describe, expect, it } from 'vitest';
import type { GroupAlert } from '../../src/alerts/alert-group.ts';
import {
  CARD_ALERT_LIMIT,
  DEFAULT_SEVERITY_MAP,
  distinguishingLabels,
  incidentTitle,
  latestPerFingerprint,
  mapSeverity,
  parseSeverityMap,
  silenceMatchers,
  viewGroup,
} from '../../src/alerts/alert-rules.ts';
import type { WebhookPayload } from '../../src/alertmanager/alertmanager-payload.ts';
import {
  aGroupAlert,
  firingGroup,
  fixturePayload,
  GROUP_SEQUENCE,
  groupAlertsOf,
  groupOf,
  rawAlert,
  rawPayload,
  validPayload,
  WEB1,
  WEB2,
} from '../fakes/alert-fixtures.ts';

/** Keeps every (fingerprint, startsAt) an alert was seen with, its latest state winning: what the store keeps. */
function accumulate(kept: readonly GroupAlert[], p: WebhookPayload): GroupAlert[] {
  const byKey = new Map(kept.map((a) => [`${a.fingerprint} ${a.startsAt}`, a]));
  for (const a of groupAlertsOf(p)) byKey.set(`${a.fingerprint} ${a.startsAt}`, a);
  return [...byKey.values()];
}

const fingerprints = (alerts: readonly GroupAlert[]) => alerts.map((a) => a.fingerprint);

describe('viewGroup over the captured delivery sequence', () => {
  const views = () => {
    let kept: GroupAlert[] = [];
    return GROUP_SEQUENCE.map((name) => {
      const p = fixturePayload(name);
      kept = accumulate(kept, p);
      return viewGroup(groupOf(p), kept, DEFAULT_SEVERITY_MAP);
    });
  };

  it('shows 2 firing, then 1 firing and 1 resolved, then both resolved', () => {
    expect(views().map((v) => [fingerprints(v.firingAlerts), fingerprints(v.resolvedAlerts)])).toEqual([
      [[WEB1, WEB2], []],
      [[WEB2], [WEB1]],
      [[], [WEB1, WEB2]],
    ]);
  });

  it('is correct although the last delivery lists only the alert not yet reported resolved', () => {
    expect(fixturePayload('alertmanager-group-final-resolved').alerts.map((a) => a.fingerprint)).toEqual([WEB2]);
    const last = views()[2]!;
    expect(last.resolvedAlerts.map((a) => a.endsAt)).toEqual([Date.parse('2026-11-22T17:01:18Z'), Date.parse('2026-11-22T17:01:25Z')]);
    expect(last).toMatchObject({ title: 'HighErrorRate', summary: 'Checkout 5xx > 5%', severity: 'sev1', moreAlerts: 0 });
  });

  // The last delivery's commonLabels cover only the remainder: the card must not claim instance=web-2:9100 for the group.
  it('does not show labels of the remainder as labels of the whole group after the final delivery', () => {
    expect(views()[2]!.labels).toEqual([['service', 'checkout']]);
  });

  it('counts a fingerprint that fires again after it resolved (new startsAt) as firing', () => {
    let kept: GroupAlert[] = [];
    for (const name of GROUP_SEQUENCE) kept = accumulate(kept, fixturePayload(name));
    const again = validPayload(rawPayload([rawAlert(1, { fingerprint: WEB1, startsAt: '2026-11-22T17:30:00Z' })]));
    const view = viewGroup(groupOf(again), accumulate(kept, again), DEFAULT_SEVERITY_MAP);
    expect(fingerprints(view.firingAlerts)).toEqual([WEB1]);
    expect(view.firingAlerts[0]?.startsAt).toBe(Date.parse('2026-11-22T17:30:00Z'));
    expect(fingerprints(view.resolvedAlerts)).toEqual([WEB2]);
  });
});

describe('latestPerFingerprint', () => {
  it('keeps the latest start of each fingerprint, in start order', () => {
    const old = aGroupAlert(1, { fingerprint: 'a', startsAt: 100, status: 'resolved' });
    const refired = aGroupAlert(1, { fingerprint: 'a', startsAt: 300 });
    const other = aGroupAlert(2, { fingerprint: 'b', startsAt: 200 });
    expect(latestPerFingerprint([refired, other, old])).toEqual([other, refired]);
  });
});

describe('severity', () => {
  it.each([
    ['critical', 'sev1'],
    ['CRITICAL', 'sev1'],
    ['warning', 'sev3'],
    ['info', 'sev4'],
    ['unheard-of', 'sev3'],
    [undefined, 'sev3'],
  ] as const)('maps the label %s to %s by default', (label, severity) => {
    expect(mapSeverity(label, DEFAULT_SEVERITY_MAP)).toBe(severity);
  });

  it('follows a custom map, and unmapped labels fall back to sev3', () => {
    const map = { p1: 'sev1', p2: 'sev2' } as const;
    expect([mapSeverity('p2', map), mapSeverity('critical', map)]).toEqual(['sev2', 'sev3']);
  });

  it('of a view comes from the severity label its alerts share', () => {
    expect(viewGroup(firingGroup(), [aGroupAlert(1)], { critical: 'sev2' }).severity).toBe('sev2');
    const warning = aGroupAlert(1, { labels: { alertname: 'HighErrorRate', severity: 'warning', service: 'checkout' } });
    expect(viewGroup(firingGroup(), [warning], DEFAULT_SEVERITY_MAP).severity).toBe('sev3');
  });
});

describe('parseSeverityMap', () => {
  it('reads label=sevN pairs, case-insensitively, with = or :', () => {
    expect(parseSeverityMap('Critical=sev1, warning : 2,  page=SEV1')).toEqual({ map: { critical: 'sev1', warning: 'sev2', page: 'sev1' } });
  });

  it('accepts an empty text as an empty map', () => {
    expect(parseSeverityMap('')).toEqual({ map: {} });
  });

  it.each(['critical', '=sev1', 'critical=sev9', 'critical=sev1,warning=high'])('refuses "%s", naming the bad pair', (text) => {
    const result = parseSeverityMap(text);
    expect(result).toEqual({ error: expect.stringContaining('is not label=sevN') });
    expect('error' in result && result.error).toMatch(/^"(critical|=sev1|critical=sev9|warning=high)"/);
  });
});

describe('links', () => {
  it('offers the source graph, the runbook and Alertmanager itself', () => {
    const view = viewGroup(firingGroup(), groupAlertsOf(fixturePayload('alertmanager-group-2-firing')), DEFAULT_SEVERITY_MAP);
    expect(view.links).toEqual([
      { label: 'Source', url: 'http://prometheus.example:9090/graph?g0.expr=rate%28http_errors_total%5B5m%5D%29' },
      { label: 'Runbook', url: 'https://runbooks.example.com/checkout' },
      { label: 'Alertmanager', url: 'http://127.0.0.1:9093/#/alerts?receiver=incident-bot' },
    ]);
  });

  it('drops URLs that are not http(s), and a missing Alertmanager URL', () => {
    const group = firingGroup({ externalUrl: '', commonAnnotations: { runbook_url: 'javascript:alert(1)' } });
    const alert = aGroupAlert(1, { generatorUrl: 'file:///etc/passwd', annotations: {} });
    expect(viewGroup(group, [alert], DEFAULT_SEVERITY_MAP).links).toEqual([]);
  });

  it('finds a runbook on an alert when the group has none in common', () => {
    const group = firingGroup({ commonAnnotations: {} });
    const alert = aGroupAlert(1, { annotations: { runbook_url: 'https://runbooks.example.com/web-1' } });
    expect(viewGroup(group, [alert], DEFAULT_SEVERITY_MAP).links).toContainEqual({ label: 'Runbook', url: 'https://runbooks.example.com/web-1' });
  });
});

describe('labels on the card', () => {
  it('shows group labels first, then other labels all alerts share, never alertname or severity', () => {
    const labels = (instance: string) => ({ alertname: 'HighErrorRate', severity: 'critical', team: 'payments', service: 'checkout', instance });
    const alerts = [aGroupAlert(1, { labels: labels('web-1:9100') }), aGroupAlert(2, { labels: labels('web-2:9100') })];
    expect(viewGroup(firingGroup(), alerts, DEFAULT_SEVERITY_MAP).labels).toEqual([
      ['service', 'checkout'],
      ['team', 'payments'],
    ]);
  });

  it('tells alerts apart by the labels they do not share', () => {
    const alert = aGroupAlert(3, { labels: { alertname: 'HighErrorRate', severity: 'warning', service: 'checkout', instance: 'web-3:9100' } });
    expect(distinguishingLabels(alert, firingGroup().commonLabels)).toEqual([['instance', 'web-3:9100']]);
  });
});

describe('moreAlerts', () => {
  it('counts alerts beyond the card’s list plus those Alertmanager truncated', () => {
    const alerts = Array.from({ length: CARD_ALERT_LIMIT + 2 }, (_, n) => aGroupAlert(n));
    expect(viewGroup(firingGroup({ truncatedAlerts: 5 }), alerts, DEFAULT_SEVERITY_MAP).moreAlerts).toBe(2 + 5);
  });

  it('is only the truncated ones when every alert fits', () => {
    expect(viewGroup(firingGroup({ truncatedAlerts: 4 }), [aGroupAlert(1)], DEFAULT_SEVERITY_MAP).moreAlerts).toBe(4);
    expect(viewGroup(firingGroup(), [aGroupAlert(1)], DEFAULT_SEVERITY_MAP).moreAlerts).toBe(0);
  });
});

describe('silenceMatchers', () => {
  it('match the group labels exactly (what Alertmanager grouped by)', () => {
    expect(silenceMatchers(firingGroup())).toEqual([
      { name: 'alertname', value: 'HighErrorRate', isRegex: false, isEqual: true },
      { name: 'service', value: 'checkout', isRegex: false, isEqual: true },
    ]);
  });

  it('fall back to the common labels when the group is not grouped by labels', () => {
    const group = firingGroup({ groupLabels: {}, commonLabels: { alertname: 'DiskFull', instance: 'db-1:9100' } });
    expect(silenceMatchers(group)).toEqual([
      { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
      { name: 'instance', value: 'db-1:9100', isRegex: false, isEqual: true },
    ]);
  });
});

describe('incidentTitle', () => {
  const view = (overrides: Parameters<typeof firingGroup>[0]) => viewGroup(firingGroup(overrides), [], DEFAULT_SEVERITY_MAP);

  it('is the alert name and its summary', () => {
    expect(incidentTitle(view({}))).toBe('HighErrorRate: Checkout 5xx > 5%');
  });

  it('is the alert name alone without a summary, and at most 200 characters', () => {
    expect(incidentTitle(view({ commonAnnotations: {} }))).toBe('HighErrorRate');
    expect(incidentTitle(view({ commonAnnotations: { summary: 'x'.repeat(300) } }))).toHaveLength(200);
  });
});
