/**
 * The interfaces the core needs from the outside world, in the core's words. Adapters implement them:
 * storage/ (IncidentStore), chat/ (IncidentNotifier), and the system clock.
 */
import type { ActionItem, NewActionItem } from './action-items.ts';
import type { ChecklistItem, NewChecklistItem } from './checklists.ts';
import type { DigestEffect } from './digest.ts';
import type { QueuedEffect } from './effects.ts';
import type { PostmortemSections } from './postmortem.ts';
import type { Incident, Platform, UserId } from './incident.ts';
import type { Phase } from './phases.ts';
import type { Severity } from './severity.ts';
import type { Change } from './incident-rules.ts';
import type { Publication, PublicationChange } from './publication.ts';
import type { TimelineEvent } from './timeline.ts';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface IncidentStore {
  /**
   * Stores a new incident, assigning the next number, with its first timeline events and the outward effects
   * `effects` returns for it (given the numbered incident), all in one transaction.
   */
  create(draft: Incident, events: readonly TimelineEvent[], effects?: (incident: Incident) => readonly QueuedEffect[]): Promise<Incident>;
  /** The incident numbered `number`, or undefined. */
  get(number: number): Promise<Incident | undefined>;
  /** The incident whose war room is `channelId` on `platform`, or undefined. */
  findByRoom(platform: Platform, channelId: string): Promise<Incident | undefined>;
  /**
   * Atomically re-reads the incident, applies `rule` and saves the result with its events, so concurrent
   * changes (other requests, other replicas) never overwrite each other. `rule` returning null writes nothing.
   */
  mutate(number: number, rule: (current: Incident) => Change | null): Promise<Change | null>;
  /**
   * The reminder tick's writes in one IMMEDIATE transaction: reads the incidents of `platforms` whose reminder is
   * due at `now` (earliest first, at most `limit`), applies `rule` to each and saves every change as mutate does.
   * An incident whose reminder another process already claimed is left as it is. Returns the changes saved.
   */
  mutateDue(now: number, limit: number, platforms: readonly Platform[], rule: (current: Incident) => Change | null): Promise<Change[]>;
  /** Incidents not yet closed, oldest first. */
  listOpen(): Promise<Incident[]>;
  /**
   * What `/incident list` shows: how many incidents are in each open phase, and the `perPhase` newest of each
   * (oldest first), without reading every open incident.
   */
  openOverview(perPhase: number): Promise<OpenOverview>;
  /** The incident's timeline, in order. */
  timeline(number: number): Promise<TimelineEvent[]>;
  /** Incidents declared at or after `since`, oldest first. */
  declaredSince(since: number): Promise<Incident[]>;
  /** Incidents closed at or after `since`, most recently closed first, at most `limit`. */
  closedSince(since: number, limit: number): Promise<Incident[]>;
  /** A page of incidents, newest first, numbered below `before` (when given), optionally filtered. */
  page(query: { phase?: Phase; severity?: Severity; before?: number; limit: number }): Promise<Incident[]>;
  /** How many incidents are open, by severity and phase. */
  countOpen(): Promise<{ severity: Severity; phase: Phase; count: number }[]>;
  /** How many incidents still owe a stakeholder update that was due before `now`. */
  countOverdue(now: number): Promise<number>;
  /** Incidents on `platforms` whose next reminder is due at `now` or earlier, at most `limit`, earliest first. */
  dueReminders(now: number, limit: number, platforms: readonly Platform[]): Promise<Incident[]>;
  /** Changes whenever any incident changes (in this process or another on the same database): for caches. */
  version(): Promise<string>;
  /**
   * Stores a new incident declared from alert group `groupId` and links the group to it, in one transaction that
   * holds the group: of two replicas declaring the same group at once, the second creates nothing and learns the
   * incident the group is linked to. Undefined for an unknown group.
   */
  createForAlertGroup(
    groupId: number,
    draft: Incident,
    events: readonly TimelineEvent[],
    effects?: (incident: Incident) => readonly QueuedEffect[],
  ): Promise<AlertDeclaration | undefined>;
}

/** What createForAlertGroup did: the new incident, or the incident the group was already linked to. */
export type AlertDeclaration = { incident: Incident } | { alreadyLinked: number };

/** Queues outward effects that belong to no stored change of their own (written in one transaction). */
export interface EffectQueue {
  enqueue(effects: readonly QueuedEffect[]): Promise<void>;
}

/** Other parts of sitroom that act when an incident changes phase (alert silences expire on close, a postmortem is written on resolve). */
export interface IncidentObserver {
  /** The incident just moved from `from` to its current phase. */
  phaseChanged(incident: Incident, from: Phase): Promise<void>;
  /** The incident was just declared (its war room is still to be created by the outbox). */
  declared?(incident: Incident): Promise<void>;
  /** The incident's severity or type just changed. */
  reclassified?(incident: Incident): Promise<void>;
  /** The incident's title or visibility just changed: what other tools may show of it (a private one's title stays out). */
  retitled?(incident: Incident): Promise<void>;
  /** The incident's war room was just created (by the outbox, after the declaration). */
  roomOpened?(incident: Incident): Promise<void>;
}

