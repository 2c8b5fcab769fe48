/**
 * How webhook deliveries reach the store without holding the event loop:
 *
 * - Group commit: deliveries that arrive in the same event-loop turn are written in ONE transaction when the turn
 *   ends (setImmediate), each in its own savepoint, so one that fails is undone alone. Each caller's promise
 *   settles only after that commit, so a delivery is answered 200 only once it is durable. One commit per turn
 *   instead of one per delivery: the commit, not the rows, is most of a small delivery's storage cost.
 * - Storms: a delivery with more than `sliceAlerts` alerts is stored in slices, each its own transaction, with the
 *   event loop free in between (other requests are answered). It counts as stored only once its last step records
 *   the delivery key; a crash before that leaves the key unrecorded, so Alertmanager's re-send (it retries until a
 *   2xx) is not taken for a duplicate and writes the same rows again (upserts keyed by fingerprint and start).
 *   Deliveries for the same group wait until the storm is stored, so they never interleave with its slices.
 */
import type { WebhookPayload } from '../alertmanager/alertmanager-payload.ts';
import type { GroupAlert } from './alert-group.ts';
import { type AlertStore, changedSomething, type DeliveryOutcome, type IngestResult, type WrittenEffects } from './ports.ts';

export interface DeliveryQueueOptions {
  store: AlertStore;
  now: () => number;
  /**
   * Deliveries that changed something (not duplicates nor repeats of the stored state): what must be written with them (their cards' outbox rows),
   * inside the transaction that stores them, once per commit. Throwing fails the whole commit.
   */
  written?: WrittenEffects;
  /** Deliveries just made durable that changed something (as for `written`), once per commit. */
  stored: (results: IngestResult[]) => void;
  /**
   * Deliveries with more alerts than this are stored in slices of this many (default 500: ~5.5 ms of CPU each here, as
   * 1,000 were before each write also kept the card digest current; several times that in wall time with the CPUs shared).
   */
  sliceAlerts?: number;
}

interface Waiting {
  payload: WebhookPayload;
  key: string;
  resolve: (result: IngestResult) => void;
  reject: (error: unknown) => void;
}


/** Lets everything else that is ready run first (I/O callbacks included) before the caller goes on. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export const DEFAULT_SLICE_ALERTS = 500;

export class DeliveryQueue {
  private readonly o: DeliveryQueueOptions;
  private readonly sliceAlerts: number;
  private waiting: Waiting[] = [];
  private flushScheduled = false;
  /** Groups with a storm being stored, and when it ends. */
  private readonly storms = new Map<string, Promise<unknown>>();

  constructor(opts: DeliveryQueueOptions) {
    this.o = opts;
    this.sliceAlerts = opts.sliceAlerts ?? DEFAULT_SLICE_ALERTS;
  }

  /** Stores a validated delivery; resolves once it is durable (rejects when it could not be stored). */
  add(payload: WebhookPayload, key: string): Promise<IngestResult> {
    const storm = this.storms.get(payload.groupKey);
    if (storm) {
      const after = () => this.add(payload, key);
      return storm.then(after, after);
    }
    if (payload.alerts.length > this.sliceAlerts) return this.storeInSlices(payload, key);
    return new Promise((resolve, reject) => {
      this.waiting.push({ payload, key, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => void this.flush());
    });
  }

  /** Writes every delivery that arrived this turn in one transaction, then answers each. */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.waiting;
    this.waiting = [];
    const now = this.o.now();
    let outcomes: DeliveryOutcome[];
    try {
      outcomes = await this.o.store.ingestBatch(batch, now, this.o.written);
    } catch (error) {
      // The commit itself failed: nothing of this batch is durable.
      for (const d of batch) d.reject(error);
      return;
    }
    const changed: IngestResult[] = [];
    batch.forEach((d, i) => {
      const outcome = outcomes[i];
      if (!outcome) d.reject(new Error('delivery lost from its batch'));
      else if (!outcome.ok) d.reject(outcome.error);
      else {
        d.resolve(outcome.result);
        if (changedSomething(outcome.result)) changed.push(outcome.result);
      }
    });
    if (changed.length) this.o.stored(changed);
  }

  private storeInSlices(payload: WebhookPayload, key: string): Promise<IngestResult> {
    const work = this.writeSlices(payload, key);
    const { groupKey } = payload;
    this.storms.set(groupKey, work);
    const done = () => {
      if (this.storms.get(groupKey) === work) this.storms.delete(groupKey);
    };
    work.then(done, done);
    return work;
  }

  private async writeSlices(payload: WebhookPayload, key: string): Promise<IngestResult> {
    const { store } = this.o;
    // After this turn's batch, which may hold an earlier delivery of the same group.
    await nextTurn();
    const now = this.o.now();
    const opened = await store.openDelivery(payload, key, now);
    if ('duplicate' in opened) return opened.duplicate;
    const newlyFiring: GroupAlert[] = [];
    for (let at = 0; at < payload.alerts.length; at += this.sliceAlerts) {
      await nextTurn();
      for (const a of await store.writeAlerts(opened, payload.alerts.slice(at, at + this.sliceAlerts), now)) newlyFiring.push(a);
    }
    await nextTurn();
    const result = await store.finishDelivery(opened, payload, key, now, newlyFiring, this.o.written);
    if (changedSomething(result)) this.o.stored([result]);
    return result;
  }
}
