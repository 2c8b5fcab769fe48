/**
 * The outbox's look-ups by coalesce key must use the key's index. sitroom runs no ANALYZE, and without statistics
 * SQLite picked outbox_pending_idx (state, platform) for them: each walked every pending row of the platform, which
 * made storing a webhook delivery (the card's row is moved up in the same transaction) cost more than the delivery's
 * own rows, and grew with the backlog.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { BY_KEY_SQL } from '../../src/storage/sqlite-outbox-store.ts';

let db: Db;
beforeEach(() => {
  db = openDatabase(':memory:');
});
afterEach(() => {
  db.$client.close();
});

/** What EXPLAIN QUERY PLAN says of `sql`, every parameter bound to a placeholder value. */
function plan(sql: string): string[] {
  const named = [...sql.matchAll(/@(\w+)/g)].map((m) => m[1]!);
  const statement = db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const rows = (named.length > 0 ? statement.all(Object.fromEntries(named.map((n) => [n, 1]))) : statement.all(...Array((sql.match(/\?/g) ?? []).length).fill(1))) as { detail: string }[];
  return rows.map((r) => r.detail);
}

describe('outbox statements by coalesce key', () => {
  it.each(Object.entries(BY_KEY_SQL))('%s searches the outbox by outbox_coalesce_idx, never by the pending rows of a platform', (_name, sql) => {
    const steps = plan(sql);
    const outboxSearches = steps.filter((s) => /^(SEARCH|SCAN) (outbox|n)\b/.test(s));
    expect(outboxSearches.length, steps.join(' | ')).toBeGreaterThan(0);
    for (const step of outboxSearches) expect(step).toMatch(/USING (COVERING )?INDEX outbox_coalesce_idx/);
  });
});
