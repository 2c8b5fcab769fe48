/**
 * Settings every replica must share, kept in the database (table settings) on either engine. The first replica to
 * start writes a value; INSERT … ON CONFLICT DO NOTHING makes replicas starting together keep the same one.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Db } from './database.ts';

export interface SettingsStore {
  /** The value of `key`, written as `make()` first if there is none yet (by this replica or any other). */
  getOrCreate(key: string, make: () => string): Promise<string>;
}

export class SqliteSettings implements SettingsStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  getOrCreate(key: string, make: () => string): Promise<string> {
    return Promise.resolve(this.getOrCreateNow(key, make));
  }

  /** getOrCreate for the synchronous wiring of today's src/app.ts (SQLite answers at once). */
  getOrCreateNow(key: string, make: () => string): string {
    const c = this.db.$client;
    c.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(key, make());
    return (c.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string }).value;
  }
}

export class PgSettings implements SettingsStore {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  async getOrCreate(key: string, make: () => string): Promise<string> {
    await this.pool.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, make()]);
    const r = await this.pool.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
    return r.rows[0]!.value;
  }
}

/**
 * SESSION_SECRET, or the one generated on the first start and kept in the database: the key of CSRF tokens (and
 * anything else that must verify on every replica what another replica signed).
 */
export function sessionSecret(configured: string | undefined, settings: SettingsStore): Promise<string> {
  return configured !== undefined ? Promise.resolve(configured) : settings.getOrCreate(SESSION_SECRET_KEY, newSessionSecret);
}

export const SESSION_SECRET_KEY = 'session_secret';
export const newSessionSecret = (): string => randomBytes(48).toString('base64url');
