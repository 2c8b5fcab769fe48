/**
 * The outbox as the dispatcher sees it: rows of queued effects, claimed one head per target, marked when they
 * went out, were retried, or were given up. storage/sqlite-outbox-store.ts implements it.
 */
import { type AlertEffect, isAlertEffect } from '../alerts/alert-effects.ts';
import { isReplyEffect, type ReplyEffect } from '../presentation/reply-effects.ts';
import { type DigestEffect, isDigestEffect } from '../incidents/digest.ts';
import type { Destination, Effect, Lane, QueuedEffect } from '../incidents/effects.ts';
import { type IntegrationEffect, isIntegrationEffect } from '../incidents/integration-effects.ts';

/** Everything the outbox carries: the incidents' effects, the alert cards and notes, the weekly digest, replies, and the other tools' effects. */
export type OutboxEffect = Effect | AlertEffect | DigestEffect | ReplyEffect | IntegrationEffect;

/** An incident's own chat effect (with its number and timeline), as opposed to alert cards, the digest, replies and other tools' effects. */
export const isIncidentEffect = (effect: OutboxEffect): effect is Effect => !isAlertEffect(effect) && !isDigestEffect(effect) && !isReplyEffect(effect) && !isIntegrationEffect(effect);

export type OutboxState = 'pending' | 'sent' | 'superseded' | 'gave_up';

export interface OutboxRow extends QueuedEffect<OutboxEffect> {
  id: number;
  version: number;
  state: OutboxState;
  attempts: number;
  createdAt: number;
  nextAttemptAt: number;
  lastError: string | null;
  messageId: string | null;
}

export interface Backlog {
  /** Rows still to be delivered, per lane. */
  pending: Record<Lane, number>;
  /** When the oldest of them was queued, or null when none is. */
  oldestCreatedAt: number | null;
}

export interface OutboxStore {
  /**
   * Queues effects that belong to no other change (written in their own transaction). A versioned state-setting
   * effect (version > 0) is not written when a pending row of its key already carries that version or a newer one.
   */
  enqueue(effects: readonly QueuedEffect<OutboxEffect>[]): Promise<void>;
  /**
   * Atomically (one IMMEDIATE transaction) claims up to `limit` rows of `platform` due at `now`, leasing them
   * until `now + leaseMs`: only the oldest pending row of each target (so a target's effects keep their order),
   * incident lane first, then replies, then alert cards. Older rows of a coalesce key with a newer row are marked superseded first.
   */
  claim(platform: Destination, now: number, leaseMs: number, limit: number): Promise<OutboxRow[]>;
  /** The row went out; `messageId` is what the platform called it. */
  delivered(id: number, now: number, messageId: string | null): Promise<void>;
  /** Not sent: try again at `at` (`attempted`: a call was made and failed, as opposed to waiting for pacing). */
  later(id: number, at: number, error: string | null, attempted: boolean): Promise<void>;
  /** Stop trying: the chat stayed unreachable past the give-up time, or refused the effect for good. */
  gaveUp(id: number, now: number, error: string): Promise<void>;
  /** What is still to be delivered (metrics, the incident page). */
  backlog(): Promise<Backlog>;
  /** Effects of incident `number` that were given up, oldest first. */
  givenUp(incidentNumber: number): Promise<OutboxRow[]>;
  /**
   * Calls `listener` soon after rows of a platform were written by this process (after the writing transaction,
   * at most once an event-loop turn), so a dispatcher need not wait for its poll; returns the unsubscribe.
   * Rows written by other processes are found by the poll only.
   */
  onWritten?(listener: (platform: Destination) => void): () => void;
}
