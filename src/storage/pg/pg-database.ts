/**
 * Opens PostgreSQL (DATABASE_URL) through node-postgres and applies migrations-pg/ under an advisory lock, so
 * replicas starting together migrate one at a time (the second finds the journal up to date and applies nothing).
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { DatabaseUrlError, redactDatabaseUrl } from '../database-url.ts';
import { transactionEnded } from './pg-sql.ts';
import * as schema from './schema.ts';

export { DatabaseUrlError, redactDatabaseUrl };

export const PG_MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../../migrations-pg');

/** pg_advisory_lock key of the migrations (any constant every replica agrees on: "sitroom" in ASCII). */
const MIGRATION_LOCK = 0x73697472_6f6f6dn;

export interface PgDb {
  pool: pg.Pool;
  db: NodePgDatabase<typeof schema>;
  close(): Promise<void>;
}

/**
 * int8 (bigint: every epoch-millisecond column, COUNT(*)) comes from node-postgres as a string by default
 * (https://node-postgres.com/features/types); these stay below 2^53, so they are read as numbers. Per pool, not
 * through the global pg.types, so nothing else in the process changes.
 */
const types = new pg.TypeOverrides();
types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));
// json columns come back as their text, as SQLite's do, so both engines share the row mappers (which parse lazily).
types.setTypeParser(pg.types.builtins.JSON, (v: string) => v);

export async function openPgDatabase(url: string, options: { max?: number; migrationsFolder?: string } = {}): Promise<PgDb> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server emits 'error' on the pool; without a listener that would end the process.
  pool.on('error', () => undefined);
  try {
    await migrateLocked(pool, options.migrationsFolder ?? PG_MIGRATIONS_FOLDER);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new DatabaseUrlError(`DATABASE_URL: cannot open ${redactDatabaseUrl(url)}: ${reason(e, url)}`);
  }
  const db = drizzle({ client: pool, schema });
  return { pool, db, close: () => pool.end() };
}

async function migrateLocked(pool: pg.Pool, migrationsFolder: string): Promise<void> {
  const client = await pool.connect();
  try {
    // Session-level lock, held on this connection while drizzle applies the migrations through it.
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
    try {
      await migrate(drizzle({ client, schema }), { migrationsFolder });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]);
    }
  } finally {
    client.release();
  }
}

/** Why opening failed, in one line, with the password cut out should the driver have echoed it. */
function reason(e: unknown, url: string): string {
  // drizzle wraps a failed statement ("Failed query: <sql>"); PostgreSQL's own error is its cause.
  const outer = e as { cause?: unknown };
  const err = (outer.cause instanceof Error ? outer.cause : e) as { code?: string; message?: string };
  let text = err.message || String(e);
  if (err.code) text = `${text} (${err.code})`;
  try {
    const password = decodeURIComponent(new URL(url).password);
    if (password) text = text.split(password).join('***');
  } catch {
    // not a URL: config.ts refuses those before this runs
  }
  return text.split('\n')[0] ?? text;
}

/** PostgreSQL's codes for a transaction that lost a race and may simply be run again. */
const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Runs `work` in one transaction on one pooled connection (READ COMMITTED; the stores lock what they re-read with
 * FOR UPDATE). A serialization failure or deadlock is retried a few times; anything else rolls back and throws.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      transactionEnded(pool, client, true);
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      transactionEnded(pool, client, false);
      if (attempt < 5 && RETRYABLE.has((e as { code?: string }).code ?? '')) continue;
      throw e;
    } finally {
      client.release();
    }
  }
}
