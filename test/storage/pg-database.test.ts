/** Opening PostgreSQL: migrations under a lock when replicas start together, and clear errors for a bad DATABASE_URL. */
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { DatabaseUrlError, openPgDatabase, PG_MIGRATIONS_FOLDER, type PgDb, redactDatabaseUrl } from '../../src/storage/pg/pg-database.ts';
import { freePort } from '../e2e/bot-process.ts';

const adminUrl = inject('pgAdminUrl');
const urlOf = (name: string, password?: string) => {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  if (password !== undefined) url.password = password;
  return url.toString();
};

async function admin(sql: string): Promise<void> {
  const client = new pg.Client(adminUrl);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const opened: PgDb[] = [];
afterAll(async () => {
  for (const db of opened) await db.close();
});

describe('openPgDatabase', () => {
  it('migrates once when several replicas start at the same moment', async () => {
    const name = `sitroom_migrate_${process.pid}`;
    await admin(`CREATE DATABASE ${name}`);
    // Five pools on an empty database, all migrating at once: without the lock, two would create the same tables.
    const dbs = await Promise.all(Array.from({ length: 5 }, () => openPgDatabase(urlOf(name), { max: 2 })));
    opened.push(...dbs);
    const journal = await dbs[0]!.pool.query<{ n: number }>('SELECT COUNT(*) AS n FROM drizzle.__drizzle_migrations');
    expect(journal.rows[0]!.n).toBe(readdirSync(PG_MIGRATIONS_FOLDER).filter((f) => f.endsWith('.sql')).length);
    const tables = await dbs[0]!.pool.query<{ n: number }>("SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'public'");
    expect(tables.rows[0]!.n).toBeGreaterThan(15);
  });

  it('reads epoch milliseconds back as numbers', async () => {
    const db = opened[0]!;
    await db.pool.query('INSERT INTO health_heartbeat (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at', [Date.UTC(2026, 10, 27)]);
    expect((await db.pool.query<{ at: unknown }>('SELECT at FROM health_heartbeat')).rows[0]!.at).toBe(Date.UTC(2026, 10, 27));
  });

  it('names DATABASE_URL and never prints the password when the server is unreachable', async () => {
    const url = `postgres://sitroom:hunter2-secret@127.0.0.1:${await freePort()}/sitroom`;
    const error = await openPgDatabase(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUrlError);
    const message = (error as Error).message;
    expect(message).toMatch(/^DATABASE_URL: cannot open postgres:\/\/sitroom:\*\*\*@127\.0\.0\.1:\d+\/sitroom: .*ECONNREFUSED/);
    expect(message).not.toContain('hunter2');
  });

  it('names DATABASE_URL when the database does not exist', async () => {
    const error = await openPgDatabase(urlOf('no_such_database', 'pa55word')).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^DATABASE_URL: cannot open .*no_such_database: database "no_such_database" does not exist \(3D000\)$/);
    expect((error as Error).message).not.toContain('pa55word');
  });
});

describe('redactDatabaseUrl', () => {
  it('hides the password, keeps the rest', () => {
    expect(redactDatabaseUrl('postgres://u:p%40ss@db:5432/x?sslmode=require')).toBe('postgres://u:***@db:5432/x?sslmode=require');
    expect(redactDatabaseUrl('postgres://db/x')).toBe('postgres://db/x');
    expect(redactDatabaseUrl('nope')).toBe('(not a URL)');
  });
});
