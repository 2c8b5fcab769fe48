/** What the alert use cases need from the outside: storage, the chats, and Alertmanager's silence API. */
import type { Incident, Platform, UserId } from '../incidents/incident.ts';
import type { AlertDigest, AlertGroup, AlertGroupView, GroupAlert } from './alert-group.ts';
import type { Matcher } from './alert-rules.ts';
import type { WebhookAlert, WebhookPayload } from '../alertmanager/alertmanager-payload.ts';
import type { QueuedEffect } from '../incidents/effects.ts';
import type { AlertEffect } from './alert-effects.ts';

export interface IngestResult {
  group: AlertGroup;
  /** The same delivery was stored before: nothing changed. */
  duplicate: boolean;
  /**
   * A new delivery that repeats the group's stored state (Alertmanager re-sends the whole group every group_interval,
   * in any order): its key and time were recorded, no alert row was written and the version (the card) did not move.
   */
  unchanged?: true;
  /** Alerts (fingerprint + start) seen firing for the first time in this delivery. */
  newlyFiring: GroupAlert[];
  /** Every alert of the group had resolved with this delivery, and some were firing before it. */
  becameResolved: boolean;
  /** The group had fully resolved before this delivery and fires again: possibly a new episode. */
  firesAgain: boolean;
}

/** Whether a stored delivery has work to follow it (a card, war-room notes): not a duplicate, nor a repeat of the stored state. */
export function changedSomething(r: IngestResult): boolean {
  return !r.duplicate && r.unchanged !== true;
}

/** Where a group's card is on one platform. */
export interface CardRef {
  channel: string;
  messageId: string;
}

/** A delivery being stored in parts: its group, and what the group was before the delivery. */
export interface OpenDelivery {
  groupId: number;
  /** The group existed before this delivery. */
  existed: boolean;
  firingBefore: number;
}

/** One delivery of a batch: stored, or why not. */
export type DeliveryOutcome = { ok: true; result: IngestResult } | { ok: false; error: unknown };

/**
 * What must be written with deliveries that changed something (their cards' outbox rows), inside the transaction
 * that stores them. Synchronous: it runs inside the store's transaction. Throwing fails the whole commit.
 */
export type WrittenEffects = (results: readonly IngestResult[]) => readonly QueuedEffect<AlertEffect>[];

/**
 * Every delivery stored (ingest, ingestBatch, finishDelivery) that makes a group fire again after its incident
 * closed, or with none, starts the group's new episode in the same transaction (episodes.ts decides).
 */
export interface AlertStore {
  /** Stores a validated delivery in one transaction, unless the same delivery was stored before. */
  ingest(payload: WebhookPayload, deliveryKey: string, now: number, written?: WrittenEffects): Promise<IngestResult>;
  /**
   * Stores several deliveries in one transaction (one commit), each in its own savepoint, so one that throws is
   * undone alone and the others still commit; one outcome per delivery, in order.
   */
  ingestBatch(deliveries: readonly { payload: WebhookPayload; key: string }[], now: number, written?: WrittenEffects): Promise<DeliveryOutcome[]>;
  /**
   * A large delivery in parts, each its own transaction so other work runs in between: openDelivery (finds or
   * creates the group; a duplicate ends here), writeAlerts for each slice (idempotent upserts), finishDelivery
   * (the group fields, firing count and the delivery key). Until finishDelivery, the delivery is not recorded,
   * so a crash in between leaves it to Alertmanager's re-send, which writes the same rows again.
   */
  openDelivery(payload: WebhookPayload, deliveryKey: string, now: number): Promise<OpenDelivery | { duplicate: IngestResult }>;
  /** Upserts alerts of an opened delivery; returns those firing for the first time. */
  writeAlerts(open: OpenDelivery, alerts: readonly WebhookAlert[], now: number): Promise<GroupAlert[]>;
  /** Records the delivery as stored (see openDelivery). */
  finishDelivery(open: OpenDelivery, payload: WebhookPayload, deliveryKey: string, now: number, newlyFiring: GroupAlert[], written?: WrittenEffects): Promise<IngestResult>;
  /** The group with `id`, or undefined. */
  group(id: number): Promise<AlertGroup | undefined>;
  /** Every stored firing of the group's alerts (tests and tools: a storm group has 80,000; cards use digest). */
  alerts(groupId: number): Promise<GroupAlert[]>;
  /** What a card needs of the group's alerts, read without reading them all (kept as alerts are written). */
  digest(groupId: number): Promise<AlertDigest>;
  /** Atomically re-reads the group, applies `change` and saves it (bumping its version); null writes nothing. */
  updateGroup(id: number, now: number, change: (current: AlertGroup) => AlertGroup | null): Promise<AlertGroup | null>;
  /** Groups with a delivery at or after `since`, the latest delivery first, at most `limit` (the web's alert inbox). */
  recentGroups(since: number, limit: number): Promise<AlertGroup[]>;
  /** Groups linked to an incident. */
  groupsOfIncident(incidentNumber: number): Promise<AlertGroup[]>;
  /** The group's card on `platform`, with the group version it shows. */
  card(groupId: number, platform: Platform): Promise<(CardRef & { version: number }) | undefined>;
  /**
   * Claims posting the group's first card on `platform` (so two replicas never post two); false when
   * another process claimed it less than `staleMs` ago or a card exists.
   */
  claimCard(groupId: number, platform: Platform, now: number, staleMs: number): Promise<boolean>;
  /** Gives up a first-card claim whose post failed, so the next attempt need not wait for it to go stale. */
  releaseCardClaim(groupId: number, platform: Platform): Promise<void>;
  /**
   * Starts a new episode of a group that fires again after its incident closed (or with none): acknowledgement,
   * not-actionable mark, incident link and silence are cleared, time to acknowledge restarts at `firstFiringAt`,
   * and the group gets fresh cards (the old ones stay as the record of the last episode).
   */
  startEpisode(groupId: number, firstFiringAt: number, now: number): Promise<AlertGroup | null>;
  /** Records the card and the group version it now shows. */
  saveCard(groupId: number, platform: Platform, card: CardRef, version: number): Promise<void>;
  /** Groups changed since `since` whose card on one of `platforms` is missing or behind, oldest change first. */
  staleCards(platforms: readonly Platform[], since: number, limit: number): Promise<number[]>;
}

/** What an alert-card chat does. One per platform. */
export interface AlertNotifier {
  /** Posts the group's card (card null) or updates it in place; returns where it is. */
  showCard(view: AlertGroupView, card: CardRef | null): Promise<CardRef>;
  /** Tells a war room about a group just linked to its incident. */
  groupLinked(incident: Incident, view: AlertGroupView): Promise<void>;
  /** Tells a war room that alerts of its linked group started firing. */
  alertsFiring(incident: Incident, view: AlertGroupView, alerts: readonly GroupAlert[]): Promise<void>;
  /** Tells a war room that every alert of its group has resolved, offering `mitigate` while active. */
  alertsResolved(incident: Incident, view: AlertGroupView): Promise<void>;
}

export interface SilenceRequest {
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

/** Alertmanager's silence API. */
export interface SilenceClient {
  /** Creates a silence and returns its id. */
  create(silence: SilenceRequest): Promise<string>;
  /** Expires a silence (expiring an already expired one is not an error). */
  expire(id: string): Promise<void>;
}

export type { UserId };
