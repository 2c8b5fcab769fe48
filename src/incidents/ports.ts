/**
 * The interfaces the core needs from the outside world, in the core's words. Adapters implement them:
 * storage/ (IncidentStore), chat/ (IncidentNotifier), and the system clock.
 */
import type { ActionItem, NewActionItem } from './action-items.ts';
import type { ChecklistItem, NewChecklistItem } from './checklists.ts';
import type { Digest } from './digest.ts';
import type { Incident, Platform, UserId, WarRoom } from './incident.ts';
import type { Phase } from './phases.ts';
import type { Severity } from './severity.ts';
import type { Change } from './incident-rules.ts';
import type { ReminderNotice } from './reminders.ts';
import type { TimelineEvent } from './timeline.ts';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface WarRoomSetup {
  cardMessageId: string | null;
  failure?: Error;
}

export interface IncidentStore {
  /** Stores a new incident, assigning the next number, with its first timeline events. */
  create(draft: Incident, events: readonly TimelineEvent[]): Incident;
  /** The incident numbered `number`, or undefined. */
  get(number: number): Incident | undefined;
  /** The incident whose war room is `channelId` on `platform`, or undefined. */
  findByRoom(platform: Platform, channelId: string): Incident | undefined;
  /**
   * Atomically re-reads the incident, applies `rule` and saves the result with its events, so concurrent
   * changes (other requests, other replicas) never overwrite each other. `rule` returning null writes nothing.
   */
  mutate(number: number, rule: (current: Incident) => Change | null): Change | null;
  /** Incidents not yet closed, oldest first. */
  listOpen(): Incident[];
  /** The incident's timeline, in order. */
  timeline(number: number): TimelineEvent[];
  /** Incidents declared at or after `since`, oldest first. */
  declaredSince(since: number): Incident[];
  /** Incidents closed at or after `since`, most recently closed first, at most `limit`. */
  closedSince(since: number, limit: number): Incident[];
  /** A page of incidents, newest first, numbered below `before` (when given), optionally filtered. */
  page(query: { phase?: Phase; severity?: Severity; before?: number; limit: number }): Incident[];
  /** How many incidents are open, by severity and phase. */
  countOpen(): { severity: Severity; phase: Phase; count: number }[];
  /** How many incidents still owe a stakeholder update that was due before `now`. */
  countOverdue(now: number): number;
  /** Incidents on `platforms` whose next reminder is due at `now` or earlier, at most `limit`, earliest first. */
  dueReminders(now: number, limit: number, platforms: readonly Platform[]): Incident[];
  /**
   * Open incidents on `platform` whose war room was never created (a failed declare to retry), leaving out
   * those whose creation was attempted after `attemptedBy` (still in progress, or too recent to retry).
   */
  withoutWarRoom(platform: Platform, attemptedBy: number, limit: number): Incident[];
  /** Changes whenever any incident changes (in this process or another on the same database): for caches. */
  version(): string;
  /** Throws when the database cannot be reached. */
  ping(): void;
}

/** Other parts of sitroom that act when an incident changes phase (alert silences expire on close, a postmortem is written on resolve). */
export interface IncidentObserver {
  /** The incident just moved from `from` to its current phase. */
  phaseChanged(incident: Incident, from: Phase): Promise<void>;
  /** The incident was just declared (its war room opened, or not, already). */
  declared?(incident: Incident): Promise<void>;
  /** The incident's severity or type just changed. */
  reclassified?(incident: Incident): Promise<void>;
}

/**
 * What the chat side does when something happens to an incident. One implementation per platform;
 * each keeps the war room's topic and pinned card current as part of every call.
 */
