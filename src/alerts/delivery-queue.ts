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
import type { WebhookPayload } from './alertmanager-payload.ts';
import type { GroupAlert } from './alert-group.ts';
import type { AlertStore, IngestResult } from './ports.ts';

export interface DeliveryQueueOptions {
  store: AlertStore;
  now: () => number;
  /** Runs in the delivery's transaction once it is stored (e.g. starting a new episode); returns the result to answer. */
  settle: (result: IngestResult, now: number) => IngestResult;
  /**
   * Deliveries that changed something (not duplicates nor repeats of the stored state), inside the transaction that stores them, once per commit:
   * what must be written with them (their cards' outbox rows). Throwing fails the whole commit.
   */
  written?: (results: IngestResult[]) => void;
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

/** Whether a stored delivery has work to follow it (a card, war-room notes): not a duplicate, nor a repeat of the stored state. */
const changedSomething = (r: IngestResult): boolean => !r.duplicate && r.unchanged !== true;

/** Lets everything else that is ready run first (I/O callbacks included) before the caller goes on. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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
      setImmediate(() => this.flush());
    });
  }

  /** Writes every delivery that arrived this turn in one transaction, then answers each. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.waiting;
    this.waiting = [];
    const { store } = this.o;
    const now = this.o.now();
    let outcomes: ({ ok: true; result: IngestResult } | { ok: false; error: unknown })[];
    try {
      outcomes = store.inOneTransaction(() => {
        const each = batch.map((d) => {
          try {
            // A nested transaction is a savepoint: a delivery that throws is rolled back alone.
            return { ok: true as const, result: store.inOneTransaction(() => this.o.settle(store.ingest(d.payload, d.key, now), now)) };
          } catch (error) {
            return { ok: false as const, error };
          }
        });
        this.o.written?.(each.flatMap((o) => (o.ok && changedSomething(o.result) ? [o.result] : [])));
        return each;
      });
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
    const opened = store.openDelivery(payload, key, now);
    if ('duplicate' in opened) return opened.duplicate;
    const newlyFiring: GroupAlert[] = [];
    for (let at = 0; at < payload.alerts.length; at += this.sliceAlerts) {
      await nextTurn();
      for (const a of store.writeAlerts(opened, payload.alerts.slice(at, at + this.sliceAlerts), now)) newlyFiring.push(a);
    }
    await nextTurn();
    const result = store.inOneTransaction(() => {
      const finished = this.o.settle(store.finishDelivery(opened, payload, key, now, newlyFiring), now);
      if (changedSomething(finished)) this.o.written?.([finished]);
      return finished;
    });
    if (changedSomething(result)) this.o.stored([result]);
    return result;
  }
}
