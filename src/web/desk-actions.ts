/**
 * Every write the web desk can do, in one catalogue: the page's forms, the JSON write API and /api/openapi.json all
 * come from it, so the three cannot drift apart. Each action has a zod input (api-schema.ts), a way to read that
 * input from a posted form, and the use case it runs — the same IncidentService, FollowUpService and AlertService
 * calls the chat commands and buttons make (see src/chat/command-handler.ts), so the rules and refusals are the chat's.
 */
import type { z } from 'zod';
import type { AlertService } from '../alerts/alert-service.ts';
import { parseCadence } from '../incidents/cadence.ts';
import { type ErrorCode, IncidentError } from '../incidents/errors.ts';
import type { FollowUpService } from '../incidents/follow-up-service.ts';
import type { IncidentService } from '../incidents/incident-service.ts';
import type { PublishingService } from '../incidents/publishing-service.ts';
import type { PagingService } from '../incidents/paging-service.ts';
import type { Platform } from '../incidents/incident.ts';
import { parseDueDate } from '../incidents/action-items.ts';
import { DEFAULT_SEVERITY } from '../incidents/severity.ts';
import { SECTION_NAMES } from '../incidents/postmortem.ts';
import { cleanPerson } from '../incidents/incident-rules.ts';
import {
  actionItemChangeInput,
  actionItemDoneInput,
  actionItemInput,
  cadenceInput,
  componentsInput,
  declareInput,
  emptyInput,
  impactInput,
  phaseInput,
  postmortemSectionsInput,
  pageInput,
  publishInput,
  renameInput,
  roleInput,
  severityInput,
  silenceInput,
  textInput,
  visibilityInput,
} from './api-schema.ts';

export interface DeskContext {
  service: IncidentService;
  followUps: FollowUpService;
  alerts: AlertService;
  publishing: PublishingService;
  /** Paging through Alertmanager (refused with a clear message when ALERTMANAGER_URL is not set). */
  paging: PagingService;
  /** Where incidents declared on the web get their war room. */
  declarePlatform: Platform;
}

/** What an action acted on: the page to go back to, the answer the API gives. */
export type Target = { incident: number; created?: boolean } | { alert: number };

/** What an action applies to: a new incident, an incident (by number), or an alert group (by id). */
export type Scope = 'new' | 'incident' | 'alert';

export interface DeskAction {
  /** The path segment(s) after /incidents/<n>/ or /alerts/<id>/ (empty for declare), and the OpenAPI operation's name. */
  path: string;
  operationId: string;
  summary: string;
  scope: Scope;
  input: z.ZodObject;
  /** The form field a refusal is shown beside when no rule names another. */
  field: string;
  /** The posted form as the input schema expects it (strings to booleans and numbers, empty optional fields left out). */
  fromForm(form: URLSearchParams): Record<string, unknown>;
  run(ctx: DeskContext, target: number, input: Record<string, unknown>, actor: string): Promise<Target>;
}

function define<S extends z.ZodObject>(a: Omit<DeskAction, 'input' | 'run'> & { input: S; run(ctx: DeskContext, target: number, input: z.output<S>, actor: string): Promise<Target> }): DeskAction {
  return a as unknown as DeskAction;
}

/** A browser posts a textarea's line breaks as CRLF (HTML's form encoding); the core counts them as one character. */
const str = (form: URLSearchParams, name: string): string | undefined => form.get(name)?.replace(/\r\n?/g, '\n') ?? undefined;
/** Absent or empty: left out (the schema's default or "unchanged"). */
const opt = (form: URLSearchParams, name: string) => (str(form, name) ? { [name]: str(form, name) } : {});
/** Absent: left out; empty: null (cleared). */
const clearable = (form: URLSearchParams, name: string) => (form.has(name) ? { [name]: str(form, name)?.trim() ? str(form, name)?.trim() : null } : {});
const checked = (form: URLSearchParams, name: string) => ['on', 'true'].includes(form.get(name) ?? '');
/** A whole number, or the text as typed (so the schema says what is wrong with it). */
const int = (form: URLSearchParams, name: string) => (/^\d{1,9}$/.test(form.get(name) ?? '') ? Number(form.get(name)) : form.get(name));

const onIncident = (incident: number): Target => ({ incident });

