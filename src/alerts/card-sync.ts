/**
 * Keeps each alert group's card current on every chat by queuing card rows in the outbox: nothing here calls a
 * chat or waits. The outbox coalesces a card's rows (only the newest version goes out, one at a time, after the
 * incident lane) and paces them by the platform's limits; sweep() re-queues cards a restart or a lost row left behind.
 */
import type { QueuedEffect } from '../incidents/effects.ts';
import type { Platform } from '../incidents/incident.ts';
import type { Clock } from '../incidents/ports.ts';
import { type AlertEffect, cardEffect } from './alert-effects.ts';
import type { AlertGroup } from './alert-group.ts';
import type { AlertStore } from './ports.ts';

export interface CardSyncOptions {
  store: AlertStore;
  outbox: { enqueue(effects: readonly QueuedEffect<AlertEffect>[]): Promise<void> };
  /** The chats that show alert cards. */
  platforms: readonly Platform[];
  clock: Clock;
}

export class AlertCardSync {
  private readonly o: CardSyncOptions;

  constructor(opts: CardSyncOptions) {
    this.o = opts;
  }

  /** The group changed: queue its card on every chat (a row already queued at this version is not repeated). */
  async changed(groupId: number): Promise<void> {
    const group = await this.o.store.group(groupId);
    if (group) await this.o.outbox.enqueue(this.cardEffects([group]));
  }

  /**
   * The card rows of groups just written, as they were written (no re-read): the webhook has the alert store write
   * them inside the commit that stores its deliveries (WrittenEffects), so a stored delivery always has its card
   * queued. Synchronous, as it runs in that transaction.
   */
  cardEffects(groups: readonly Pick<AlertGroup, 'id' | 'version'>[]): QueuedEffect<AlertEffect>[] {
    if (groups.length === 0 || this.o.platforms.length === 0) return [];
    const now = this.o.clock.now();
    return groups.flatMap((group) => this.o.platforms.map((platform) => cardEffect(platform, group, now)));
  }

  /** Re-queues cards left behind (missing or showing an older version) for groups changed since `since`. Writes rows only. */
  async sweep(since: number): Promise<void> {
    for (const id of await this.o.store.staleCards(this.o.platforms, since, 100)) await this.changed(id);
  }
}
