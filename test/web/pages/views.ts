/** Fixtures for the page tests: IncidentSummary / IncidentDetail built through the API's zod schemas. */
import { type IncidentDetail, incidentDetailSchema, type IncidentSummary, incidentSummarySchema } from '../../../src/web/api-schema.ts';
import type { BoardView } from '../../../src/web/pages/board-page.ts';
import type { IncidentPageView } from '../../../src/web/pages/incident-page.ts';
import { type PublicIncident, publicIncidentSchema, type StatusDocument, statusDocumentSchema } from '../../../src/web/public-status.ts';

/** 2025-03-14 15:00 UTC: "now" for every page test. */
export const NOW = Date.parse('2025-03-14T15:00:00.000Z');
export const TZ = 'UTC';
export const CSRF = 'csrf-token-123';
export const EVIL = '<script>alert(1)</script>"onmouseover=alert(2) \'x';

export function aSummary(overrides: Partial<IncidentSummary> = {}): IncidentSummary {
  const number = overrides.number ?? 7;
  return incidentSummarySchema.parse({
    number,
    title: 'Checkout errors after deploy',
    severity: 'sev2',
    phase: 'active',
    private: false,
    platform: 'slack',
    declaredAt: '2025-03-14T14:00:00.000Z',
    declaredBy: 'alice',
    roles: { commander: 'carol' },
    cadenceSeconds: 3600,
    nextUpdateDue: '2025-03-14T15:30:00.000Z',
    updateOverdue: false,
    lastUpdate: { text: 'Rolling back the 13:45 deploy', at: '2025-03-14T14:30:00.000Z', by: 'dave' },
    warRoom: { channelId: 'C123', name: 'inc-7-checkout', url: 'https://chat.example.com/archives/C123' },
    mitigatedAt: null,
    resolvedAt: null,
    closedAt: null,
    url: `http://localhost:3000/incidents/${number}`,
    ...overrides,
  });
}

export function aDetail(overrides: Partial<IncidentDetail> = {}): IncidentDetail {
  const { timeline, phaseHistory, updates, actionItems, alerts, durations, postmortem, postmortemSections, checklistItems, ...summary } = overrides;
  return incidentDetailSchema.parse({
    ...aSummary(summary),
    ...(checklistItems ? { checklistItems } : {}),
    timeline: timeline ?? [
      { at: '2025-03-14T14:00:00.000Z', actor: 'alice', kind: 'declared', text: 'Declared SEV2' },
      { at: '2025-03-14T14:02:00.000Z', actor: 'carol', kind: 'role_assigned', text: 'carol is IC' },
    ],
    phaseHistory: phaseHistory ?? [],
    updates: updates ?? [{ at: '2025-03-14T14:30:00.000Z', by: 'dave', text: 'Rolling back the 13:45 deploy', late: false }],
    actionItems: actionItems ?? [{ id: 1, text: 'Add a canary stage', owner: 'bob', due: '2025-03-21', state: 'open', doneAt: null }],
    alerts: alerts ?? [
      {
        id: 3,
        title: 'HighErrorRate',
        groupKey: '{}:{alertname="HighErrorRate"}',
        firstFiringAt: '2025-03-14T13:52:00.000Z',
        acknowledgedAt: '2025-03-14T13:55:00.000Z',
        acknowledgedBy: 'bob',
        silenceId: null,
      },
    ],
    durations: durations ?? { timeToAcknowledge: 180, timeToMitigate: null, timeToResolve: null },
    postmortem: postmortem ?? null,
    postmortemSections: postmortemSections ?? { summary: '', impact: '', contributingFactors: '', wentWell: '', wentWrong: '' },
  });
}

export function aBoardView(overrides: Partial<BoardView> = {}): BoardView {
  return {
    columns: [
      { phase: 'active', incidents: [] },
      { phase: 'mitigated', incidents: [] },
      { phase: 'resolved', incidents: [] },
      { phase: 'closed', incidents: [] },
    ],
    now: NOW,
    timeZone: TZ,
    csrfToken: CSRF,
    canAct: true,
    banners: [],
    ...overrides,
  };
}

export function anIncidentPageView(overrides: Partial<IncidentPageView> = {}): IncidentPageView {
  return {
    incident: aDetail(),
    now: NOW,
    timeZone: TZ,
    csrfToken: CSRF,
    canAct: true,
    roles: ['commander', 'comms', 'scribe', 'tech', 'partner-comms'],
    viewer: 'erin',
    ...overrides,
  };
}

/** The board's columns with each summary placed in the column of its phase. */
export function columnsOf(incidents: readonly IncidentSummary[]): BoardView['columns'] {
  return (['active', 'mitigated', 'resolved', 'closed'] as const).map((phase) => ({ phase, incidents: incidents.filter((i) => i.phase === phase) }));
}

/** A published incident as the public routes see it (built through the strict public schema). */
export function aPublicIncident(overrides: Partial<PublicIncident> = {}): PublicIncident {
  return publicIncidentSchema.parse({
    id: 'a1b2c3d4e5f60718',
    title: 'Checkout is slow for some customers',
    impact: 'partial',
    impactLabel: 'Partial outage',
    status: 'investigating',
    components: ['checkout'],
    startedAt: '2025-03-14T14:00:00.000Z',
    updatedAt: '2025-03-14T14:30:00.000Z',
    resolvedAt: null,
    updates: [{ at: '2025-03-14T14:30:00.000Z', text: 'We have found the cause and are rolling out a fix' }],
    ...overrides,
  });
}

export function aStatusDocument(overrides: Partial<StatusDocument> = {}): StatusDocument {
  const incidents = overrides.incidents ?? [aPublicIncident()];
  return statusDocumentSchema.parse({
    overall: incidents.length ? 'partial' : 'operational',
    overallLabel: incidents.length ? 'Partial outage' : 'All systems operational',
    updatedAt: new Date(NOW).toISOString(),
    components: [],
    incidents,
    ...overrides,
  });
}