export const DESK_ACTIONS: readonly DeskAction[] = [
  define({
    path: '',
    operationId: 'declareIncident',
    summary: 'Declare an incident',
    scope: 'new',
    input: declareInput,
    field: 'title',
    // No severity chosen (a script posting only a title): the default, as /incident declare does.
    fromForm: (f) => ({ title: str(f, 'title'), severity: f.get('severity') || DEFAULT_SEVERITY, private: checked(f, 'private'), ...opt(f, 'type'), drill: checked(f, 'drill') }),
    run: async (ctx, _n, i, actor) => ({
      incident: (
        await ctx.service.declare({
          title: i.title,
          severity: i.severity,
          isPrivate: i.private,
          platform: ctx.declarePlatform,
          declaredBy: actor,
          type: i.type ?? null,
          drill: i.drill,
        })
      ).incident.number,
      created: true,
    }),
  }),
  define({
    path: 'update',
    operationId: 'postUpdate',
    summary: 'Post a stakeholder update',
    scope: 'incident',
    input: textInput,
    field: 'text',
    fromForm: (f) => ({ text: str(f, 'text') }),
    run: async (ctx, n, i, actor) => onIncident((await ctx.service.postUpdate(n, i.text, actor)).incident.number),
  }),
  define({
    path: 'note',
    operationId: 'addNote',
    summary: 'Add a note to the timeline',
    scope: 'incident',
    input: textInput,
    field: 'text',
    fromForm: (f) => ({ text: str(f, 'text') }),
    run: async (ctx, n, i, actor) => onIncident((await ctx.service.addNote(n, i.text, actor)).incident.number),
  }),
  define({
    path: 'role',
    operationId: 'assignRole',
    summary: 'Give a role to someone (the caller when no person is named)',
    scope: 'incident',
    input: roleInput,
    field: 'person',
    fromForm: (f) => ({ role: f.get('role') ?? undefined, ...opt(f, 'person') }),
    run: async (ctx, n, i, actor) => onIncident((await ctx.service.assignRole(n, i.role, i.person?.trim() ? cleanPerson(i.person) : actor, actor)).incident.number),
  }),
  define({
    path: 'severity',
    operationId: 'changeSeverity',
    summary: 'Change the severity',
    scope: 'incident',
    input: severityInput,
    field: 'severity',
    fromForm: (f) => ({ severity: f.get('severity') ?? undefined }),
    run: async (ctx, n, i, actor) => onIncident((await ctx.service.changeSeverity(n, i.severity, actor)).incident.number),
  }),
  define({
    path: 'phase',
    operationId: 'changePhase',
    summary: 'Mitigate, resolve, close or reopen',
    scope: 'incident',
    input: phaseInput,
    field: 'note',
    fromForm: (f) => ({ action: f.get('action') ?? undefined, ...opt(f, 'note'), ...opt(f, 'waiver') }),
    run: async (ctx, n, i, actor) => onIncident((await ctx.service.transition(n, i.action, i.note ?? '', actor, i.waiver?.trim() || undefined)).incident.number),
  }),
  define({
    path: 'cadence',
    operationId: 'setCadence',
    summary: 'Set how often stakeholder updates are promised (e.g. 30m, 1h, off)',
    scope: 'incident',
    input: cadenceInput,
    field: 'cadence',
    fromForm: (f) => ({ cadence: f.get('cadence') ?? undefined }),
    run: async (ctx, n, i, actor) => onIncident((await ctx.service.setCadence(n, parseCadence(i.cadence), actor)).incident.number),
  }),
  define({
    path: 'snooze',
    operationId: 'snoozeReminder',
    summary: 'Snooze the update reminder for 15 minutes',
    scope: 'incident',
    input: emptyInput,
    field: '',
    fromForm: () => ({}),
    run: async (ctx, n, _i, actor) => onIncident((await ctx.service.snooze(n, actor)).incident.number),
  }),
  define({
    path: 'rename',
    operationId: 'renameIncident',
    summary: 'Change the title',
    scope: 'incident',
    input: renameInput,
    field: 'title',
    fromForm: (f) => ({ title: str(f, 'title') }),
    run: async (ctx, n, i, actor) => onIncident((await ctx.service.rename(n, i.title, actor)).incident.number),
  }),
  define({
    path: 'visibility',
    operationId: 'setVisibility',
    summary: 'Make the incident private or public',
    scope: 'incident',
    input: visibilityInput,
    field: 'private',
    fromForm: (f) => ({ private: checked(f, 'private') }),
    run: async (ctx, n, i, actor) => onIncident((await ctx.service.setVisibility(n, i.private, actor)).incident.number),
  }),
  define({
    path: 'action-items',
    operationId: 'addActionItem',
    summary: 'Add an action item (owner and due date optional)',
    scope: 'incident',
    input: actionItemInput,
    field: 'text',
    fromForm: (f) => ({ text: str(f, 'text'), ...clearable(f, 'owner'), ...clearable(f, 'due'), ...(checked(f, 'issue') ? { issue: true } : {}) }),
    run: async (ctx, n, i, actor) => {
      await ctx.followUps.addActionItem(n, { text: i.text, owner: i.owner?.trim() ? i.owner : null, due: i.due ? parseDueDate(i.due) : null, issue: i.issue ?? false }, actor);
      return onIncident(n);
    },
  }),
  define({
    path: 'action-items/change',
    operationId: 'changeActionItem',
    summary: 'Give an action item another owner or due date (null clears)',
    scope: 'incident',
    input: actionItemChangeInput,
    field: 'owner',
    fromForm: (f) => ({ item: int(f, 'item'), ...clearable(f, 'owner'), ...clearable(f, 'due') }),
    run: async (ctx, n, i, actor) => {
      await ctx.followUps.changeActionItem(i.item, { ...(i.owner !== undefined ? { owner: i.owner } : {}), ...(i.due !== undefined ? { due: i.due } : {}) }, actor, n);
      return onIncident(n);
    },
  }),
  define({
    path: 'action-items/done',
    operationId: 'completeActionItem',
    summary: 'Mark an action item done',
    scope: 'incident',
    input: actionItemDoneInput,
    field: 'item',
    fromForm: (f) => ({ item: int(f, 'item') }),
    run: async (ctx, n, i, actor) => {
      await ctx.followUps.completeActionItem(i.item, actor, n);
      return onIncident(n);
    },
  }),
  define({
    path: 'postmortem',
    operationId: 'editPostmortem',
    summary: 'Write the postmortem’s human sections (those given replace, the others stay)',
    scope: 'incident',
    input: postmortemSectionsInput,
    field: 'summary',
    fromForm: (f) => Object.fromEntries(SECTION_NAMES.filter((name) => f.has(name)).map((name) => [name, str(f, name)])),
    run: async (ctx, n, i, actor) => {
      await ctx.followUps.editPostmortem(n, i, actor);
      return onIncident(n);
    },
  }),
  define({
    path: 'postmortem/write',
    operationId: 'writePostmortem',
    summary: 'Write the postmortem document now from the record (and post it in the war room)',
    scope: 'incident',
    input: emptyInput,
    field: '',
    fromForm: () => ({}),
    run: async (ctx, n, _i, actor) => {
      await ctx.followUps.writePostmortem(n, actor);
      return onIncident(n);
    },
  }),
  define({
    path: 'acknowledge',
    operationId: 'acknowledgeAlert',
    summary: 'Acknowledge an alert group',
    scope: 'alert',
    input: emptyInput,
    field: '',
    fromForm: () => ({}),
    run: async (ctx, id, _i, actor) => {
      await ctx.alerts.acknowledge(id, actor);
      return { alert: id };
    },
  }),
  define({
    path: 'declare',
    operationId: 'declareFromAlert',
    summary: 'Declare an incident from an alert group (title and severity from its alerts)',
    scope: 'alert',
    input: emptyInput,
    field: '',
    fromForm: () => ({}),
    run: async (ctx, id, _i, actor) => ({ incident: (await ctx.alerts.declareIncident(id, actor, ctx.declarePlatform)).incident.number, created: true }),
  }),
  define({
    path: 'silence',
    operationId: 'silenceAlert',
    summary: 'Silence an alert group in Alertmanager for 1 or 4 hours',
    scope: 'alert',
    input: silenceInput,
    field: 'hours',
    fromForm: (f) => ({ hours: int(f, 'hours') }),
    run: async (ctx, id, i, actor) => {
      await ctx.alerts.silence(id, i.hours, actor, actor);
      return { alert: id };
    },
  }),
  define({
    path: 'not-actionable',
    operationId: 'markAlertNotActionable',
    summary: 'Mark an alert group not actionable (counted as noise)',
    scope: 'alert',
    input: emptyInput,
    field: '',
    fromForm: () => ({}),
    run: async (ctx, id, _i, actor) => {
      await ctx.alerts.notActionable(id, actor);
      return { alert: id };
    },
  }),
  // The same use case as /incident page and the summary card's Page on-call form.
  define({
    path: 'page',
    operationId: 'pageTeam',
    summary: 'Page a team through Alertmanager (the alert fires until the incident is mitigated)',
    scope: 'incident',
    input: pageInput,
    field: 'team',
    fromForm: (f) => ({ team: str(f, 'team') ?? '', ...opt(f, 'message') }),
    run: async (ctx, n, i, actor) => onIncident((await ctx.paging.page(n, { team: i.team, message: i.message ?? '' }, actor)).incidentNumber),
  }),
  // The status page: the same use cases as /incident publish|public|impact|components|unpublish.
  define({
    path: 'status/publish',
    operationId: 'publishIncident',
    summary: 'Publish on the status page under a public title (or change the public title)',
    scope: 'incident',
    input: publishInput,
    field: 'title',
    fromForm: (f) => ({ title: str(f, 'title') }),
    run: async (ctx, n, i, actor) => onIncident((await ctx.publishing.publish(n, i.title, actor)).publication.incidentNumber),
  }),
  define({
    path: 'status/update',
    operationId: 'postPublicUpdate',
    summary: 'Post a public update on the status page',
    scope: 'incident',
    input: textInput,
    field: 'text',
    fromForm: (f) => ({ text: str(f, 'text') }),
    run: async (ctx, n, i, actor) => onIncident((await ctx.publishing.postPublicUpdate(n, i.text, actor)).publication.incidentNumber),
  }),
  define({
    path: 'status/impact',
    operationId: 'setPublicImpact',
    summary: 'Set the impact shown on the status page',
    scope: 'incident',
    input: impactInput,
    field: 'impact',
    fromForm: (f) => ({ impact: str(f, 'impact') }),
    run: async (ctx, n, i, actor) => onIncident((await ctx.publishing.setImpact(n, i.impact, actor)).publication.incidentNumber),
  }),
  define({
    path: 'status/components',
    operationId: 'setPublicComponents',
    summary: 'Set the affected components shown on the status page',
    scope: 'incident',
    input: componentsInput,
    field: 'components',
    fromForm: (f) => ({ components: str(f, 'components') }),
    run: async (ctx, n, i, actor) => onIncident((await ctx.publishing.setComponents(n, i.components, actor)).publication.incidentNumber),
  }),
  define({
    path: 'status/unpublish',
    operationId: 'unpublishIncident',
    summary: 'Take the incident off the status page',
    scope: 'incident',
    input: emptyInput,
    field: 'title',
    fromForm: () => ({}),
    run: async (ctx, n, _i, actor) => onIncident((await ctx.publishing.unpublish(n, actor)).publication.incidentNumber),
  }),
];

