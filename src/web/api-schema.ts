/**
 * The JSON API's documented, stable shapes (zod): what GET /api/incidents, /api/incidents/<number> and /api/alerts
 * answer, and what the write API takes. The server builds every answer through these schemas, the pages render from
 * the same views, and /api/openapi.json is generated from them (openapi.ts).
 */
import { z } from 'zod';
import { MAX_PAGE_MESSAGE_LENGTH } from '../incidents/paging.ts';
import { PHASES } from '../incidents/phases.ts';
import { SEVERITIES } from '../incidents/severity.ts';
import { MAX_PERSON_LENGTH, MAX_TEXT_LENGTH, MAX_TITLE_LENGTH } from '../incidents/incident-rules.ts';
import { MAX_SECTION_LENGTH, SECTION_NAMES, type SectionName } from '../incidents/postmortem.ts';

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

export const timelineEntrySchema = z.object({
  at: time,
  actor: z.string(),
  kind: z.string(),
  text: z.string(),
  /** Only on a chat message captured into the timeline (kind message_captured): who captured it, its link and its files. */
  captured: z
    .object({ by: z.string(), permalink: z.string().nullable(), files: z.array(z.object({ name: z.string(), url: z.string() })) })
    .optional(),
});

export const actionItemSchema = z.object({
  id: z.number().int(),
  text: z.string(),
  owner: z.string().nullable(),
  due: z.string().nullable(),
  state: z.enum(['open', 'done']),
  doneAt: time.nullable(),
  /** The GitHub issue tracking it (GITHUB_REPO); the item is done when the issue is closed. */
  issue: z.object({ number: z.number().int(), url: z.string() }).nullable().default(null),
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

/** The postmortem's human sections (empty strings until written). */
export const postmortemSectionsSchema = z.object(Object.fromEntries(SECTION_NAMES.map((name) => [name, z.string()])) as Record<SectionName, z.ZodString>);

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
  /** The postmortem's human sections as written so far (empty strings when not yet). */
  postmortemSections: postmortemSectionsSchema,
});

export const incidentListSchema = z.object({
  incidents: z.array(incidentSummarySchema),
  /** Pass as ?before= to get the next page (older incidents); null on the last page. */
  nextBefore: z.number().int().nullable(),
});

export type IncidentSummary = z.infer<typeof incidentSummarySchema>;
export type IncidentDetail = z.infer<typeof incidentDetailSchema>;
export type IncidentList = z.infer<typeof incidentListSchema>;

/*
 * The write API's request bodies: one schema per action, shared by the page's forms (desk-actions.ts turns a form
 * into the same object) and the JSON API, and rendered into /api/openapi.json. Limits here are the transport's;
 * the core's rules (text normalised, then its length checked) decide what is accepted, with the chat's wording.
 */
const text = (max: number) => z.string().max(max);

export const declareInput = z.object({
  title: text(MAX_TITLE_LENGTH),
  severity: z.enum(SEVERITIES),
  private: z.boolean().default(false),
  /** One of INCIDENT_TYPES (the declare refuses another, naming them). */
  type: z.string().max(30).optional(),
  /** A practice run: its messages say DRILL, it is never announced, counted or published. */
  drill: z.boolean().default(false),
});
export const textInput = z.object({ text: text(MAX_TEXT_LENGTH) });
export const roleInput = z.object({
  role: z.string().max(64),
  /** Who gets the role; the caller when left out. */
  person: text(MAX_PERSON_LENGTH).optional(),
});
export const severityInput = z.object({ severity: z.enum(SEVERITIES) });
export const phaseInput = z.object({
  action: z.enum(['mitigate', 'resolve', 'close', 'reopen']),
  note: text(MAX_TEXT_LENGTH).optional(),
  /** Needed to close while action items are open: why they are waived. */
  waiver: text(MAX_TEXT_LENGTH).optional(),
});
/** A duration such as 30m, 1h, 90s (30s to 7d), or "off". */
export const cadenceInput = z.object({ cadence: z.string().max(16) });
export const emptyInput = z.object({});
export const renameInput = z.object({ title: text(MAX_TITLE_LENGTH) });
/** Publishing on the status page: the public wording is checked by the use case, as /incident publish does. */
export const publishInput = z.object({ title: text(MAX_TITLE_LENGTH) });
/** Page a team through Alertmanager: the team label (checked by the use case) and what the pager says. */
export const pageInput = z.object({ team: z.string().max(64), message: z.string().max(MAX_PAGE_MESSAGE_LENGTH).optional() });
/** An impact level (degraded, partial, major, or its label); the use case names the valid ones when refused. */
export const impactInput = z.object({ impact: z.string().max(64) });
/** Affected components, comma-separated, each one of STATUS_COMPONENTS. */
export const componentsInput = z.object({ components: z.string().max(1000) });
export const visibilityInput = z.object({ private: z.boolean() });
const dueDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
export const actionItemInput = z.object({
  text: text(500),
  owner: text(MAX_PERSON_LENGTH).nullable().optional(),
  due: dueDate.nullable().optional(),
  /** Also open a GitHub issue for it (needs GITHUB_TOKEN and GITHUB_REPO). */
  issue: z.boolean().optional(),
});
/** Owner and due date: null clears one, leaving it out keeps it. */
export const actionItemChangeInput = z.object({ item: z.number().int().positive(), owner: text(MAX_PERSON_LENGTH).nullable().optional(), due: dueDate.nullable().optional() });
export const actionItemDoneInput = z.object({ item: z.number().int().positive() });
/** The postmortem's human sections: those given replace what was written (empty clears); the others stay. */
export const postmortemSectionsInput = z.object(Object.fromEntries(SECTION_NAMES.map((name) => [name, text(MAX_SECTION_LENGTH).optional()])) as Record<SectionName, z.ZodOptional<z.ZodString>>);
export const silenceInput = z.object({ hours: z.union([z.literal(1), z.literal(4)]) });

/** An alert group as the inbox and GET /api/alerts show it. */
export const alertGroupSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  summary: z.string(),
  severity: z.enum(SEVERITIES),
  firing: z.number().int(),
  resolved: z.number().int(),
  labels: z.array(z.tuple([z.string(), z.string()])),
  links: z.array(z.object({ label: z.string(), url: z.string() })),
  lastDeliveryAt: time,
  acknowledged: z.object({ by: z.string(), at: time }).nullable(),
  notActionable: z.object({ by: z.string(), at: time }).nullable(),
  silenced: z.object({ id: z.string(), until: time, by: z.string() }).nullable(),
  /** The linked incident's number; null when none, or when it is private and the caller may not see it. */
  incident: z.number().int().nullable(),
  /** Linked to an incident the caller may not see. */
  linkedToPrivate: z.boolean(),
});
export const alertListSchema = z.object({ alerts: z.array(alertGroupSchema), canSilence: z.boolean() });

/** Every refusal: the message (the chat's wording for a broken rule) and, when one field is at fault, its name. */
export const errorSchema = z.object({ error: z.string(), field: z.string().optional(), issues: z.array(z.object({ field: z.string(), message: z.string() })).optional() });

export type AlertGroupSummary = z.infer<typeof alertGroupSchema>;
