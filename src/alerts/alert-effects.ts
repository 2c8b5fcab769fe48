/**
 * Alert chat work as outbox effects: a group's card (state-setting: only the newest version goes out) and notes into
 * a linked incident's war room. Queued here, delivered by the outbox dispatcher (alert-effect-deliverer.ts), so a
 * storm of alert cards waits its turn behind incident traffic and survives a chat outage or a restart.
 */
import type { QueuedEffect } from '../incidents/effects.ts';
import type { Platform } from '../incidents/incident.ts';
import type { AlertGroup, GroupAlert } from './alert-group.ts';

/** What a linked war room hears about its alert group. */
export type AlertNote = { note: 'linked' } | { note: 'firing'; alerts: GroupAlert[] } | { note: 'resolved' };

export type AlertEffect =
  /** Posts the group's card, or updates it, to the group as it is when delivered. */
  | { kind: 'alert_card'; group: number }
  /** A note into incident `number`'s war room about group `group`. */
  | ({ kind: 'alert_note'; number: number; group: number } & AlertNote);

export const isAlertEffect = (effect: { kind: string }): effect is AlertEffect => effect.kind === 'alert_card' || effect.kind === 'alert_note';

/**
 * The card of `group` on `platform`, versioned by the group: rows of one card share a coalesce key, so the outbox
 * sends only the newest, one at a time (its target), on the alert lane (after incident traffic).
 */
export function cardEffect(platform: Platform, group: Pick<AlertGroup, 'id' | 'version'>, now: number): QueuedEffect<AlertEffect> {
  return {
    platform,
    lane: 'alert',
    target: `alert:${group.id}`,
    coalesceKey: `alert_card:${platform}:${group.id}`,
    version: group.version,
    effect: { kind: 'alert_card', group: group.id },
    at: now,
  };
}

/** A note for incident `number`'s war room: queued in the incident's own queue, so it waits for the room and keeps its order. */
export function noteEffect(platform: Platform, number: number, groupId: number, note: AlertNote, now: number): QueuedEffect<AlertEffect> {
  return {
    platform,
    lane: 'incident',
    target: `incident:${number}`,
    incidentNumber: number,
    effect: { kind: 'alert_note', number, group: groupId, ...note },
    at: now,
  };
}
