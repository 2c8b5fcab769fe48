/**
 * A throwaway PostgreSQL cluster for one test run: Debian's postgresql binaries (.ci/run installs them), a data
 * directory in a temporary folder, listening on 127.0.0.1 only, stopped by its PID at the end. As root, PostgreSQL
 * refuses to run ("root" execution of the PostgreSQL server is not permitted, src/backend/main/main.c), so initdb
 * and pg_ctl run as the postgres user through runuser, on a folder chowned to it.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/bot-process.ts';

export interface PgCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres: a superuser URL tests create their databases with. */
  url: string;
  /** Milliseconds initdb + start took. */
  startMs: number;
  /** The postmaster's PID (the bench pins it, and the backends it forks, to a CPU). */
  pid: number;
  stop(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) {
    throw new Error('PostgreSQL is not installed: apt-get install postgresql (as .ci/run does), or set SITROOM_TEST_PG_URL to an existing server');
  }
  return join(root, newest, 'bin');
}

export async function startPgCluster(): Promise<PgCluster> {
  const started = performance.now();
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'sitroom-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    execFileSync(file, argv, { stdio: 'pipe' });
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  // Test settings only: no fsync, small buffers, no socket outside the temporary folder.
  const options = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${dir}'`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c shared_buffers=16MB',
    '-c max_connections=200',
  ].join(' ');
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '30', 'start']);
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const startMs = Math.round(performance.now() - started);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    startMs,
    pid,
    async stop() {
      // SIGQUIT: immediate shutdown (https://www.postgresql.org/docs/15/server-shutdown.html); the data is thrown away.
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // already gone
      }
      for (let i = 0; i < 100 && alive(pid); i += 1) await new Promise((r) => setTimeout(r, 50));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
