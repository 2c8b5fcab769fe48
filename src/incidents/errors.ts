/**
 * The one error type the core throws. Each broken rule has a stable `code`; the chat and web
 * adapters turn codes into user-facing text in one place (src/chat/replies.ts).
 */
export const ERROR_CODES = [
  'unknown_incident',
  'not_in_war_room',
  'phase_skip',
  'incident_closed',
  'already_in_phase',
  'phase_passed',
  'unknown_role',
  'invalid_severity',
  'same_severity',
  'invalid_cadence',
  'empty_text',
  'no_visible_text',
  'text_too_long',
  'nothing_to_snooze',
  'unknown_alert_group',
  'already_acknowledged',
  'already_linked',
  'already_silenced',
  'silences_unavailable',
  'silence_failed',
  'invalid_due_date',
  'unknown_action_item',
  'action_item_done',
  'open_action_items',
  'invalid_phase_action',
  'unknown_incident_type',
  'same_type',
  'unknown_checklist_item',
  'checklist_item_checked',
  'open_checklist_items',
  'private_not_publishable',
  'drill_not_publishable',
  'not_published',
  'already_published',
  'invalid_impact',
  'same_impact',
  'no_components',
  'unknown_component',
  'paging_unavailable',
  'invalid_team',
  'page_not_active',
  'drill_not_paged',
  'already_paged',
  'issues_unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class IncidentError extends Error {
  readonly code: ErrorCode;
  /** Facts the reply needs (e.g. the next allowed step); never user input rendered raw. */
  readonly details: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, details: Record<string, string> = {}) {
    super(`${code}${Object.keys(details).length ? ` ${JSON.stringify(details)}` : ''}`);
    this.name = 'IncidentError';
    this.code = code;
    this.details = details;
  }
}

export const isIncidentError = (e: unknown): e is IncidentError => e instanceof IncidentError;
