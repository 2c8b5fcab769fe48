/** Web sessions and used dialog nonces on PostgreSQL: single statements, shared by every replica. */
import type pg from 'pg';
import { NONCE_PRUNE_EVERY_MS, type SqliteDialogNonces } from '../sqlite-dialog-nonces.ts';
import type { SqliteSessionStore, StoredSession } from '../sqlite-session-store.ts';

/** The web's SessionStore port (src/web/sessions.ts) by shape, as SqliteSessionStore: storage imports no web code. */
export class PgSessionStore implements Pick<SqliteSessionStore, keyof SqliteSessionStore> {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  async create(idHash: string, s: StoredSession): Promise<void> {
    await this.pool.query({ name: 'session-create', text: 'INSERT INTO web_sessions (id_hash, viewer, created_at, last_seen_at) VALUES ($1, $2, $3, $4)', values: [idHash, s.viewer, s.createdAt, s.lastSeenAt] });
  }

  async find(idHash: string): Promise<StoredSession | undefined> {
    const r = await this.pool.query<StoredSession>({
      name: 'session-find',
      text: 'SELECT viewer, created_at AS "createdAt", last_seen_at AS "lastSeenAt" FROM web_sessions WHERE id_hash = $1',
      values: [idHash],
    });
    return r.rows[0];
  }

  async touch(idHash: string, at: number): Promise<void> {
    await this.pool.query({ name: 'session-touch', text: 'UPDATE web_sessions SET last_seen_at = $1 WHERE id_hash = $2', values: [at, idHash] });
  }

  async delete(idHash: string): Promise<void> {
    await this.pool.query('DELETE FROM web_sessions WHERE id_hash = $1', [idHash]);
  }

  async expire(idleBefore: number, createdBefore: number): Promise<void> {
    await this.pool.query('DELETE FROM web_sessions WHERE last_seen_at < $1 OR created_at < $2', [idleBefore, createdBefore]);
  }
}

export class PgDialogNonces implements Pick<SqliteDialogNonces, 'use'> {
  private readonly pool: pg.Pool;
  /** Pruned at most every NONCE_PRUNE_EVERY_MS, as on SQLite (the DELETE reads the whole table). */
  private prunedAt = Number.NEGATIVE_INFINITY;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** True the first time `nonce` is used, whatever the replica: the primary key decides. */
  async use(nonce: string, now: number, expiresAt: number): Promise<boolean> {
    if (now - this.prunedAt >= NONCE_PRUNE_EVERY_MS) {
      this.prunedAt = now;
      await this.pool.query({ name: 'nonce-prune', text: 'DELETE FROM dialog_nonces WHERE expires_at < $1', values: [now] });
    }
    const r = await this.pool.query({ name: 'nonce-use', text: 'INSERT INTO dialog_nonces (nonce, used_at, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', values: [nonce, now, expiresAt] });
    return r.rowCount === 1;
  }
}
