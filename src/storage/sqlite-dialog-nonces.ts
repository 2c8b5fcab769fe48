/** Used dialog nonces (see src/chat/mattermost/mattermost-dialog-state.ts) in SQLite; expired ones are pruned. */
import { lt } from 'drizzle-orm';
import type { Db } from './database.ts';
import { dialogNonces } from './schema.ts';

export class SqliteDialogNonces {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async use(nonce: string, now: number, expiresAt: number): Promise<boolean> {
    this.db.delete(dialogNonces).where(lt(dialogNonces.expiresAt, now)).run();
    const inserted = this.db.insert(dialogNonces).values({ nonce, usedAt: now, expiresAt }).onConflictDoNothing().run();
    return inserted.changes === 1;
  }
}
