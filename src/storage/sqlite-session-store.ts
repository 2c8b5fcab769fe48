/**
 * Web sessions in SQLite (table web_sessions), so every replica on the database knows every session. It fits the
 * web's SessionStore port (src/web/sessions.ts) by shape, checked where app.ts wires it: storage imports no web code.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.ts';
import type { SqlRow } from './raw-rows.ts';
import type { webSessions } from './schema.ts';

/** A session as the web's SessionStore port stores it. */
export interface StoredSession {
  viewer: string;
  createdAt: number;
  lastSeenAt: number;
}

/** The row as a plain statement returns it (raw-rows.ts): the schema is its source. */
type Row = SqlRow<typeof webSessions>;

export class SqliteSessionStore {
  private readonly insert: Statement;
  private readonly select: Statement<[string], Row>;
  private readonly update: Statement;
  private readonly remove: Statement;
  private readonly prune: Statement;

  constructor(db: Db) {
    const c = db.$client;
    this.insert = c.prepare('INSERT INTO web_sessions (id_hash, viewer, created_at, last_seen_at) VALUES (?, ?, ?, ?)');
    this.select = c.prepare<[string], Row>('SELECT viewer, created_at, last_seen_at FROM web_sessions WHERE id_hash = ?');
    this.update = c.prepare('UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ?');
    this.remove = c.prepare('DELETE FROM web_sessions WHERE id_hash = ?');
    this.prune = c.prepare('DELETE FROM web_sessions WHERE last_seen_at < ? OR created_at < ?');
  }

  async create(idHash: string, s: StoredSession): Promise<void> {
    this.insert.run(idHash, s.viewer, s.createdAt, s.lastSeenAt);
  }

  async find(idHash: string): Promise<StoredSession | undefined> {
    const row = this.select.get(idHash);
    return row && { viewer: row.viewer, createdAt: row.created_at, lastSeenAt: row.last_seen_at };
  }

  async touch(idHash: string, at: number): Promise<void> {
    this.update.run(at, idHash);
  }

  async delete(idHash: string): Promise<void> {
    this.remove.run(idHash);
  }

  async expire(idleBefore: number, createdBefore: number): Promise<void> {
    this.prune.run(idleBefore, createdBefore);
  }
}
