/**
 * The outbox on PostgreSQL. A claim is one short transaction: older rows of a coalesce key are superseded, then the
 * due heads of their targets are locked FOR UPDATE SKIP LOCKED and leased, so replicas claiming at once take
 * different rows and never wait on each other (https://www.postgresql.org/docs/15/sql-select.html#SQL-FOR-UPDATE-SHARE).
 */
import type pg from 'pg';
import type { Backlog, OutboxEffect, OutboxRow, OutboxStore } from '../../delivery/outbox.ts';
import { type Destination, type Lane, LANES, type QueuedEffect } from '../../incidents/effects.ts';
import { type Row, toOutboxRow } from '../sqlite-outbox-store.ts';
import { inTransaction } from './pg-database.ts';
import { outboxSignal, writeOutboxPg } from './pg-sql.ts';

export class PgOutboxStore implements OutboxStore {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  enqueue(effects: readonly QueuedEffect<OutboxEffect>[]): Promise<void> {
    return inTransaction(this.pool, (client) => writeOutboxPg(client, effects));
  }

  claim(platform: Destination, now: number, leaseMs: number, limit: number): Promise<OutboxRow[]> {
    return inTransaction(this.pool, async (client) => {
      // SKIP LOCKED here too: a row another replica is claiming is not superseded under it.
      await client.query({
        name: 'outbox-supersede',
        text: `UPDATE outbox SET state = 'superseded', done_at = $1 WHERE id IN (SELECT o.id FROM outbox o WHERE o.state = 'pending' AND o.platform = $2
          AND o.coalesce_key IS NOT NULL AND o.claimed_until <= $1 AND EXISTS (SELECT 1 FROM outbox n WHERE n.coalesce_key = o.coalesce_key
          AND n.platform = o.platform AND n.state IN ('pending', 'sent') AND (n.version > o.version OR (n.version = o.version AND n.id > o.id)))
          FOR UPDATE SKIP LOCKED)`,
        values: [now, platform],
      });
      // A head whose older row of the target is locked by another claimer is not a head: that row is still pending.
      const due = await client.query<Row>({
        name: 'outbox-claim',
        text: `SELECT * FROM outbox o WHERE o.state = 'pending' AND o.platform = $2 AND o.next_attempt_at <= $1 AND o.claimed_until <= $1
          AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.platform = o.platform AND p.target = o.target AND p.state = 'pending' AND p.id < o.id)
          ORDER BY array_position($4::text[], o.lane), o.id LIMIT $3 FOR UPDATE SKIP LOCKED`,
        // LANES is the order lanes are served in (effects.ts): incident traffic, then delayed replies, then alert cards.
        values: [now, platform, limit, LANES],
      });
      if (due.rows.length > 0) {
        await client.query({ name: 'outbox-lease', text: 'UPDATE outbox SET claimed_until = $1 WHERE id = ANY($2)', values: [now + leaseMs, due.rows.map((r) => r.id)] });
      }
      return due.rows.map(toOutboxRow);
    });
  }

  async delivered(id: number, now: number, messageId: string | null): Promise<void> {
    await this.pool.query({
      name: 'outbox-delivered',
      text: "UPDATE outbox SET state = 'sent', done_at = $1, message_id = $2, attempts = attempts + 1, claimed_until = 0 WHERE id = $3",
      values: [now, messageId, id],
    });
  }

  async later(id: number, at: number, error: string | null, attempted: boolean): Promise<void> {
    await this.pool.query({
      name: 'outbox-later',
      text: 'UPDATE outbox SET next_attempt_at = $1, last_error = $2, attempts = attempts + $3, claimed_until = 0 WHERE id = $4',
      values: [at, error, attempted ? 1 : 0, id],
    });
  }

  async gaveUp(id: number, now: number, error: string): Promise<void> {
    await this.pool.query({ name: 'outbox-gave-up', text: "UPDATE outbox SET state = 'gave_up', done_at = $1, last_error = $2, claimed_until = 0 WHERE id = $3", values: [now, error, id] });
  }

  async backlog(): Promise<Backlog> {
    const pending = Object.fromEntries(LANES.map((lane) => [lane, 0])) as Record<Lane, number>;
    let oldestCreatedAt: number | null = null;
    const r = await this.pool.query<{ lane: Lane; n: number; oldest: number }>({
      name: 'outbox-backlog',
      text: "SELECT lane, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE state = 'pending' GROUP BY lane",
    });
    for (const row of r.rows) {
      pending[row.lane] = row.n;
      oldestCreatedAt = oldestCreatedAt === null ? row.oldest : Math.min(oldestCreatedAt, row.oldest);
    }
    return { pending, oldestCreatedAt };
  }

  /** Rows committed through this pool (by any store on it), told after their transaction; other replicas' rows are polled for. */
  onWritten(listener: (platform: Destination) => void): () => void {
    const { listeners } = outboxSignal(this.pool);
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  async givenUp(incidentNumber: number): Promise<OutboxRow[]> {
    const r = await this.pool.query<Row>("SELECT * FROM outbox WHERE incident_number = $1 AND state = 'gave_up' ORDER BY id", [incidentNumber]);
    return r.rows.map(toOutboxRow);
  }
}
