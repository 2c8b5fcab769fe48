import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { BACKSTOP_PAGES, SQLITE_DEFAULT_AUTOCHECKPOINT, START_ABOVE_BYTES, WalCheckpointer } from '../../src/storage/wal-checkpointer.ts';

const opened: Db[] = [];
const checkpointers: WalCheckpointer[] = [];
const dirs: string[] = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const c of checkpointers.splice(0)) await c.stop();
  for (const db of opened.splice(0)) db.$client.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openFile(): Db {
  const dir = mkdtempSync(join(tmpdir(), 'sitroom-wal-'));
  dirs.push(dir);
  const db = openDatabase(join(dir, 'sitroom.db'));
  opened.push(db);
  return db;
}

function attach(db: Db): WalCheckpointer {
  const checkpointer = WalCheckpointer.attach(db);
  if (!checkpointer) throw new Error('expected a checkpointer for a file database');
  checkpointers.push(checkpointer);
  return checkpointer;
}

const autocheckpoint = (db: Db) => db.$client.pragma('wal_autocheckpoint', { simple: true });

/** Writes about `bytes` into the WAL (one commit), with the main connection's automatic checkpoint out of the way. */
function write(db: Db, bytes: number): void {
  const insert = db.$client.prepare("INSERT INTO health_heartbeat (id, at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at");
  db.$client.exec('CREATE TABLE IF NOT EXISTS filler (x BLOB)');
  const fill = db.$client.prepare('INSERT INTO filler (x) VALUES (zeroblob(?))');
  db.$client.transaction(() => {
    insert.run(1, Date.now());
    for (let n = 0; n < bytes; n += 8192) fill.run(8192);
  })();
}

describe('WalCheckpointer', () => {
  it('does nothing for an in-memory database (no WAL)', () => {
    expect(WalCheckpointer.attach(openDatabase(':memory:'))).toBeUndefined();
  });

  it('checkpoints in its worker, and the main connection no longer checkpoints inside its commits', async () => {
    const db = openFile();
    const checkpointer = attach(db);
    expect(checkpointer.running).toBe(false);
    expect(autocheckpoint(db)).toBe(SQLITE_DEFAULT_AUTOCHECKPOINT);

    await checkpointer.checkpointNow();
    expect(checkpointer.running).toBe(true);
    expect(autocheckpoint(db)).toBe(BACKSTOP_PAGES);

    write(db, 256 * 1024);
    const result = await checkpointer.checkpointNow();
    expect(result.busy).toBe(0);
    expect(result.log).toBeGreaterThan(60);
    // Every page written was copied into the database file by the worker's connection.
    expect(result.checkpointed).toBe(result.log);
  });

  it('gives the checkpoints back to SQLite when stopped', async () => {
    const db = openFile();
    const checkpointer = attach(db);
    await checkpointer.checkpointNow();
    await checkpointer.stop();
    expect(checkpointer.running).toBe(false);
    expect(autocheckpoint(db)).toBe(SQLITE_DEFAULT_AUTOCHECKPOINT);
    await expect(checkpointer.checkpointNow()).rejects.toThrow(/stopped/);
  });

  it('starts its worker only once the WAL has grown', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const db = openFile();
    const checkpointer = attach(db);
    write(db, 64 * 1024);
    vi.advanceTimersByTime(5000);
    expect(checkpointer.running).toBe(false);
    write(db, START_ABOVE_BYTES);
    vi.advanceTimersByTime(1000);
    expect(checkpointer.running).toBe(true);
    expect(autocheckpoint(db)).toBe(BACKSTOP_PAGES);
  });
});
