/**
 * Leases on PostgreSQL (src/storage/leases.ts): one INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING. PostgreSQL
 * guarantees that statement an atomic insert-or-update outcome under concurrency: a conflicting row is locked and the
 * WHERE re-evaluated on its newest version (https://www.postgresql.org/docs/current/sql-insert.html#SQL-ON-CONFLICT),
 * so two replicas claiming together cannot both get it.
 */
import type pg from 'pg';
import { CLAIM_LEASE_SQL, type LeaseStore } from '../leases.ts';

const CLAIM = CLAIM_LEASE_SQL((n) => `$${n}`);

export class PgLeases implements LeaseStore {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  async claim(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    const r = await this.pool.query({ name: 'lease-claim', text: CLAIM, values: [name, holder, now + ttlMs, now] });
    return r.rowCount === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.pool.query({ name: 'lease-release', text: 'UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2', values: [name, holder] });
  }
}
