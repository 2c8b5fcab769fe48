/**
 * The weekly follow-up digest: when it is due (a weekday and time in the team's time zone) and what it says.
 * Like reminders, it is computed from the database: the latest slot not yet sent goes out, once.
 */
import type { ActionItem } from './action-items.ts';
import { isOverdue } from './action-items.ts';
import type { QueuedEffect } from './effects.ts';
import type { Platform, UserId } from './incident.ts';

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface DigestSchedule {
  weekday: Weekday;
  hour: number;
  minute: number;
  timeZone: string;
}

/** The local calendar date (YYYY-MM-DD) of `ms` in `timeZone`. */
export function localDate(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

/** Milliseconds the zone is ahead of UTC at `ms`. */
function offsetAt(ms: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(ms)
      .map((p) => [p.type, Number(p.value)]),
  );
  const asUtc = Date.UTC(parts['year'] ?? 0, (parts['month'] ?? 1) - 1, parts['day'] ?? 1, parts['hour'] ?? 0, parts['minute'] ?? 0, parts['second'] ?? 0);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant of local time `hour:minute` on the local date `date` (YYYY-MM-DD) in `timeZone`. */
function instantOf(date: string, hour: number, minute: number, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const guess = Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1, hour, minute);
  // Two passes settle daylight-saving edges.
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

/** The most recent scheduled digest time at or before `now`. */
export function latestSlot(now: number, s: DigestSchedule): number {
  const today = localDate(now, s.timeZone);
  for (let back = 0; back <= 8; back += 1) {
    // Step back by calendar date, not by 24 hours: a day the clocks change is 23 or 25 hours long.
    const noon = new Date(`${today}T12:00:00Z`);
    noon.setUTCDate(noon.getUTCDate() - back);
    const date = noon.toISOString().slice(0, 10);
    const weekday = WEEKDAYS[noon.getUTCDay()];
    if (weekday !== s.weekday) continue;
    const slot = instantOf(date, s.hour, s.minute, s.timeZone);
    if (slot <= now) return slot;
  }
  throw new Error('no digest slot in the last 8 days');
}

export interface Digest {
  /** Open items by owner (null: nobody owns them), owners in first-item order. */
  byOwner: readonly (readonly [UserId | null, readonly ActionItem[]])[];
  overdue: readonly ActionItem[];
  today: string;
  /** Incidents whose items the announcement channel must not describe (private incidents). */
  privateIncidents: ReadonlySet<number>;
}

/** What the digest says about the open items, as of `today`. */
export function digestOf(open: readonly ActionItem[], today: string, privateIncidents: ReadonlySet<number> = new Set()): Digest {
  const byOwner = new Map<UserId | null, ActionItem[]>();
  for (const item of open) byOwner.set(item.owner, [...(byOwner.get(item.owner) ?? []), item]);
  return { byOwner: [...byOwner.entries()], overdue: open.filter((i) => isOverdue(i, today)), today, privateIncidents };
}

/**
 * The digest as outbox effects, so a chat that is down or hung when the slot comes neither holds up the scheduler
 * nor loses the digest: the outbox retries it like any other message. Rows carry the items as they were at the
 * slot (plain data), and the message is rendered from them when delivered.
 */
export type DigestEffect =
  /** The open items by owner, to the announcement channel. */
  | { kind: 'digest'; items: ActionItem[]; today: string; privateIncidents: number[] }
  /** A direct message to `user` about their overdue items. */
  | { kind: 'overdue'; user: UserId; items: ActionItem[] };

export const isDigestEffect = (effect: { kind: string }): effect is DigestEffect => effect.kind === 'digest' || effect.kind === 'overdue';

/** The digest back from its row (the message renders a Digest). */
export const digestOfEffect = (e: Extract<DigestEffect, { kind: 'digest' }>): Digest => digestOf(e.items, e.today, new Set(e.privateIncidents));

/** The rows of `digest` on `platform`: the channel's copy, and a DM per owner with overdue items (each in that person's queue). */
export function digestEffects(platform: Platform, digest: Digest, now: number): QueuedEffect<DigestEffect>[] {
  const items = digest.byOwner.flatMap(([, owned]) => owned);
  if (items.length === 0) return [];
  const effects: QueuedEffect<DigestEffect>[] = [
    {
      platform,
      lane: 'incident',
      target: `digest:${platform}`,
      effect: { kind: 'digest', items: [...items], today: digest.today, privateIncidents: [...digest.privateIncidents] },
      at: now,
    },
  ];
  for (const [owner, owned] of digest.byOwner) {
    const overdue = owned.filter((i) => digest.overdue.includes(i));
    if (owner && overdue.length) effects.push({ platform, lane: 'incident', target: `user:${owner}`, effect: { kind: 'overdue', user: owner, items: overdue }, at: now });
  }
  return effects;
}
