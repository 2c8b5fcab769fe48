/**
 * The JSON API's documented, stable shapes (zod): GET /api/incidents and GET /api/incidents/<number>. The server
 * builds every answer through these schemas, and the web pages render from the same views.
 */
import { z } from 'zod';
import { PHASES } from '../incidents/phases.ts';
import { SEVERITIES } from '../incidents/severity.ts';

const time = z.iso.datetime();

export const incidentSummarySchema = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  severity: z.enum(SEVERITIES),
  phase: z.enum(PHASES),
  private: z.boolean(),
  /** One of INCIDENT_TYPES, or null. */
  type: z.string().nullable().default(null),
  /** A practice run (never on the status page, not in stats). */
  drill: z.boolean().default(false),
  /** Ticked checklist items out of all; null without a checklist. */
  checklist: z.object({ done: z.number().int(), total: z.number().int() }).nullable().default(null),
  platform: z.string(),
  declaredAt: time,
  declaredBy: z.string(),
  /** Role -> user id. */
  roles: z.record(z.string(), z.string()),
  /** Seconds between promised updates; null when off. */
  cadenceSeconds: z.number().int().nullable(),
  nextUpdateDue: time.nullable(),
  updateOverdue: z.boolean(),
  lastUpdate: z.object({ text: z.string(), at: time, by: z.string() }).nullable(),
  warRoom: z.object({ channelId: z.string(), name: z.string(), url: z.string().nullable() }).nullable(),
  mitigatedAt: time.nullable(),
  resolvedAt: time.nullable(),
  closedAt: time.nullable(),
  /** This incident's page. */
  url: z.string(),
});

export const timelineEntrySchema = z.object({ at: time, actor: z.string(), kind: z.string(), text: z.string() });

export const actionItemSchema = z.object({
  id: z.number().int(),
  text: z.string(),
  owner: z.string().nullable(),
  due: z.string().nullable(),
  state: z.enum(['open', 'done']),
  doneAt: time.nullable(),
});

export const linkedAlertSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  groupKey: z.string(),
  firstFiringAt: time.nullable(),
  acknowledgedAt: time.nullable(),
  acknowledgedBy: z.string().nullable(),
  silenceId: z.string().nullable(),
});

export const incidentDetailSchema = incidentSummarySchema.extend({
  timeline: z.array(timelineEntrySchema),
  phaseHistory: z.array(z.object({ at: time, actor: z.string(), from: z.string(), to: z.string(), note: z.string() })),
  updates: z.array(z.object({ at: time, by: z.string(), text: z.string(), late: z.boolean() })),
  actionItems: z.array(actionItemSchema),
  checklistItems: z
    .array(z.object({ position: z.number().int(), text: z.string(), required: z.boolean(), checkedAt: time.nullable(), checkedBy: z.string().nullable() }))
    .default([]),
  alerts: z.array(linkedAlertSchema),
  durations: z.object({
    timeToAcknowledge: z.number().int().nullable(),
    timeToMitigate: z.number().int().nullable(),
    timeToResolve: z.number().int().nullable(),
  }),
  /** The latest postmortem (Markdown with YAML front matter), if one was written. */
  postmortem: z.string().nullable(),
});

export const incidentListSchema = z.object({
  incidents: z.array(incidentSummarySchema),
  /** Pass as ?before= to get the next page (older incidents); null on the last page. */
  nextBefore: z.number().int().nullable(),
});

export type IncidentSummary = z.infer<typeof incidentSummarySchema>;
export type IncidentDetail = z.infer<typeof incidentDetailSchema>;
export type IncidentList = z.infer<typeof incidentListSchema>;
