/**
 * Outward effects as data. A use case returns them with its change; the store writes them into the outbox in
 * the same transaction, and the dispatcher (src/delivery) delivers them later, retrying until they go out.
 * Nothing here talks to a chat: these are the core's words for "someone must be told".
 */
import type { Platform, UserId } from './incident.ts';
import type { ReminderNotice } from './reminders.ts';

/** Incident traffic (war rooms, announcements, nags, replies) is always served before alert cards. */
export const LANES = ['incident', 'alert'] as const;
export type Lane = (typeof LANES)[number];

/** Where one copy of a reminder goes: the war room, or one person directly. */
export type ReminderRecipient = 'room' | { user: UserId };

export type Effect =
  /**
   * One copy of an update reminder. `records`: this copy's delivery (or giving up on it) is what the timeline
   * records, exactly one copy per reminder has it.
   */
  { kind: 'remind'; number: number; notice: ReminderNotice; to: ReminderRecipient; records: boolean };

export type EffectKind = Effect['kind'];

/** An effect with where and how it is queued. */
export interface QueuedEffect {
  platform: Platform;
  lane: Lane;
  /** Effects with the same target go out one at a time, in the order they were queued. */
  target: string;
  /** State-setting effects (topic, cards) sharing a key: only the newest is sent. */
  coalesceKey?: string;
  /** Orders rows of one coalesce key (higher is newer); 0 when the key is not versioned. */
  version?: number;
  incidentNumber?: number;
  /** Who caused it: told if delivery is given up. */
  actor?: UserId;
  effect: Effect;
  /** When it was queued: the give-up time counts from here. */
  at: number;
}

/** The copies of a reminder: the war room (when there is one) and each person; the first copy records it. */
export function reminderEffects(incident: { number: number; platform: Platform; room: unknown }, notice: ReminderNotice, now: number): QueuedEffect[] {
  const recipients: ReminderRecipient[] = [...(incident.room ? (['room'] as const) : []), ...notice.people.map((user) => ({ user }))];
  return recipients.map((to, i) => ({
    platform: incident.platform,
    lane: 'incident',
    // The room's copy shares the incident's target (its posts stay in order); each DM is its own target.
    target: to === 'room' ? `incident:${incident.number}` : `user:${to.user}`,
    incidentNumber: incident.number,
    effect: { kind: 'remind', number: incident.number, notice, to, records: i === 0 },
    at: now,
  }));
}
