/**
 * Outward effects as data. A use case returns them with its change; the store writes them into the outbox in
 * the same transaction, and the dispatcher (src/delivery) delivers them later, retrying until they go out.
 * Nothing here talks to a chat: these are the core's words for "someone must be told".
 */
import type { Incident, Platform, UserId } from './incident.ts';
import { SYSTEM_ACTOR, type TimelineEvent, type TimelineKind } from './timeline.ts';
import type { ReminderNotice } from './reminders.ts';
import type { Integration } from './integration-effects.ts';
import type { WEBHOOK_QUEUE, WebhookEventType } from './webhook-events.ts';
import type { GITHUB_QUEUE } from './github-issues.ts';

/**
 * Incident traffic (war rooms, announcements, nags) is always served first, then the replies to people's requests
 * that could not be given in the request's own answer, then alert cards; webhooks and GitHub have their own dispatchers.
 */
export const LANES = ['incident', 'reply', 'alert', 'webhook', 'github'] as const;
export type Lane = (typeof LANES)[number];


/** Where one copy of a reminder goes: the war room, or one person directly. */
export type ReminderRecipient = 'room' | { user: UserId };

/** What stakeholders hear in the announcement channel. */
export type Announcement = 'declared' | 'update' | 'change' | 'resolved';


export type Effect =
  /**
   * One copy of an update reminder. `records`: this copy's delivery (or giving up on it) is what the timeline
   * records, exactly one copy per reminder has it.
   */
  | { kind: 'remind'; number: number; notice: ReminderNotice; to: ReminderRecipient; records: boolean }
  /** Creates the war-room channel (skipped when the incident has one: a crash after creating it is resumed, not repeated). */
  | { kind: 'create_room'; number: number }
  /** Adds people to the war room. */
  | { kind: 'invite'; number: number; users: UserId[] }
  /** Sets the war room's topic from the incident as it is when delivered (state-setting: coalesced). */
  | { kind: 'topic'; number: number }
  /** Posts the summary card if there is none (and pins it when `pin`), else updates it to the current state. */
  | { kind: 'card'; number: number; pin: boolean }
  /** Tells the war room what just happened. */
  | { kind: 'room_events'; number: number; events: TimelineEvent[] }
  /** Tells stakeholders, from the incident as it was when the change was made (`event` for a change). */
  | { kind: 'announce'; number: number; what: Announcement; incident: Incident; event?: TimelineEvent; impact?: { from: number; to: number } }
  /** Posts the incident's checklist in the war room (as it is when delivered), a Tick button per open item; `added` (item ids) are marked new. */
  | { kind: 'checklist'; number: number; added: number[] }
  /** Uploads the postmortem document into the war room. */
  | { kind: 'postmortem_file'; number: number; filename: string; markdown: string }
  /** Tells `user` (who made the change) that sitroom gave up delivering `what` to the chat. */
  | { kind: 'delivery_failed'; number: number; user: UserId; what: string }
  /** E-mails STAKEHOLDER_EMAILS what the announcement channel hears (never for private incidents or drills). */
  | { kind: 'mail_stakeholders'; number: number; what: Announcement; incident: Incident; event?: TimelineEvent; impact?: { from: number; to: number } }
  /** E-mails `user` (the comms lead, else the commander) that an update is overdue: once per lapse, with the nag. */
  | { kind: 'mail_overdue'; number: number; user: UserId; notice: ReminderNotice }
  /** Tells one webhook endpoint (by URL; its secret stays in the config) that `event` happened, as `type`. */
  | { kind: 'webhook'; number: number; endpoint: string; type: WebhookEventType; event: TimelineEvent }
  /** Opens a GitHub issue for action item `item` (github-issues.ts), unless it has one. */
  | { kind: 'github_issue'; number: number; item: number };

/** The e-mail kinds: queued for the e-mail dispatcher, never for a chat. */
export const isMailEffect = (effect: { kind: string }): effect is Extract<Effect, { kind: 'mail_stakeholders' | 'mail_overdue' }> =>
  effect.kind === 'mail_stakeholders' || effect.kind === 'mail_overdue';

