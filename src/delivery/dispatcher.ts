/**
 * Delivers the outbox of one platform. Each target (a war room, a person, an alert card) has at most one call in
 * flight and its rows go out in order; different targets go concurrently, so a hung channel delays no other, and
 * nothing here is awaited by a request, the scheduler or the web. Failed calls are retried with backoff until the
 * give-up time; pacing (pacing.ts) spaces calls per channel and method and honours Retry-After.
 */
import { type Destination, LANES } from '../incidents/effects.ts';
import type { Clock } from '../incidents/ports.ts';
import type { OutboxRow, OutboxStore } from './outbox.ts';
import type { CallKind, Pacer } from './pacing.ts';
import { type DeliveryFailure, nextAttemptAt, type RetryPolicy } from './retry-policy.ts';

/** One prepared call for a row: which method on which channel (for pacing), and the call itself. */
export interface PreparedCall {
  call: CallKind;
  /** The pacing key: a channel id, or `dm:<user>`. */
  channel: string;
  send(): Promise<{ messageId?: string | null }>;
}

/** Turns rows into calls; lives in chat/, which knows the platform. */
export interface EffectDeliverer {
  /**
   * The call for `row`, `'wait'` when it cannot go yet (its war room is still being created), `{ wait }` for another
   * reason to wait (given up with it after the give-up time), or `'skip'` when there is nothing left to do.
   */
  prepare(row: OutboxRow): Promise<PreparedCall | 'wait' | { wait: string } | 'skip'>;
  /** What a failed call means: retry or not, and for how long the platform asked to wait. */
  classify(error: unknown): DeliveryFailure;
}

export type DeliveryOutcome = 'delivered' | 'retried' | 'gave_up';

export interface DispatcherOptions {
  /** Whose rows it delivers: a chat platform's, the e-mails, or another tool's. */
  platform: Destination;
  store: OutboxStore;
  deliverer: EffectDeliverer;
  pacer: Pacer;
  clock: Clock;
  retry: RetryPolicy;
  /** A call not answered within this long counts as failed (and is retried); the platform client aborts it too. */
  callTimeoutMs: number;
  /** How many calls may be in flight at once (to different targets). */
  maxInFlight?: number;
  /**
   * How many of them may go to one channel (a PreparedCall's pacing key: a chat channel, a DM, a webhook endpoint).
   * A channel that hangs then holds this many calls until they time out, and the other slots keep serving the rest.
   */
  maxInFlightPerChannel?: number;
  /** How often to look for due rows when nothing pokes the dispatcher. */
  pollMs?: number;
  /** Hears of every outcome (metrics, logs, the timeline). */
  onOutcome?: (row: OutboxRow, outcome: DeliveryOutcome, detail: { call?: CallKind; error?: string; messageId?: string | null }) => void | Promise<void>;
  /** In [0, 1): jitter (tests pass a fixed one). */
  random?: () => number;
}

/**
 * How long a claimed row is leased: a process that dies mid-call loses its claim after this. Just over the call's
 * time-out (the dispatcher gives up on the call by then, and marks the row), and no more: a row whose post went out
 * just before a crash is sent again by the next process once the lease lapses, and on Mattermost that repeat is
 * dropped only within the 30 s the server remembers its pending_post_id (server/channels/app/post.go
 * pendingPostIDsCacheTTL). With the default 15 s time-out the repeat comes at 20 s, inside that window.
 */
export const leaseFor = (callTimeoutMs: number) => callTimeoutMs + 5_000;
/** A row whose war room does not exist yet is looked at again after this. */
const WAIT_MS = 2_000;
/** A row whose channel already has maxInFlightPerChannel calls in flight is looked at again after this. */
const CHANNEL_BUSY_MS = 1_000;
/**
 * Wake-ups (rows written by this process) claim at most this often: under an alert storm rows are written every
 * turn, and a claim per turn spent the CPU the slash-command acks need; 20 ms is still far below the poll.
 */
const WAKE_GAP_MS = 20;

export class OutboxDispatcher {
  private readonly o: Required<Omit<DispatcherOptions, 'onOutcome'>> & Pick<DispatcherOptions, 'onOutcome'>;
  private readonly inFlight = new Map<number, Promise<void>>();
  /** Calls being made now, by channel (see maxInFlightPerChannel). */
  private readonly channelCalls = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  /** The fill running now (claiming is asynchronous), and whether another was asked for meanwhile. */
  private filling: Promise<number> | undefined;
  private fillAgain = false;
  private stopped = true;
  private unsubscribe: (() => void) | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private budgetTimer: NodeJS.Timeout | undefined;
  /** Rows claimed that have not reached the pacer yet (they will spend the shared budget). */
  private unpaced = 0;
  private lastClaimAt = Number.NEGATIVE_INFINITY;
  /** Deliveries waiting for their turn (see turn()), by lane: incident traffic goes first, then replies, then alert cards. */
  private readonly waiting: Record<OutboxRow['lane'], (() => void)[]> = { incident: [], reply: [], alert: [], webhook: [], github: [] };
  private pumping = false;

