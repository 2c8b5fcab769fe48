/**
 * Every core error a person can see, in one place: the chat and the web desk show the same text. The chat's own
 * grammar errors are added in src/chat/replies.ts.
 */
import { type ErrorCode, IncidentError } from '../incidents/errors.ts';
import type { ChatMessage } from './message.ts';

const ERROR_TEXT: Readonly<Record<ErrorCode, (d: Readonly<Record<string, string>>) => string>> = {
  unknown_incident: (d) => `There is no incident #${d['number'] ?? '?'}.`,
  not_in_war_room: () => 'This command works in an incident war room. Run it in the incident’s channel, or `/incident list` to find it.',
  phase_skip: (d) =>
    d['next']
      ? `Can’t go from ${d['phase']} to ${d['wanted']}: phases are never skipped. Next is ${d['nextPhase']} (${d['nextMeaning']}): \`/incident ${d['next']}\`.`
      : `Can’t go from ${d['phase']} to ${d['wanted']}.`,
  incident_closed: () => 'This incident is closed: only notes can still be added. Declare a new incident for a new problem.',
  already_in_phase: (d) => `The incident is already ${d['phase']}.`,
  phase_passed: (d) => `The incident is already ${d['phase']}, past ${d['wanted']}. If the problem is back: \`/incident reopen <why>\`.`,
  unknown_role: (d) => `\`${d['role']}\` is not a role here. Roles: ${d['known']}.`,
  invalid_severity: () => 'Use a severity from sev1 to sev5.',
  same_severity: (d) => `The incident is already ${String(d['severity']).toUpperCase()}.`,
  invalid_cadence: (d) => `\`${d['input']}\` is not a cadence: use 90s, 15m, 1h, 1h30m (30s to 7d) or off.`,
  empty_text: () => 'That needs some text.',
  no_visible_text: () => 'That has no visible text: only spaces, control or invisible characters. Write some words.',
  text_too_long: (d) => `That is too long (at most ${d['max']} characters).`,
  nothing_to_snooze: () => 'No update is due for this incident, so there is nothing to snooze.',
  unknown_alert_group: () => 'That alert group is no longer known to sitroom.',
  already_acknowledged: (d) => `Already acknowledged by ${d['by']}.`,
  already_linked: (d) => `These alerts already belong to incident #${d['number']}.`,
  already_silenced: (d) => `Already silenced until ${d['until']} (silence ${d['id']}).`,
  silences_unavailable: () => 'Silences need ALERTMANAGER_URL to be set in sitroom’s configuration.',
  issues_unavailable: () => 'GitHub issues need GITHUB_TOKEN and GITHUB_REPO to be set in sitroom’s configuration. The action item was not added.',
  silence_failed: (d) => `Alertmanager did not create the silence: ${d['reason']}.`,
  invalid_phase_action: (d) => `\`${d['action']}\` is not a phase change; use mitigate, resolve, close or reopen.`,
  invalid_due_date: (d) => `\`${d['input']}\` is not a date; write due:YYYY-MM-DD, e.g. due:2026-12-01.`,
  unknown_action_item: (d) => `There is no action item #${d['id']}${d['number'] ? ` on incident #${d['number']}` : ''}.`,
  action_item_done: (d) => `Action item #${d['id']} is already done.`,
  open_action_items: (d) =>
    `Can’t close: ${d['count']} action item${d['count'] === '1' ? ' is' : 's are'} still open (${d['items']})${d['checklist'] ? `, and required checklist items are not ticked (${d['checklist']})` : ''}. Finish them with \`/incident action done <id>\`${d['checklist'] ? ' and `/incident check <n>`' : ''}, or close anyway with \`/incident close --waive <why>\`.`,
  open_checklist_items: (d) =>
    `Can’t close: ${d['checklistCount']} required checklist item${d['checklistCount'] === '1' ? ' is' : 's are'} not ticked (${d['checklist']}). Tick them with \`/incident check <n>\`, or close anyway with \`/incident close --waive <why>\`.`,
  unknown_incident_type: (d) => (d['known'] ? `\`${d['type']}\` is not an incident type here. Types: ${d['known']}.` : `\`${d['type']}\` is not an incident type: none are configured (INCIDENT_TYPES).`),
  same_type: (d) => `The incident is already of type ${d['type']}.`,
  unknown_checklist_item: (d) => (d['number'] ? `Incident #${d['number']} has no checklist item ${d['position']}. See \`/incident checklist\`.` : 'That checklist item is no longer known to sitroom.'),
  checklist_item_checked: (d) => `Checklist item ${d['position']} was already ticked by ${d['by']}.`,
  private_not_publishable: (d) => `Incident #${d['number']} is private: private incidents never go on the public status page.`,
  drill_not_publishable: (d) => `Incident #${d['number']} is a drill: drills are practice and never go on the public status page.`,
  not_published: (d) => `Incident #${d['number']} is not on the status page. Publish it first: \`/incident publish <public title>\`.`,
  already_published: (d) => `Already on the status page as “${d['title']}”.`,
  invalid_impact: (d) => `\`${d['input']}\` is not an impact level; use degraded, partial or major.`,
  same_impact: (d) => `The public impact is already ${d['impact']}.`,
  no_components: () => 'No components are configured: set STATUS_COMPONENTS (e.g. api,checkout,search) to list affected components.',
  paging_unavailable: () => 'Paging needs ALERTMANAGER_URL to be set in sitroom’s configuration: sitroom pages through your Alertmanager’s routes.',
  invalid_team: (d) => `\`${d['input']}\` is not a team name: use letters, digits, -, _ or . (it becomes the alert’s \`team\` label), e.g. \`/incident page db-oncall\`.`,
  page_not_active: (d) => `Incident #${d['number']} is ${d['phase']}: only an active incident pages. If the problem is back: \`/incident reopen <why>\`.`,
  drill_not_paged: (d) => `Incident #${d['number']} is a drill: drills never page the on-call.`,
  already_paged: (d) => `${d['team']} is already paged for incident #${d['number']}; the page keeps firing until the incident is mitigated.`,
  unknown_component: (d) => `Unknown component${d['names']?.includes(',') ? 's' : ''} ${d['names']}; known: ${d['known']} (or none).`,
};

/** The text for a core error. */
export const errorText = (e: IncidentError): string => ERROR_TEXT[e.code](e.details);

/** Errors that are the user's to fix (a broken rule), as opposed to bugs and outages. */
export const isIncidentError = (e: unknown): e is IncidentError => e instanceof IncidentError;

/** The message for anything a change threw: the specific text for a core error, a generic one otherwise. */
export function errorMessage(e: unknown): ChatMessage {
  if (e instanceof IncidentError) return { lines: [[errorText(e)]] };
  return { lines: [['Something went wrong on our side; nothing was changed. The error was logged.']] };
}