/** What an effect is, in words for the timeline and for the person told that it could not be delivered. */
export function describeEffect(effect: Effect): string {
  switch (effect.kind) {
    case 'remind':
      return 'the update reminder';
    case 'create_room':
      return 'the war room';
    case 'invite':
      return `the invitation of ${effect.users.join(', ')}`;
    case 'topic':
      return 'the war-room topic';
    case 'card':
      return 'the summary card';
    case 'room_events':
      return `the war-room message (${effect.events.map((e) => e.text).join('; ')})`;
    case 'announce':
      return 'the announcement to stakeholders';
    case 'checklist':
      return 'the checklist';
    case 'postmortem_file':
      return 'the postmortem file';
    case 'delivery_failed':
      return 'a delivery-failure notice';
    case 'mail_stakeholders':
      return 'the e-mail to stakeholders';
    case 'mail_overdue':
      return `the overdue e-mail to ${effect.user}`;
    case 'webhook':
      return `the webhook ${effect.type}`;
    case 'github_issue':
      return `the GitHub issue of action item #${effect.item}`;
  }
}

/** The direct message telling `user` that an effect of theirs was given up (none for the bot's own effects or notices). */
export function deliveryFailedEffects(row: { platform: Destination; incidentNumber?: number; actor?: UserId; effect: Effect }, now: number): QueuedEffect[] {
  const { actor, incidentNumber } = row;
  if (!actor || incidentNumber === undefined || row.effect.kind === 'delivery_failed' || row.platform === 'email' || row.platform === 'webhook' || row.platform === 'github') return [];
  return [
    {
      platform: row.platform,
      lane: 'incident',
      target: `user:${actor}`,
      incidentNumber,
      effect: { kind: 'delivery_failed', number: incidentNumber, user: actor, what: describeEffect(row.effect) },
      at: now,
    },
  ];
}

export type EffectKind = Effect['kind'];

/** An effect with where and how it is queued (`E`: the incident's effects, or another module's, such as alert cards). */
/** Who delivers a row (each has its own dispatcher): a chat platform, e-mail (src/email), or another tool (integration-effects.ts). */
export type Destination = Platform | 'email' | typeof WEBHOOK_QUEUE | typeof GITHUB_QUEUE | Integration;

export interface QueuedEffect<E = Effect> {
  platform: Destination;
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
  effect: E;
  /** When it was queued: the give-up time counts from here. */
  at: number;
}

/**
 * The copies of a reminder: the war room and each person; the room's copy records it. (A room still being created
 * gets its copy once it exists: the copy waits in the incident's queue behind the creation.)
 */
export function reminderEffects(incident: { number: number; platform: Platform }, notice: ReminderNotice, now: number): QueuedEffect[] {
  const recipients: ReminderRecipient[] = ['room', ...notice.people.map((user) => ({ user }))];
  // The nag (once per lapse) is also e-mailed to its people; the e-mail dispatcher skips anyone without an address.
  const mails: QueuedEffect[] = notice.stage !== 'nag' ? [] : notice.people.map((user) => ({
    platform: 'email',
    lane: 'incident',
    target: `mail:user:${user}`,
    incidentNumber: incident.number,
    effect: { kind: 'mail_overdue', number: incident.number, user, notice },
    at: now,
  }));
  const chat = recipients.map((to, i): QueuedEffect => ({
    platform: incident.platform,
    lane: 'incident',
    // The room's copy shares the incident's target (its posts stay in order); each DM is its own target.
    target: to === 'room' ? `incident:${incident.number}` : `user:${to.user}`,
    incidentNumber: incident.number,
    effect: { kind: 'remind', number: incident.number, notice, to, records: i === 0 },
    at: now,
  }));
  return [...chat, ...mails];
}

/** Changes stakeholders hear about besides updates. */
const ANNOUNCED: readonly TimelineKind[] = ['phase_changed', 'severity_changed'];

const inRoom = (incident: Incident, now: number, effect: Effect, state?: string, actor?: UserId): QueuedEffect => ({
  platform: incident.platform,
  ...(actor ? { actor } : {}),
  lane: 'incident',
  // Every war-room effect shares one target: they go out in order, and none before the room exists.
  target: `incident:${incident.number}`,
  ...(state ? { coalesceKey: `${state}:${incident.platform}:${incident.number}` } : {}),
  incidentNumber: incident.number,
  effect,
  at: now,
});

const announced = (incident: Incident, now: number, what: Announcement, event?: TimelineEvent, impact?: { from: number; to: number }): QueuedEffect => ({
  platform: incident.platform,
  lane: 'incident',
  // The declaration links the war room, so it queues behind the room's creation; later announcements need no room
  // and have a queue per incident (kept in order, held up by no other incident).
  target: what === 'declared' ? `incident:${incident.number}` : `announce:${incident.number}`,
  incidentNumber: incident.number,
  effect: { kind: 'announce', number: incident.number, what, incident, ...(event ? { event } : {}), ...(impact ? { impact } : {}) },
  at: now,
});

