/** Used dialog nonces (see src/chat/mattermost/mattermost-dialog-state.ts) in SQLite; expired ones are pruned. */
import { lt } from 'drizzle-orm';
import type { Db } from './database.ts';
import { dialogNonces } from './schema.ts';

/**
 * Expired nonces are deleted at most this often (per process), not on every use: the DELETE reads the whole table
 * (expires_at has no index), and every signed Slack request writes a row, so at 30,000 rows (100 requests a second
 * for Slack's five minutes) a prune on each use cost ~4.7 ms against ~0.1 ms. A row past its expiry changes no answer
 * meanwhile: an expired dialog state and a Slack timestamp outside its window are refused before the nonce is used.
 */
export const NONCE_PRUNE_EVERY_MS = 10_000;

export class SqliteDialogNonces {
  private readonly db: Db;
  private prunedAt = Number.NEGATIVE_INFINITY;

  constructor(db: Db) {
    this.db = db;
  }

  async use(nonce: string, now: number, expiresAt: number): Promise<boolean> {
    if (now - this.prunedAt >= NONCE_PRUNE_EVERY_MS) {
      this.prunedAt = now;
      this.db.delete(dialogNonces).where(lt(dialogNonces.expiresAt, now)).run();
    }
    const inserted = this.db.insert(dialogNonces).values({ nonce, usedAt: now, expiresAt }).onConflictDoNothing().run();
    return inserted.changes === 1;
  }
}