/** Rules whose refusal is about another field than the action's main one. */
const ERROR_FIELD: Partial<Record<ErrorCode, string>> = {
  invalid_due_date: 'due',
  unknown_role: 'role',
  open_action_items: 'waiver',
  invalid_cadence: 'cadence',
  unknown_action_item: 'item',
  action_item_done: 'item',
  phase_skip: 'action',
  already_in_phase: 'action',
  phase_passed: 'action',
  same_severity: 'severity',
  unknown_incident_type: 'type',
  open_checklist_items: 'waiver',
};

/**
 * A schema issue the chat has its own words for — a choice outside its list (a severity, a phase action), a text
 * over its limit — as the chat's error, so the web and the API say what /incident says; undefined for the others.
 */
export function issueRefusal(issue: { code: string; path: PropertyKey[]; maximum?: unknown; origin?: unknown }, raw: Record<string, unknown>): IncidentError | undefined {
  const field = String(issue.path[0] ?? '');
  if (field === 'severity') return new IncidentError('invalid_severity');
  if (field === 'action') return new IncidentError('invalid_phase_action', { action: String(raw['action'] ?? '') });
  if (issue.code === 'too_big' && issue.origin === 'string') return new IncidentError('text_too_long', { max: String(issue.maximum) });
  return undefined;
}

/** The form field a refusal belongs beside. */
export function errorField(action: DeskAction, e: unknown): string {
  return (e instanceof IncidentError ? ERROR_FIELD[e.code] : undefined) ?? action.field;
}