export interface IncidentNotifier {
  /** Creates the incident's war-room channel (idempotency is the caller's: it is called once per incident). */
  createWarRoom(incident: Incident): Promise<WarRoom>;
  /**
   * Sets up a fresh war room (invites, topic, pinned card) and announces the incident. Every step is tried
   * even when one fails; returns the card's id (to keep it current) and the first failure, if any.
   */
  warRoomOpened(incident: Incident, invite: readonly UserId[]): Promise<WarRoomSetup>;
  /**
   * Tells the war room (and stakeholders, when it matters: updates, phase and severity changes) about a change,
   * invites new role holders, and refreshes topic and card.
   */
  incidentChanged(incident: Incident, events: readonly TimelineEvent[]): Promise<void>;
  /** Delivers an update reminder (war-room mention + direct messages, with buttons). */
  remind(incident: Incident, notice: ReminderNotice): Promise<void>;
  /** Posts the postmortem document into the war room as a file. */
  postmortemWritten(incident: Incident, document: { filename: string; markdown: string }): Promise<void>;
  /** Tells stakeholders, without technical detail, that the incident is resolved. */
  incidentResolved(incident: Incident, impact: { from: number; to: number }): Promise<void>;
  /** The weekly digest: open items by owner to the announcement channel, overdue ones to their owners. */
  digest(digest: Digest): Promise<void>;
  /** Posts checklist items in the war room, a button per open item to tick it (`added` are the new ones). */
  checklistPosted(incident: Incident, items: readonly ChecklistItem[], added: readonly ChecklistItem[]): Promise<void>;
}

/** Incidents' checklists. */
export interface ChecklistStore {
  /** Appends items (positions already assigned) and returns them with their ids. */
  addChecklistItems(items: readonly NewChecklistItem[]): ChecklistItem[];
  /** The incident's items, by position. */
  checklistOf(incidentNumber: number): ChecklistItem[];
  checklistItem(id: number): ChecklistItem | undefined;
  /** Atomically applies `change` to item `id` and records its timeline entry; undefined for an unknown id. */
  updateChecklistItem(id: number, change: (item: ChecklistItem) => { item: ChecklistItem; entry: TimelineEvent }): ChecklistItem | undefined;
  /** Checklist progress of several incidents at once (for the board). */
  progressOf(incidentNumbers: readonly number[]): ReadonlyMap<number, { done: number; total: number }>;
  /** Changes whenever a checklist changes through this store: for caches (with IncidentStore.version). */
  version(): string;
}

/** Follow-ups and the written record: action items, postmortems, weekly digests. */
export interface FollowUpStore {
  /** Stores a new item with its timeline entry, in one transaction. */
  addActionItem(item: NewActionItem, entry: TimelineEvent): ActionItem;
  /** Atomically applies `change` to item `id` and records its timeline entry; undefined for an unknown id. */
  updateActionItem(id: number, change: (item: ActionItem) => { item: ActionItem; entry: TimelineEvent }): ActionItem | undefined;
  actionItem(id: number): ActionItem | undefined;
  /** The incident's items, oldest first. */
  actionItemsOf(incidentNumber: number): ActionItem[];
  /** Every open item, oldest first. */
  openActionItems(): ActionItem[];
  /** Keeps the incident's latest postmortem (and records it on the timeline). */
  savePostmortem(incidentNumber: number, markdown: string, entry: TimelineEvent): void;
  postmortem(incidentNumber: number): { markdown: string; generatedAt: number } | undefined;
  /** Claims the digest of `slot` (its due time): true for exactly one caller, whatever the replicas. */
  claimDigest(slot: number, now: number): boolean;
}

/** What the written record needs to know about an incident's alerts. */
export interface LinkedAlertGroup {
  id: number;
  title: string;
  groupKey: string;
  firstFiringAt: number | null;
  acknowledgedAt: number | null;
  acknowledgedBy: UserId | null;
  silenceId: string | null;
}

export interface AlertFacts {
  /** Alert groups linked to the incident. */
  linkedTo(incidentNumber: number): LinkedAlertGroup[];
  /** Alert groups first seen since `since`, and how many of them someone marked not actionable. */
  noiseSince(since: number): { groups: number; notActionable: number };
}