  constructor(opts: DispatcherOptions) {
    this.o = { maxInFlight: 16, maxInFlightPerChannel: 4, pollMs: 250, random: Math.random, ...opts };
  }

  /**
   * Starts delivering in the background until stop(). Rows this process writes wake it at once (the store's
   * onWritten); the poll still finds rows written by other processes and retries falling due.
   */
  start(): void {
    this.stopped = false;
    this.unsubscribe ??= this.o.store.onWritten?.((platform) => {
      if (platform === this.o.platform) this.wake();
    });
    this.poke();
  }

  /** Something was queued: look now rather than at the next poll. */
  poke(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    void this.fill();
    this.timer = setTimeout(() => this.poke(), this.o.pollMs);
    this.timer.unref();
  }

  /** The shared budget is spent: look again when it allows a call (or at the next poll, whichever is first). */
  private pokeAt(delayMs: number): void {
    if (this.stopped || this.budgetTimer || delayMs <= 0 || delayMs >= this.o.pollMs) return;
    this.budgetTimer = setTimeout(() => {
      this.budgetTimer = undefined;
      this.poke();
    }, delayMs);
    this.budgetTimer.unref();
  }

  /** Rows were written here: look soon, but claim at most once every WAKE_GAP_MS. */
  private wake(): void {
    if (this.stopped || this.wakeTimer) return;
    const wait = this.lastClaimAt + WAKE_GAP_MS - performance.now();
    if (wait <= 0) return this.poke();
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.poke();
    }, wait);
    this.wakeTimer.unref();
  }

  /** Stops claiming and waits (at most `waitMs`) for calls in flight; unfinished rows are retried after restart. */
  async stop(waitMs = 5_000): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearTimeout(this.timer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    if (this.budgetTimer) clearTimeout(this.budgetTimer);
    this.budgetTimer = undefined;
    await Promise.race([Promise.allSettled([...this.inFlight.values()]), new Promise((r) => setTimeout(r, waitMs).unref())]);
  }

  /**
   * Delivers everything due now, round after round, until nothing due is left (tests with a fixed clock, and
   * shutdown). Returns how many rows were looked at.
   */
  async drain(): Promise<number> {
    let handled = 0;
    for (;;) {
      const started = await this.fill();
      if (started === 0 && this.inFlight.size === 0) return handled;
      handled += started;
      await Promise.allSettled([...this.inFlight.values()]);
    }
  }

  /** The platform whose rows this dispatcher delivers. */
  get platform(): Destination {
    return this.o.platform;
  }

  /** Whether it delivers in the background (start() was called, stop() not yet). */
  get running(): boolean {
    return !this.stopped;
  }

  /** Calls in flight right now. */
  get busy(): number {
    return this.inFlight.size;
  }

  /**
   * Claims due rows up to the in-flight limit and what the platform's shared budget allows now (rows claimed but not
   * yet past the pacer count against it), and starts each; returns how many were started. One fill at a time:
   * two overlapping ones would both count the same free room before either's rows are in flight, and claim past
   * maxInFlight. A fill asked for while one runs makes that one look once more.
   */
  private fill(): Promise<number> {
    if (this.filling) {
      this.fillAgain = true;
      return this.filling;
    }
    const run = async () => {
      let started = 0;
      do {
        this.fillAgain = false;
        started += await this.fillOnce();
      } while (this.fillAgain && !this.stopped);
      return started;
    };
    this.filling = run().finally(() => {
      this.filling = undefined;
    });
    return this.filling;
  }

  private async fillOnce(): Promise<number> {
    const now = this.o.clock.now();
    const budget = this.o.pacer.room(now) - this.unpaced;
    const room = Math.min(this.o.maxInFlight - this.inFlight.size, budget);
    if (room <= 0) {
      if (budget <= 0) this.pokeAt(this.o.pacer.roomAt(now) - now);
      return 0;
    }
    this.lastClaimAt = performance.now();
    const rows = await this.o.store.claim(this.o.platform, now, leaseFor(this.o.callTimeoutMs), room);
    this.unpaced += rows.length;
    for (const row of rows) {
      // A row that was only put off (paced, or its war room not there yet) does not claim again at once: with a
      // paced backlog that loop re-ran the claim query for every row put off. The next poll or poke looks again.
      const work = this.deliver(row).then((settled) => {
        this.inFlight.delete(row.id);
        if (settled && !this.stopped) void this.fill();
      }, () => {
        this.inFlight.delete(row.id);
      });
      this.inFlight.set(row.id, work);
    }
    return rows.length;
  }

  /**
   * Resolves on a later event-loop turn, one waiting delivery a turn, by lane (incident, reply, alert): the
   * deliveries of a claim start with the server's I/O (slash-command acks, webhook deliveries) served between them
   * rather than after all of them, and a war room or announcement never waits behind alert cards here. In drain()
   * (tests, shutdown) nothing waits on I/O, so it does not yield.
   */
  private turn(lane: OutboxRow['lane']): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting[lane].push(resolve);
      if (this.pumping) return;
      this.pumping = true;
      const pump = () => {
        // Webhook and GitHub rows have dispatchers of their own, so their lanes never compete with chat here.
        const next = this.nextWaiting();
        if (!next) {
          this.pumping = false;
          return;
        }
        next();
        setImmediate(pump);
      };
      setImmediate(pump);
    });
  }

  /** The first waiting delivery in lane order (LANES, effects.ts). */
  private nextWaiting(): (() => void) | undefined {
    for (const lane of LANES) {
      const next = this.waiting[lane].shift();
      if (next) return next;
    }
    return undefined;
  }

  /** Delivers, retries or gives up `row`; false when it was only put off for later. */
  private async deliver(row: OutboxRow): Promise<boolean> {
    let unpaced = true;
    const paced = () => {
      if (unpaced) this.unpaced -= 1;
      unpaced = false;
    };
    try {
      return await this.attempt(row, paced);
    } finally {
      paced();
    }
  }

  /** deliver()'s work; `paced` is called once the row has spent its share of the pacer's budget. */
  private async attempt(row: OutboxRow, paced: () => void): Promise<boolean> {
    if (!this.stopped) await this.turn(row.lane);
    const { store, pacer, clock } = this.o;
    const now = clock.now();
    let prepared: Awaited<ReturnType<EffectDeliverer['prepare']>>;
    try {
      prepared = await this.o.deliverer.prepare(row);
    } catch (e) {
      await this.giveUp(row, undefined, e instanceof Error ? e.message : String(e));
      return true;
    }
    if (prepared === 'skip') {
      await store.delivered(row.id, now, null);
      return true;
    }
    if (prepared === 'wait' || 'wait' in prepared) {
      // Waiting is no attempt: no backoff grows, and a replica that can make the call takes the row as soon as it is due.
      const reason = prepared === 'wait' ? row.lastError : prepared.wait;
      if (now - row.createdAt <= this.o.retry.giveUpMs) {
        await store.later(row.id, now + WAIT_MS, reason, false);
        return false;
      }
      await this.giveUp(row, undefined, reason ?? 'its war room was never created');
      return true;
    }
    const { channel } = prepared;
    // A hung channel (a webhook endpoint that never answers, say) would otherwise take every slot as its rows came up.
    if ((this.channelCalls.get(channel) ?? 0) >= this.o.maxInFlightPerChannel) {
      await store.later(row.id, now + CHANNEL_BUSY_MS, row.lastError, false);
      return false;
    }
    const slot = pacer.nextSlot(prepared.call, channel, now);
    if (slot > now) {
      await store.later(row.id, slot, row.lastError, false);
      return false;
    }
    pacer.take(prepared.call, channel, now);
    paced();
    let messageId: string | null;
    try {
      ({ messageId = null } = await this.call(prepared));
    } catch (e) {
      const failure = this.o.deliverer.classify(e);
      const at = clock.now();
      if (failure.retryAfterMs !== undefined) pacer.hold(prepared.call, prepared.channel, at + failure.retryAfterMs);
      const next = nextAttemptAt(this.o.retry, row, failure, at, this.o.random());
      if (next === null) await this.giveUp(row, prepared.call, failure.message);
      else {
        await store.later(row.id, next, failure.message, true);
        await this.o.onOutcome?.(row, 'retried', { call: prepared.call, error: failure.message });
      }
      return true;
    }
    // Outside the try: a store or listener failure here is not a failed call to retry.
    await store.delivered(row.id, clock.now(), messageId);
    await this.o.onOutcome?.(row, 'delivered', { call: prepared.call, messageId });
    return true;
  }

  /** Makes the call, counted against its channel until it is answered or times out. */
  private async call(prepared: PreparedCall): Promise<{ messageId?: string | null }> {
    const { channel } = prepared;
    this.channelCalls.set(channel, (this.channelCalls.get(channel) ?? 0) + 1);
    try {
      return await withTimeout(prepared.send(), this.o.callTimeoutMs);
    } finally {
      const left = (this.channelCalls.get(channel) ?? 1) - 1;
      if (left > 0) this.channelCalls.set(channel, left);
      else this.channelCalls.delete(channel);
    }
  }

  private async giveUp(row: OutboxRow, call: CallKind | undefined, error: string): Promise<void> {
    await this.o.store.gaveUp(row.id, this.o.clock.now(), error);
    await this.o.onOutcome?.(row, 'gave_up', { call, error });
  }
}

export class DeliveryTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'DeliveryTimeout';
  }
}

/** Rejects after `ms` (the platform client aborts its own request too; this guards any call that ignores it). */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeliveryTimeout(ms)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
