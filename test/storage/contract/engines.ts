/**
 * The engines the store contract suite runs on: SQLite on a temporary file, PostgreSQL on a fresh database of the
 * run's cluster (test/pg-global-setup.ts). `open` gives a new database; `openAgain` a second connection (SQLite) or
 * pool (PostgreSQL) on the same one, as a second replica would have.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { inject } from 'vitest';
import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { openPgDatabase } from '../../../src/storage/pg/pg-database.ts';
import * as pgSchema from '../../../src/storage/pg/schema.ts';
import { openStores, type Stores } from '../../../src/storage/open-database.ts';
import { pgDatabaseUrl, withPgClient } from '../../support/pg-client.ts';

export interface Engine {
  name: 'sqlite' | 'postgres';
  open(): Promise<Stores>;
  openAgain(): Promise<Stores>;
  /** Rows of a raw query on the current database (for checks the ports do not offer). */
  count(table: string): Promise<number>;
  /** Closes everything opened (the PostgreSQL cluster, with its databases, goes at the end of the run). */
  cleanup(): Promise<void>;
}

function sqliteEngine(): Engine {
  let dir: string | undefined;
  let path = '';
  const opened: Stores[] = [];
  return {
    name: 'sqlite',
    async open() {
      dir = mkdtempSync(join(tmpdir(), 'sitroom-contract-'));
      path = join(dir, 'sitroom.db');
      return this.openAgain();
    },
    async openAgain() {
      const stores = await openStores({ databasePath: path, databaseUrl: undefined });
      opened.push(stores);
      return stores;
    },
    count(table) {
      const db = new Database(path, { readonly: true });
      try {
        return Promise.resolve((db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n);
      } finally {
        db.close();
      }
    },
    async cleanup() {
      for (const s of opened.splice(0)) await s.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

let database: Promise<string> | undefined;

/**
 * One migrated database per test file (CREATE DATABASE takes about a second here), emptied before each test:
 * DELETE children before parents (the schema's foreign keys give the order), identities restarted, so numbering
 * starts at 1 as on a fresh SQLite file. Much faster than TRUNCATE or a new database per test.
 */
function fileDatabase(): Promise<string> {
  database ??= (async () => {
    const name = `sitroom_t_${process.pid}_${Date.now()}`;
    await withPgClient(inject('pgAdminUrl'), (c) => c.query(`CREATE DATABASE ${name}`));
    const db = await openPgDatabase(pgDatabaseUrl(name), { max: 1 });
    await db.close();
    return name;
  })();
  return database;
}

const tables = Object.values(pgSchema).filter((t) => is(t, PgTable)).map((t) => getTableConfig(t));

/** Table names, every table before the tables it references. */
function deletionOrder(): string[] {
  const order: string[] = [];
  let left = tables;
  while (left.length > 0) {
    const referenced = new Set(left.flatMap((t) => t.foreignKeys.map((fk) => getTableConfig(fk.reference().foreignTable).name).filter((n) => n !== t.name)));
    const free = left.filter((t) => !referenced.has(t.name));
    if (free.length === 0) throw new Error('foreign key cycle');
    order.push(...free.map((t) => t.name));
    left = left.filter((t) => referenced.has(t.name));
  }
  return order;
}

async function emptyDatabase(url: string): Promise<void> {
  await withPgClient(url, async (c) => {
    const sequences = (await c.query<{ name: string }>("SELECT sequencename AS name FROM pg_sequences WHERE schemaname = 'public'")).rows;
    await c.query([...deletionOrder().map((t) => `DELETE FROM "${t}"`), ...sequences.map((s) => `ALTER SEQUENCE "${s.name}" RESTART`)].join(';\n'));
  });
}

function postgresEngine(): Engine {
  let url = '';
  const opened: Stores[] = [];
  return {
    name: 'postgres',
    async open() {
      url = pgDatabaseUrl(await fileDatabase());
      await emptyDatabase(url);
      return this.openAgain();
    },
    async openAgain() {
      const stores = await openStores({ databaseUrl: url, databasePath: '' }, { poolSize: 4 });
      opened.push(stores);
      return stores;
    },
    count(table) {
      return withPgClient(url, async (c) => Number((await c.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]!.n));
    },
    async cleanup() {
      for (const s of opened.splice(0)) await s.close();
    },
  };
}

/** Both engines, for describe.each. */
export const ENGINES: readonly (() => Engine)[] = [sqliteEngine, postgresEngine];
