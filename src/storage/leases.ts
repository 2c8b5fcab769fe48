/**
 * Short database leases: one replica at a time holds a named lease until it expires, renewing it while it lives.
 * Not leader election for work (every replica claims its own work, row by row): a lease only decides which one
 * replica does something that must be done by exactly one and is not a row to claim, e.g. exporting the /metrics
 * gauges read from the database, so that their sum over replicas is right.
 *
 * Taking a lease is one atomic statement on either engine: an upsert whose update only applies when the lease is
 * free, expired or already ours, RETURNING the row only then.
 */
import type { Db } from './database.ts';

export interface LeaseStore {
  /**
   * Takes or renews lease `name` for `holder` until `now + ttlMs` when nobody holds it, its holder's time is up, or
   * `holder` already holds it. True when `holder` holds it afterwards.
   */
  claim(name: string, holder: string, now: number, ttlMs: number): Promise<boolean>;
  /** Gives the lease up at once if `holder` holds it (a clean stop), so another replica need not wait for it to expire. */
  release(name: string, holder: string): Promise<void>;
}

/** The upsert both engines run (`?` placeholders here; PostgreSQL's `$n` in pg-leases.ts). */
export const CLAIM_LEASE_SQL = (p: (n: number) => string): string =>
  `INSERT INTO leases (name, holder, expires_at) VALUES (${p(1)}, ${p(2)}, ${p(3)})
   ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
   WHERE leases.holder = excluded.holder OR leases.expires_at <= ${p(4)}
   RETURNING holder`;

export class SqliteLeases implements LeaseStore {
  private readonly claimLease;
  private readonly releaseLease;

  constructor(db: Db) {
    const c = db.$client;
    const upsert = c.prepare<[string, string, number, number], { holder: string }>(CLAIM_LEASE_SQL(() => '?'));
    // IMMEDIATE: the write lock is taken before the row is read, so two processes on the file cannot both see it free.
    this.claimLease = c.transaction((name: string, holder: string, now: number, ttlMs: number) => upsert.get(name, holder, now + ttlMs, now) !== undefined).immediate;
    this.releaseLease = c.prepare<[string, string]>('UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ?');
  }

  claim(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    return Promise.resolve(this.claimLease(name, holder, now, ttlMs));
  }

  release(name: string, holder: string): Promise<void> {
    this.releaseLease.run(name, holder);
    return Promise.resolve();
  }
}

/**
 * One lease as this process sees it: a holder id of its own (random per process, so a restarted process is a new
 * holder and waits for its predecessor's lease to run out or be released), renewed by `hold()` (the scheduler's tick
 * and each scrape call it), given up by `release()` on a clean stop.
 */
export class Lease {
  private readonly store: LeaseStore;
  private readonly name: string;
  private readonly ttlMs: number;
  private readonly now: () => number;
  readonly holder: string;

  constructor(opts: { store: LeaseStore; name: string; holder: string; ttlMs: number; now: () => number }) {
    this.store = opts.store;
    this.name = opts.name;
    this.holder = opts.holder;
    this.ttlMs = opts.ttlMs;
    this.now = opts.now;
  }

  /** Takes or renews the lease; false when another replica holds it or the database cannot be reached. */
  async hold(): Promise<boolean> {
    try {
      return await this.store.claim(this.name, this.holder, this.now(), this.ttlMs);
    } catch {
      // A database that does not answer: this replica cannot read the gauges either, so it does not export them.
      return false;
    }
  }

  async release(): Promise<void> {
    await this.store.release(this.name, this.holder);
  }
}

/** The lease of the replica that exports the database gauges on /metrics (see src/web/metrics.ts). */
export const DATABASE_GAUGES_LEASE = 'database_gauges';

/**
 * How long the gauge lease lasts without renewal: three scheduler ticks (the holder renews it every tick), at
 * least 30 s. After a crash the gauges are absent from every replica for at most this long.
 */
export const gaugeLeaseTtlMs = (tickSeconds: number): number => Math.max(30_000, 3 * tickSeconds * 1000);