/**
 * The chat of one platform, as the core sees it: that it is configured. Everything the core tells a chat (incident
 * changes, reminders, the weekly digest) is queued as effects (effects.ts, digest.ts) and delivered by the outbox.
 */
export interface IncidentNotifier {
  readonly platform: Platform;
}

/** Incidents' checklists. */
export interface ChecklistStore {
  /** Appends items (positions already assigned) and returns them with their ids; `effects` of them go into the outbox in the same transaction. */
  addChecklistItems(items: readonly NewChecklistItem[], effects?: (added: readonly ChecklistItem[]) => readonly QueuedEffect[]): Promise<ChecklistItem[]>;
  /** The incident's items, by position. */
  checklistOf(incidentNumber: number): Promise<ChecklistItem[]>;
  checklistItem(id: number): Promise<ChecklistItem | undefined>;
  /** Atomically applies `change` to item `id`, records its timeline entry and queues its effects; undefined for an unknown id. */
  updateChecklistItem(id: number, change: (item: ChecklistItem) => { item: ChecklistItem; entry: TimelineEvent; effects?: readonly QueuedEffect[] }): Promise<ChecklistItem | undefined>;
  /** Checklist progress of several incidents at once (for the board). */
  progressOf(incidentNumbers: readonly number[]): Promise<ReadonlyMap<number, { done: number; total: number }>>;
  /** Changes whenever a checklist changes through this store: for caches (with IncidentStore.version). */
  version(): Promise<string>;
}

/** Follow-ups and the written record: action items, postmortems, weekly digests. */
export interface FollowUpStore {
  /** Stores a new item with its timeline entry and the effects telling the war room (given the saved item, when a function), in one transaction. */
  addActionItem(item: NewActionItem, entry: TimelineEvent, effects?: readonly QueuedEffect[] | ((saved: ActionItem) => readonly QueuedEffect[])): Promise<ActionItem>;
  /**
   * Atomically applies `change` to item `id` and records its timeline entry and effects (no entry: nothing written);
   * undefined for an unknown id.
   */
  updateActionItem(
    id: number,
    change: (item: ActionItem) => { item: ActionItem; entry: TimelineEvent | null; effects?: readonly QueuedEffect[] },
  ): Promise<ActionItem | undefined>;
  actionItem(id: number): Promise<ActionItem | undefined>;
  /** The incident's items, oldest first. */
  actionItemsOf(incidentNumber: number): Promise<ActionItem[]>;
  /** Every open item, oldest first. */
  openActionItems(): Promise<ActionItem[]>;
  /** Keeps the incident's latest postmortem (and records it on the timeline), queuing `effects` in the same transaction. */
  savePostmortem(incidentNumber: number, markdown: string, entry: TimelineEvent, effects?: readonly QueuedEffect[]): Promise<void>;
  postmortem(incidentNumber: number): Promise<{ markdown: string; generatedAt: number } | undefined>;
  /** The postmortem's human sections (all empty when never written). */
  postmortemSections(incidentNumber: number): Promise<PostmortemSections>;
  /** Saves the human sections, the postmortem re-rendered with them (when given), and the timeline entry, in one transaction. */
  savePostmortemSections(incidentNumber: number, sections: PostmortemSections, markdown: string | null, entry: TimelineEvent): Promise<void>;
  /**
   * Claims the digest of `slot` (its due time): true for exactly one caller, whatever the replicas. The claimer's
   * `effects` (called only then) are queued in the same transaction, so a crash cannot claim a slot and lose it.
   */
  claimDigest(slot: number, now: number, effects?: () => readonly QueuedEffect<DigestEffect>[]): Promise<boolean>;
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
  linkedTo(incidentNumber: number): Promise<LinkedAlertGroup[]>;
  /** Alert groups first seen since `since`, and how many of them someone marked not actionable. */
  noiseSince(since: number): Promise<{ groups: number; notActionable: number }>;
}

/** Publications on the public status page, each written with its timeline entries in one transaction. */
export interface PublicationStore {
  /** The incident's publication (live or taken down), or undefined if it was never published. */
  publicationOf(incidentNumber: number): Promise<Publication | undefined>;
  /**
   * Atomically re-reads the publication, applies `rule` and saves the result with its timeline events
   * (public updates appended by the rule are inserted). `rule` returning null writes nothing.
   */
  mutatePublication(incidentNumber: number, rule: (current: Publication | undefined) => PublicationChange | null): Promise<Publication | undefined>;
  /** Live publications, most recently published first, at most `limit`. */
  livePublications(limit: number): Promise<Publication[]>;
  /** Changes whenever a publication changes in this process: for caches and live pages. */
  version(): Promise<string>;
}

/** Chat messages captured onto incidents' timelines. */
export interface CapturedMessageStore {
  /** Appends `entry` to the incident's timeline unless the message `key` was captured before; true when it was added. */
  addCapturedMessage(incidentNumber: number, entry: TimelineEvent, key: string): Promise<boolean>;
}

/** The open incidents at a glance: counts per open phase, and the newest few of each phase, oldest first. */
export interface OpenOverview {
  counts: Partial<Record<Phase, number>>;
  newest: Incident[];
}
