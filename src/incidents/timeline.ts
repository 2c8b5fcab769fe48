import type { UserId } from './incident.ts';

/** Every kind of event that lands on an incident's timeline. */
export const TIMELINE_KINDS = [
  'declared',
  'role_assigned',
  'severity_changed',
  'update_posted',
  'cadence_changed',
  'phase_changed',
  'note',
  'reminder_sent',
  'reminder_escalated',
  /** A reminder's delivery was given up (the chat stayed unreachable). */
  'reminder_failed',
  /** Any other chat message or war-room step was given up. */
  'delivery_failed',
  'reminder_snoozed',
  'war_room_opened',
  'alert_linked',
  'action_added',
  'action_done',
  'postmortem_written',
  'type_changed',
  'checklist_checked',
  'renamed',
  'visibility_changed',
  'action_updated',
  'postmortem_edited',
  'published',
  'public_title_changed',
  'unpublished',
  'public_update_posted',
  'public_impact_changed',
  'public_components_changed',
  /** A chat message put on the timeline (📌 or a message shortcut): at its own time, by its author. */
  'message_captured',
  /** A team was paged through Alertmanager (`/incident page`). */
  'paged',
  /** A page's alert was resolved because its incident left `active`. */
  'page_resolved',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/** The actor used for events the bot itself causes (reminders). */
export const SYSTEM_ACTOR = 'sitroom';

export interface TimelineEvent {
  at: number;
  actor: UserId;
  kind: TimelineKind;
  /** A short human summary; user text stays raw here and is escaped by whoever renders it. */
  text: string;
  data: Readonly<Record<string, string | number | boolean | null>>;
}

export const event = (
  kind: TimelineKind,
  at: number,
  actor: UserId,
  text: string,
  data: TimelineEvent['data'] = {},
): TimelineEvent => ({ at, actor, kind, text, data });
