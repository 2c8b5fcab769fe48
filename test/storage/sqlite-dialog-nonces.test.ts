/**
 * The SQLite nonce store is on every signed Slack request's path (the replay check shared by replicas): its prune
 * must walk the expiry index, not the table, which holds a row per request of the last five minutes. Behaviour (a
 * nonce used once, expired ones forgotten) is in the contract suite on both engines.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { NONCE_SQL } from '../../src/storage/sqlite-dialog-nonces.ts';

let db: Db;
beforeEach(() => {
  db = openDatabase(':memory:');
});
afterEach(() => {
  db.$client.close();
});

it('prunes expired nonces through dialog_nonces_expires_idx, not by reading every row', () => {
  const plan = (db.$client.prepare(`EXPLAIN QUERY PLAN ${NONCE_SQL.prune}`).all(0) as { detail: string }[]).map((r) => r.detail);
  expect(plan.join(' | ')).toMatch(/SEARCH dialog_nonces USING (COVERING )?INDEX dialog_nonces_expires_idx \(expires_at<\?\)/);
});

it('uses a nonce by its primary key, once', () => {
  const use = db.$client.prepare(NONCE_SQL.use);
  expect(use.run('n1', 1, 10).changes).toBe(1);
  expect(use.run('n1', 2, 10).changes).toBe(0);
});
