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

export const BUTTON_IDS = ['claim_commander', 'claim_comms', 'post_update', 'snooze'] as const;
export type ButtonId = (typeof BUTTON_IDS)[number];

export interface Button {
  id: ButtonId;
  label: string;
  /** The incident number the click is about. */
  incident: number;
  style?: 'primary' | 'danger';
}

export interface ChatMessage {
  /** The first line, shown as a heading where the platform has one. */
  heading?: Line;
  lines: readonly Line[];
  buttons?: readonly Button[];
}

/** A message made of plain lines. */
export const plain = (...lines: Line[]): ChatMessage => ({ lines });
