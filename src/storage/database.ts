/** Opens the SQLite database with the pragmas sitroom relies on and applies the migrations in migrations/. */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import * as schema from './schema.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** PRAGMA cache_size in KiB when negative (https://www.sqlite.org/pragma.html#pragma_cache_size). */
const PAGE_CACHE = '-16000';

/**
 * Opens (creating if needed) the database at `path` (`:memory:` for tests) and migrates it.
 * WAL + synchronous=NORMAL: durable across process crashes, ~4x faster commits than FULL;
 * busy_timeout lets a second replica wait for the write lock instead of failing. It is set first: switching a new
 * file to WAL takes a lock too, and without a busy handler a replica starting at the same moment failed there
 * ("database is locked"). A page cache of up to 16 MB (SQLite's default is 2 MB, and it grows only as pages are read):
 * the pages an alert storm's deliveries write in turn (200 groups' alert rows, their indexes, the outbox) outgrew
 * 2 MB, and every page read back came from the file again: storing the webhook bench's deliveries cost 2-12% more
 * (min and median of 6 runs).
 */
export function openDatabase(path: string, migrationsFolder = MIGRATIONS_FOLDER): Db {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const client = new Database(path);
  client.pragma('busy_timeout = 5000');
  switchToWal(client);
  client.pragma('synchronous = NORMAL');
  client.pragma('foreign_keys = ON');
  client.pragma(`cache_size = ${PAGE_CACHE}`);
  migrateUnderLock(client, migrationsFolder);
  return drizzle({ client, schema });
}

/**
 * journal_mode = WAL, waiting out replicas that switch the same new file at the same moment. The switch needs an
 * exclusive lock, and SQLite answers SQLITE_BUSY at once, without calling the busy handler, where waiting could
 * deadlock (a connection holding a shared lock that wants more, https://www.sqlite.org/c3ref/busy_handler.html):
 * four processes opening a new file together failed here now and then (test/storage/migrate-together.test.ts). Once
 * one of them has switched, the others find the file in WAL already.
 */
function switchToWal(client: Database.Database): void {
  const deadline = Date.now() + 5000;
  for (let attempt = 0; ; attempt += 1) {
    try {
      client.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      const busy = error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');
      if (!busy || Date.now() >= deadline) throw error;
      // A short synchronous pause (opening is synchronous), a little longer each time, jittered so replicas part.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(100, 5 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random()));
    }
  }
}

/** drizzle-kit's bookkeeping table, as drizzle's own migrator creates it (existing databases keep theirs). */
const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`;

/**
 * Applies the migrations drizzle-kit generated, as drizzle's migrator does (same table, same order by the journal's
 * timestamps), but reading what is applied and applying the rest in ONE IMMEDIATE transaction: the write lock is taken
 * first, so replicas starting together wait for each other (busy_timeout) and the second finds the first's work done.
 * drizzle's migrator reads the last applied migration before its (deferred) BEGIN, so two replicas both saw none and
 * the second failed on "table already exists" or "database is locked" (test/storage/migrate-together.test.ts).
 */
function migrateUnderLock(client: Database.Database, migrationsFolder: string): void {
  const migrations = readMigrationFiles({ migrationsFolder });
  client
    .transaction(() => {
      client.exec(MIGRATIONS_TABLE);
      const last = client.prepare('SELECT created_at FROM "__drizzle_migrations" ORDER BY created_at DESC LIMIT 1').pluck().get() as number | string | undefined;
      const record = client.prepare('INSERT INTO "__drizzle_migrations" ("hash", "created_at") VALUES (?, ?)');
      for (const m of migrations) {
        if (last !== undefined && Number(last) >= m.folderMillis) continue;
        for (const statement of m.sql) if (statement.trim() !== '') client.exec(statement);
        record.run(m.hash, m.folderMillis);
      }
    })
    .immediate();
}

/**
 * Proves the database takes a write: rewrites the one heartbeat row. SELECT 1 succeeds on a read-only file system
 * or a full disk; this throws there (SQLITE_READONLY, SQLITE_FULL), which /healthz reports.
 */
export function proveWritable(db: Db, now: number): void {
  db.$client.prepare('INSERT INTO health_heartbeat (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at').run(now);
}