/**
 * The same words e-mailed to STAKEHOLDER_EMAILS, never for a private incident (the e-mail dispatcher checks again
 * when sending: it may have been made private since). One queue per incident keeps its mails in order.
 */
const mailed = (incident: Incident, now: number, what: Announcement, event?: TimelineEvent, impact?: { from: number; to: number }): QueuedEffect[] =>
  incident.isPrivate
    ? []
    : [{
        platform: 'email',
        lane: 'incident',
        target: `mail:${incident.number}`,
        incidentNumber: incident.number,
        effect: { kind: 'mail_stakeholders', number: incident.number, what, incident, ...(event ? { event } : {}), ...(impact ? { impact } : {}) },
        at: now,
      }];

/** A drill is never announced nor e-mailed to stakeholders: they must never mistake practice for an outage. */
const announcedUnlessDrill = (incident: Incident, effects: QueuedEffect[]): QueuedEffect[] =>
  incident.drill ? effects.filter((e) => e.effect.kind !== 'announce' && e.effect.kind !== 'mail_stakeholders') : effects;

/**
 * A declaration as resumable steps: create the room, invite, topic, card (pinned), announce. Each step is its own
 * row, so after a crash the missing ones are done once and the finished ones not again.
 */
export function declaredEffects(incident: Incident, now: number): QueuedEffect[] {
  const invite = [...new Set([incident.declaredBy, ...Object.values(incident.roles)])];
  const by = incident.declaredBy;
  return announcedUnlessDrill(incident, [
    inRoom(incident, now, { kind: 'create_room', number: incident.number }, undefined, by),
    inRoom(incident, now, { kind: 'invite', number: incident.number, users: invite }, undefined, by),
    inRoom(incident, now, { kind: 'topic', number: incident.number }, undefined, by),
    inRoom(incident, now, { kind: 'card', number: incident.number, pin: true }, undefined, by),
    { ...announced(incident, now, 'declared'), actor: by },
    ...mailed(incident, now, 'declared'),
  ]);
}

/** What a change tells: new role holders are invited, the room hears the events, topic and card are refreshed, stakeholders hear of updates and phase/severity changes. */
export function changedEffects(incident: Incident, events: readonly TimelineEvent[], now: number): QueuedEffect[] {
  if (events.length === 0) return [];
  const effects: QueuedEffect[] = [];
  const newcomers = events.filter((e) => e.kind === 'role_assigned').map((e) => String(e.data['user']));
  if (newcomers.length) effects.push(inRoom(incident, now, { kind: 'invite', number: incident.number, users: newcomers }));
  // Who made the change hears if telling the room is given up.
  const actor = events.find((e) => e.actor !== SYSTEM_ACTOR)?.actor;
  effects.push(inRoom(incident, now, { kind: 'room_events', number: incident.number, events: [...events] }, undefined, actor));
  effects.push(inRoom(incident, now, { kind: 'topic', number: incident.number }, 'topic'));
  effects.push(inRoom(incident, now, { kind: 'card', number: incident.number, pin: false }, 'card'));
  for (const e of events) {
    if (e.kind === 'update_posted') effects.push(announced(incident, now, 'update'), ...mailed(incident, now, 'update'));
    else if (ANNOUNCED.includes(e.kind)) effects.push(announced(incident, now, 'change', e), ...mailed(incident, now, 'change', e));
  }
  return announcedUnlessDrill(incident, effects);
}

/** The postmortem document, uploaded into the war room (after everything queued for the room before it). */
export function postmortemEffects(incident: Incident, document: { filename: string; markdown: string }, now: number): QueuedEffect[] {
  return [inRoom(incident, now, { kind: 'postmortem_file', number: incident.number, ...document })];
}

/** The plain-words summary stakeholders get on resolve, after the phase change itself. */
export function resolvedEffects(incident: Incident, impact: { from: number; to: number }, now: number): QueuedEffect[] {
  return announcedUnlessDrill(incident, [announced(incident, now, 'resolved', undefined, impact), ...mailed(incident, now, 'resolved', undefined, impact)]);
}

/** The checklist posted in the war room (behind the room's creation when it is new), `added` marked new. */
export function checklistEffects(incident: Incident, added: readonly number[], now: number): QueuedEffect[] {
  return [inRoom(incident, now, { kind: 'checklist', number: incident.number, added: [...added] })];
}
