import type { Cadence } from './cadence.ts';
import type { Phase } from './phases.ts';
import type { Role } from './roles.ts';
import type { Severity } from './severity.ts';

/** Where an incident was declared and where its war room lives. */
export const PLATFORMS = ['slack', 'mattermost', 'web'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** A chat user id on the incident's platform (Slack `U…`, Mattermost user id, or a web name). */
export type UserId = string;

export interface WarRoom {
  channelId: string;
  channelName: string;
  /** The pinned summary card, kept current on every change. */
  cardMessageId: string | null;
}

export interface StakeholderUpdate {
  text: string;
  at: number;
  by: UserId;
}

/** What the reminder scheduler has to do next for an incident. */
export type ReminderStage = 'nag' | 'escalate';

export interface Incident {
  /** The per-installation number shown everywhere as #N. */
  number: number;
  title: string;
  severity: Severity;
  phase: Phase;
  isPrivate: boolean;
  /** The kind of incident (one of INCIDENT_TYPES, e.g. `security`), choosing its checklist; null for none. */
  type: string | null;
  /** A practice run: marked DRILL everywhere, never announced, left out of the figures (see drills.ts). */
  drill: boolean;
  platform: Platform;
  declaredAt: number;
  declaredBy: UserId;
  /** Current holder of each role; the history is on the timeline. */
  roles: Readonly<Record<Role, UserId>>;
  cadence: Cadence;
  /** When the next stakeholder update is promised; null when no cadence or updates stopped. */
  nextUpdateDue: number | null;
  /** When the scheduler must act next (the nag or its escalation); null when nothing is pending. */
  reminderAt: number | null;
  reminderStage: ReminderStage | null;
  lastUpdate: StakeholderUpdate | null;
  room: WarRoom | null;
  mitigatedAt: number | null;
  resolvedAt: number | null;
  closedAt: number | null;
}

/** The commander, or undefined. */
export const commanderOf = (incident: Incident): UserId | undefined => incident.roles['commander'];
/** The comms lead, or undefined. */
export const commsOf = (incident: Incident): UserId | undefined => incident.roles['comms'];
