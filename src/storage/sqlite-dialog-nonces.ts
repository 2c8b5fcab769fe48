/** Used dialog nonces (see src/chat/mattermost/mattermost-dialog-state.ts) in SQLite; expired ones are pruned. */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.ts';

/**
 * Expired nonces are deleted at most this often (per process), not on every use: every signed Slack request writes a
 * row, so at 30,000 rows (100 requests a second for Slack's five minutes) a prune on each use cost ~4.7 ms against
 * ~0.1 ms. A row past its expiry changes no answer meanwhile: an expired dialog state and a Slack timestamp outside
 * its window are refused before the nonce is used.
 */
export const NONCE_PRUNE_EVERY_MS = 10_000;

/**
 * The statements, prepared once: `use` runs for every signed Slack request, where drizzle's query builder cost
 * ~0.08 ms of CPU a request (npm run bench -- ack: 1.02 ms per command before the nonce was stored, 1.10 after).
 * The prune walks dialog_nonces_expires_idx (test/storage/sqlite-dialog-nonces.test.ts).
 */
export const NONCE_SQL = {
  use: 'INSERT INTO dialog_nonces (nonce, used_at, expires_at) VALUES (?, ?, ?) ON CONFLICT (nonce) DO NOTHING',
  prune: 'DELETE FROM dialog_nonces WHERE expires_at < ?',
} as const;

export class SqliteDialogNonces {
  private readonly insert: Statement<[string, number, number]>;
  private readonly prune: Statement<[number]>;
  private prunedAt = Number.NEGATIVE_INFINITY;

  constructor(db: Db) {
    this.insert = db.$client.prepare(NONCE_SQL.use);
    this.prune = db.$client.prepare(NONCE_SQL.prune);
  }

  async use(nonce: string, now: number, expiresAt: number): Promise<boolean> {
    if (now - this.prunedAt >= NONCE_PRUNE_EVERY_MS) {
      this.prunedAt = now;
      this.prune.run(now);
    }
    return this.insert.run(nonce, now, expiresAt).changes === 1;
  }
}
