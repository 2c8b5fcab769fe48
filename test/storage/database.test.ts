import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/storage/database.ts';

const opened: Db[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const db of opened.splice(0)) db.$client.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function open(path: string): Db {
  const db = openDatabase(path);
  opened.push(db);
  return db;
}

describe('openDatabase', () => {
  it('applies the migrations', () => {
    const tables = open(':memory:')
      .$client.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all()
      .map((row) => (row as { name: string }).name);
    expect(tables).toEqual(expect.arrayContaining(['incidents', 'reminders_sent', 'role_assignments', 'timeline_events']));
  });

  it('enforces foreign keys', () => {
    const db = open(':memory:');
    expect(() =>
      db.$client.prepare("INSERT INTO timeline_events (incident_number, at, actor, kind, text, data) VALUES (99, 0, 'a', 'note', 'x', '{}')").run(),
    ).toThrowError(/FOREIGN KEY/);
  });

  it('creates the file and its folder, in WAL mode, and opens it again without re-migrating', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sitroom-db-'));
    dirs.push(dir);
    const path = join(dir, 'nested', 'sitroom.db');
    const first = open(path);
    expect(first.$client.pragma('journal_mode', { simple: true })).toBe('wal');
    // Up to 16 MB of pages kept in memory (KiB when negative), not SQLite's 2 MB.
    expect(first.$client.pragma('cache_size', { simple: true })).toBe(-16000);
    first.$client.prepare("INSERT INTO incidents (title, severity, phase, is_private, platform, declared_at, declared_by) VALUES ('t', 'sev2', 'active', 0, 'slack', 0, 'a')").run();

    const second = open(path);
    expect(second.$client.prepare('SELECT count(*) AS n FROM incidents').get()).toEqual({ n: 1 });
  });
});
