/** What every PostgreSQL store shares: row columns from the schema, the outbox and timeline writes, change counters. */
import { getTableColumns, type Table } from 'drizzle-orm';
import type pg from 'pg';
import type { QueuedEffect } from '../../incidents/effects.ts';
import type { TimelineEvent } from '../../incidents/timeline.ts';
import type { OutboxEffect } from '../../delivery/outbox.ts';
import type { Destination } from '../../incidents/effects.ts';
import { WrittenSignal } from '../sqlite-outbox-store.ts';

/** The destinations of the outbox rows each open transaction wrote, told to the pool's listeners once it commits. */
const uncommitted = new WeakMap<pg.PoolClient, Set<Destination>>();
const signals = new WeakMap<pg.Pool, WrittenSignal>();

/** Who hears of outbox rows committed through `pool` (OutboxStore.onWritten); rows of other replicas are polled for. */
export function outboxSignal(pool: pg.Pool): WrittenSignal {
  let signal = signals.get(pool);
  if (!signal) signals.set(pool, (signal = new WrittenSignal()));
  return signal;
}

/** Called by inTransaction when `client`'s transaction has ended: its rows are told only if it committed. */
export function transactionEnded(pool: pg.Pool, client: pg.PoolClient, committed: boolean): void {
  const written = uncommitted.get(client);
  if (!written) return;
  uncommitted.delete(client);
  const signal = signals.get(pool);
  if (committed && signal) for (const platform of written) signal.wrote(platform);
}

export type Sql = pg.Pool | pg.PoolClient;

/** `"snake" AS "camel", …` for every column of `table`: rows come back keyed like drizzle's inferred row type. */
export function selectList(table: Table, alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return Object.entries(getTableColumns(table))
    .map(([key, column]) => `${prefix}"${column.name}" AS "${key}"`)
    .join(', ');
}

/** The column names and `$n` placeholders of `keys` (camelCase keys of `table`), from `first` on. */
export function columnsOf(table: Table, keys: readonly string[]): string[] {
  const columns = getTableColumns(table);
  return keys.map((k) => {
    const column = columns[k];
    if (!column) throw new Error(`no column ${k}`);
    return `"${column.name}"`;
  });
}

/**
 * Bumps a change counter inside the caller's transaction: version() of a store reads it, so a cache in any replica
 * sees writes from every other. The row lock is held to the commit, so writers of one counter queue briefly.
 */
export async function bumpChanges(client: pg.PoolClient, name: 'incidents' | 'publications'): Promise<void> {
  await client.query({
    name: `bump-${name}`,
    text: 'INSERT INTO change_counters (name, n) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET n = change_counters.n + 1',
    values: [name],
  });
}

export async function readChanges(sql: Sql, name: 'incidents' | 'publications'): Promise<string> {
  const r = await sql.query<{ n: number }>({ name: 'read-changes', text: 'SELECT n FROM change_counters WHERE name = $1', values: [name] });
  return String(r.rows[0]?.n ?? 0);
}

export async function insertEvents(client: pg.PoolClient, number: number, events: readonly TimelineEvent[]): Promise<void> {
  for (const e of events) {
    await client.query({
      name: 'insert-event',
      text: 'INSERT INTO timeline_events (incident_number, at, actor, kind, text, data) VALUES ($1, $2, $3, $4, $5, $6)',
      values: [number, e.at, e.actor, e.kind, e.text, JSON.stringify(e.data)],
    });
  }
}

/** The PostgreSQL writeOutbox (see ../sqlite-outbox-store.ts): in the caller's transaction, skipping covered versions. */
export async function writeOutboxPg(client: pg.PoolClient, effects: readonly QueuedEffect<OutboxEffect>[]): Promise<void> {
  for (const e of effects) {
    const version = e.version ?? 0;
    const payload = JSON.stringify(e.effect);
    if (e.coalesceKey !== undefined && version > 0) {
      // As on SQLite (writeOutbox): a queued row of the same key and payload that no process is sending is moved up.
      const moved = await client.query({
        name: 'outbox-move-up',
        text: `UPDATE outbox SET version = GREATEST(version, $1) WHERE coalesce_key = $2 AND platform = $3 AND state = 'pending'
          AND claimed_until <= $4 AND payload::text = $5`,
        values: [version, e.coalesceKey, e.platform, e.at, payload],
      });
      if (moved.rowCount) continue;
      const covered = await client.query({
        name: 'outbox-covered',
        text: "SELECT 1 FROM outbox WHERE coalesce_key = $1 AND platform = $2 AND state = 'pending' AND version >= $3 LIMIT 1",
        values: [e.coalesceKey, e.platform, version],
      });
      if (covered.rowCount) continue;
    }
    await client.query({
      name: 'outbox-insert',
      text: `INSERT INTO outbox (platform, lane, target, kind, payload, coalesce_key, version, incident_number, actor,
        state, attempts, created_at, next_attempt_at, claimed_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', 0, $10, $10, 0)`,
      values: [e.platform, e.lane, e.target, e.effect.kind, payload, e.coalesceKey ?? null, version, e.incidentNumber ?? null, e.actor ?? null, e.at],
    });
    let written = uncommitted.get(client);
    if (!written) uncommitted.set(client, (written = new Set()));
    written.add(e.platform);
  }
}
