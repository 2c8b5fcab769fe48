/**
 * A platform-neutral chat message. The shared chat code composes these; each platform only renders them
 * (Block Kit on Slack, Markdown + attachments on Mattermost). Plain strings are user or bot text and are
 * always escaped by the renderer, so a title containing `<!channel>` pings nobody.
 */
import type { UserId } from '../incidents/incident.ts';

export type Inline =
  | string
  | { bold: string }
  | { code: string }
  | { user: UserId }
  | { channel: string }
  | { link: string; label: string }
  /** Alerts everyone present in the channel (Slack `<!here>`, Mattermost `@here`). */
  | { here: true };

export type Line = readonly Inline[];

/** Buttons about an incident: their value is the incident number. */
export const INCIDENT_BUTTONS = ['claim_commander', 'claim_comms', 'post_update', 'snooze', 'mitigate', 'page_oncall'] as const;
/** Buttons on an alert card: their value is the alert group's id. */
export const ALERT_BUTTONS = ['alert_ack', 'alert_declare', 'alert_silence_1h', 'alert_silence_4h', 'alert_not_actionable'] as const;
/** Buttons on a checklist: their value is the checklist item's id. */
export const CHECKLIST_BUTTONS = ['checklist_check'] as const;
export const BUTTON_IDS = [...INCIDENT_BUTTONS, ...ALERT_BUTTONS, ...CHECKLIST_BUTTONS] as const;
export type IncidentButtonId = (typeof INCIDENT_BUTTONS)[number];
export type AlertButtonId = (typeof ALERT_BUTTONS)[number];
export type ButtonId = (typeof BUTTON_IDS)[number];

export interface Button {
  id: ButtonId;
  label: string;
  /** What the click is about: the incident number or the alert group id, by `id`. */
  value: number;
  style?: 'primary' | 'danger';
}

/** Menus: their `value` says what the choice is about (the alert group's id); each option's value is the choice. */
export const SELECT_IDS = ['alert_attach'] as const;
export type SelectId = (typeof SELECT_IDS)[number];

/** Slack's static_select takes at most 100 options of at most 75 characters (Block Kit reference, block elements). */
export const SELECT_OPTIONS_MAX = 100;
export const SELECT_OPTION_TEXT_MAX = 75;

export interface Select {
  id: SelectId;
  placeholder: string;
  /** What the choice is about: the alert group's id. */
  value: number;
  /** At most SELECT_OPTIONS_MAX, labels at most SELECT_OPTION_TEXT_MAX characters (see selectOption). */
  options: readonly { label: string; value: number }[];
}

/** An option whose label fits every platform's menu (cut with an ellipsis). */
export const selectOption = (label: string, value: number): Select['options'][number] => ({
  label: label.length > SELECT_OPTION_TEXT_MAX ? `${label.slice(0, SELECT_OPTION_TEXT_MAX - 1)}…` : label,
  value,
});

export interface ChatMessage {
  /** The first line, shown as a heading where the platform has one. */
  heading?: Line;
  lines: readonly Line[];
  buttons?: readonly Button[];
  /** A menu shown with the buttons. */
  select?: Select;
}

/**
 * What tells a button apart from the others in its message: its id, plus its value when the id repeats (one
 * "Tick" button per checklist item). Slack wants action_ids unique in a block and Mattermost routes a click by the
 * action's id, so both renderers build their ids from this.
 */
export const buttonKey = (button: Button, all: readonly Button[]): string =>
  all.filter((b) => b.id === button.id).length > 1 ? `${button.id}:${button.value}` : button.id;

/** A line as plain text (no platform markup): for the web, logs and tests. */
export const plainLine = (line: Line): string =>
  line
    .map((p) => {
      if (typeof p === 'string') return p;
      if ('bold' in p) return p.bold;
      if ('code' in p) return p.code;
      if ('user' in p) return `@${p.user}`;
      if ('channel' in p) return `#${p.channel}`;
      if ('link' in p) return p.label;
      return '@here';
    })
    .join('');

/** A message made of plain lines. */
export const plain = (...lines: Line[]): ChatMessage => ({ lines });
