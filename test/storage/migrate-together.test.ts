/**
 * Replicas starting together on one SQLite file (issue 13: migrations "applied on start under a lock so replicas
 * starting together never race"). Each process opens the file as sitroom does, at the same moment.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// Each child loads the code first, then waits for the common start time (argv[2]), so the opens really overlap.
const OPEN = `import { openDatabase } from './src/storage/database.ts';
const wait = Number(process.argv[2]) - Date.now();
while (Date.now() < Number(process.argv[2])) { /* spin: a timer fires up to a few ms late */ }
openDatabase(process.argv[1]).$client.close();
process.stdout.write('opened ' + wait);`;

function openInProcess(path: string, at: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', OPEN, path, String(at)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('openDatabase in several processes at once on a new file', () => {
  it('opens and migrates in every one of them, each migration recorded once', async () => {
    const failures: string[] = [];
    for (let round = 0; round < 4; round += 1) {
      const dir = mkdtempSync(join(tmpdir(), 'sitroom-migrate-'));
      dirs.push(dir);
      const path = join(dir, 'sitroom.db');
      const at = Date.now() + 3000;
      const results = await Promise.all(Array.from({ length: 4 }, () => openInProcess(path, at)));
      for (const r of results) if (r.code !== 0) failures.push(r.output.split('\n').find((l) => /^\w*Error: /.test(l)) ?? r.output.slice(0, 200));
      const db = new Database(path, { readonly: true });
      const recorded = db.prepare('SELECT hash, COUNT(*) AS n FROM __drizzle_migrations GROUP BY hash HAVING n > 1').all();
      db.close();
      expect(recorded).toEqual([]);
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
