/** Incidents as the web and the JSON API show them, built through the published schemas in api-schema.ts. */
import type { ActionItem } from '../incidents/action-items.ts';
import { type ChecklistItem, checklistProgress } from '../incidents/checklists.ts';
import { alertFactsOf, durations, incidentTimes } from '../incidents/durations.ts';
import type { Incident } from '../incidents/incident.ts';
import { SEVERITIES } from '../incidents/severity.ts';
import { isUpdateOverdue } from '../incidents/overdue.ts';
import type { LinkedAlertGroup } from '../incidents/ports.ts';
import type { PostmortemSections } from '../incidents/postmortem.ts';
import type { TimelineEvent } from '../incidents/timeline.ts';
import { capturedDetails } from '../incidents/captured-messages.ts';
import { type IncidentDetail, incidentDetailSchema, type IncidentSummary, incidentSummarySchema } from './api-schema.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** Where a war room opens in the browser, per platform (null when it cannot be linked). */
export type WarRoomUrl = (incident: Incident) => string | null;


/**
 * The board's order within a column — what matters first: severity (SEV1 first), then an overdue update, then age
 * (the longest-running first), then number.
 */
export function byUrgency(a: IncidentSummary, b: IncidentSummary): number {
  return (
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    Number(b.updateOverdue) - Number(a.updateOverdue) ||
    a.declaredAt.localeCompare(b.declaredAt) ||
    a.number - b.number
  );
}

/** `checklist`: the incident's checklist progress, when it has a checklist. */
export function incidentSummary(i: Incident, now: number, warRoomUrl: WarRoomUrl, checklist: { done: number; total: number } | null = null): IncidentSummary {
  return incidentSummarySchema.parse({
    number: i.number,
    title: i.title,
    severity: i.severity,
    phase: i.phase,
    private: i.isPrivate,
    type: i.type,
    drill: i.drill,
    checklist: checklist && checklist.total > 0 ? checklist : null,
    platform: i.platform,
    declaredAt: iso(i.declaredAt),
    declaredBy: i.declaredBy,
    roles: { ...i.roles },
    cadenceSeconds: i.cadence,
    nextUpdateDue: isoOrNull(i.nextUpdateDue),
    updateOverdue: isUpdateOverdue(i, now),
    lastUpdate: i.lastUpdate && { text: i.lastUpdate.text, at: iso(i.lastUpdate.at), by: i.lastUpdate.by },
    warRoom: i.room && { channelId: i.room.channelId, name: i.room.channelName, url: warRoomUrl(i) },
    mitigatedAt: isoOrNull(i.mitigatedAt),
    resolvedAt: isoOrNull(i.resolvedAt),
    closedAt: isoOrNull(i.closedAt),
    url: `/incidents/${i.number}`,
  });
}

export interface DetailSources {
  timeline: readonly TimelineEvent[];
  actionItems: readonly ActionItem[];
  checklist: readonly ChecklistItem[];
  alerts: readonly LinkedAlertGroup[];
  postmortem: string | null;
  postmortemSections: PostmortemSections;
}

/** Where an incident's details are read from (the stores, or the services over them). */
export interface DetailReaders {
  timeline(number: number): Promise<readonly TimelineEvent[]>;
  actionItemsOf(number: number): Promise<readonly ActionItem[]>;
  checklistOf?(number: number): Promise<readonly ChecklistItem[]>;
  linkedTo(number: number): Promise<readonly LinkedAlertGroup[]>;
  postmortem(number: number): Promise<{ markdown: string } | undefined>;
  postmortemSections(number: number): Promise<PostmortemSections>;
}

/** Everything about one incident as GET /api/incidents/<number> answers it (the incident page and webhooks share it). */
export const incidentDetailOf =
  (r: DetailReaders, warRoomUrl: WarRoomUrl) =>
  async (incident: Incident, now: number): Promise<IncidentDetail> => {
    // Everything is read first (the stores answer with promises), then rendered in one synchronous pass.
    const n = incident.number;
    const [timeline, actionItems, checklist, alerts, postmortem, postmortemSections] = await Promise.all([
      r.timeline(n),
      r.actionItemsOf(n),
      r.checklistOf?.(n) ?? [],
      r.linkedTo(n),
      r.postmortem(n),
      r.postmortemSections(n),
    ]);
    return incidentDetail(incident, now, warRoomUrl, { timeline, actionItems, checklist, alerts, postmortem: postmortem?.markdown ?? null, postmortemSections });
  };

export function incidentDetail(i: Incident, now: number, warRoomUrl: WarRoomUrl, s: DetailSources): IncidentDetail {
  const times = incidentTimes(i, s.timeline, alertFactsOf(s.alerts));
  const d = durations(times, s.timeline, now);
  return incidentDetailSchema.parse({
    ...incidentSummary(i, now, warRoomUrl, checklistProgress(s.checklist)),
    timeline: s.timeline.map((e) => {
      const captured = capturedDetails(e);
      return { at: iso(e.at), actor: e.actor, kind: e.kind, text: e.text, ...(captured && { captured }) };
    }),
    phaseHistory: s.timeline
      .filter((e) => e.kind === 'phase_changed')
      .map((e) => ({ at: iso(e.at), actor: e.actor, from: String(e.data['from']), to: String(e.data['to']), note: String(e.data['note'] ?? '') })),
    updates: s.timeline.filter((e) => e.kind === 'update_posted').map((e) => ({ at: iso(e.at), by: e.actor, text: e.text, late: e.data['late'] === true })),
    actionItems: s.actionItems.map((a) => ({ id: a.id, text: a.text, owner: a.owner, due: a.due, state: a.state, doneAt: isoOrNull(a.doneAt), issue: a.issue ?? null })),
    checklistItems: s.checklist.map((c) => ({ position: c.position, text: c.text, required: c.required, checkedAt: isoOrNull(c.checkedAt), checkedBy: c.checkedBy })),
    alerts: s.alerts.map((a) => ({
      id: a.id,
      title: a.title,
      groupKey: a.groupKey,
      firstFiringAt: isoOrNull(a.firstFiringAt),
      acknowledgedAt: isoOrNull(a.acknowledgedAt),
      acknowledgedBy: a.acknowledgedBy,
      silenceId: a.silenceId,
    })),
    durations: { timeToAcknowledge: d.timeToAcknowledge, timeToMitigate: d.timeToMitigate, timeToResolve: d.timeToResolve },
    postmortem: s.postmortem,
    postmortemSections: { ...s.postmortemSections },
  });
}
