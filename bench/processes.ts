/**
 * Starting and stopping real sitroom processes for the benchmarks: a free port, a temp directory, a
 * minimal environment, /healthz polling and RSS from /proc. Every child is remembered so that run-all's
 * finally (or Ctrl-C) can kill whatever is still alive, by PID.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/..): the child's working directory. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** tsx's ESM loader, resolved from our node_modules so the child does not depend on its cwd to find it. */
export const TSX_LOADER = import.meta.resolve('tsx');

const alive = new Set<ChildProcess>();
const tempDirs = new Set<string>();

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sitroom-bench-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** SIGKILLs every child still running and removes every temp dir; safe to call more than once. */
export function cleanupAll(): void {
  for (const child of alive) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  alive.clear();
  for (const dir of [...tempDirs]) removeTempDir(dir);
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** GET `url`; resolves with the status, or 0 when the connection failed or timed out. */
export function httpStatus(url: string, timeoutMs = 500): Promise<number> {
  return new Promise((done) => {
    const req = request(url, { method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
      res.on('error', () => done(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(0));
    req.end();
  });
}

export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** performance.now() just before spawn(). */
  spawnedAt: number;
  /** stdout + stderr, kept for diagnostics. */
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `node <args>` in the repository root with exactly `env` (plus PATH/HOME), stdout and stderr captured.
 * With `cpus` (a taskset list such as "0" or "1-3") and taskset on PATH, the process runs pinned to those CPUs:
 * taskset execs node, so the PID is node's.
 */
export function spawnNode(args: readonly string[], env: Record<string, string>, opts: { cpus?: string } = {}): Spawned {
  const taskset = opts.cpus === undefined ? undefined : tasksetPath();
  const [command, argv] = taskset && opts.cpus !== undefined ? [taskset, ['-c', opts.cpus, process.execPath, ...args]] : [process.execPath, [...args]];
  const spawnedAt = performance.now();
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not spawn node ${args.join(' ')}`);
  alive.add(child);
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    if (output.length < 200) output.push(chunk.toString('utf8'));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => {
      alive.delete(child);
      r({ code, signal });
    }),
  );
  return { child, pid: child.pid, spawnedAt, output, exited };
}

/** What every benchmarked sitroom gets: loopback only, warnings and worse logged, UTC. */
function commonEnv(port: number, databasePath: string): Record<string, string> {
  return { PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: databasePath, LOG_LEVEL: 'warn', TZ: 'UTC' };
}

/**
 * Every chat variable explicitly empty: the child reads a .env file in the repository root too (the real
 * environment wins over it), so a stray value there cannot switch a platform on. Spread the platform's own after it.
 */
const NO_CHAT: Readonly<Record<string, string>> = Object.fromEntries(
  [
    'SLACK_BOT_TOKEN',
    'SLACK_SIGNING_SECRET',
    'SLACK_APP_TOKEN',
    'SLACK_API_URL',
    'SLACK_ANNOUNCE_CHANNEL',
    'SLACK_ALERTS_CHANNEL',
    'MATTERMOST_URL',
    'MATTERMOST_BOT_TOKEN',
    'MATTERMOST_TEAM',
    'MATTERMOST_COMMAND_TOKEN',
    'MATTERMOST_ANNOUNCE_CHANNEL',
    'MATTERMOST_ALERTS_CHANNEL',
    'PUBLIC_URL',
  ].map((name) => [name, '']),
);

/**
 * The environment of a sitroom wired to `slackApiUrl` (a FakeSlackApi) on 127.0.0.1:`port`; alert cards go to
 * `alertsChannel` when given (else, as sitroom does without SLACK_ALERTS_CHANNEL, to the announce channel).
 */
export function sitroomEnv(opts: { port: number; databasePath: string; slackApiUrl: string; signingSecret: string; alertsChannel?: string }): Record<string, string> {
  return {
    ...commonEnv(opts.port, opts.databasePath),
    ...NO_CHAT,
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: opts.signingSecret,
    SLACK_ANNOUNCE_CHANNEL: 'CANNOUNCE',
    SLACK_API_URL: opts.slackApiUrl,
    // Explicitly empty (NO_CHAT) so that a stray value in the caller's environment or .env cannot switch to Socket Mode.
    SLACK_ALERTS_CHANNEL: opts.alertsChannel ?? '',
  };
}

/** A sitroom on Mattermost only (a FakeMattermostApi at `url`); PUBLIC_URL is the bot's own loopback address. */
export function mattermostEnv(opts: {
  port: number;
  databasePath: string;
  url: string;
  botToken: string;
  team: string;
  commandToken: string;
  announceChannel: string;
}): Record<string, string> {
  return {
    ...commonEnv(opts.port, opts.databasePath),
    ...NO_CHAT,
    MATTERMOST_URL: opts.url,
    MATTERMOST_BOT_TOKEN: opts.botToken,
    MATTERMOST_TEAM: opts.team,
    MATTERMOST_COMMAND_TOKEN: opts.commandToken,
    MATTERMOST_ANNOUNCE_CHANNEL: opts.announceChannel,
    PUBLIC_URL: `http://127.0.0.1:${opts.port}`,
  };
}

/**
 * A web-only sitroom (no chat settings at all: it says so once, at warn level, and serves the board and API), with
 * no web sign-in configured either, so clients on loopback (the bench) are let in as they are.
 */
export function webOnlyEnv(opts: { port: number; databasePath: string }): Record<string, string> {
  return { ...commonEnv(opts.port, opts.databasePath), ...NO_CHAT, WEB_AUTH_TOKEN: '', WEB_USERS: '' };
}

/** BENCH_CPU_PROF=<dir>: write a V8 CPU profile of each bot process there (open it in Chrome DevTools). */
const CPU_PROF_ARGS = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];

/** `node dist/main.js` in the repository root: what `npm start` runs after its prestart build (minus npm). */
export const MAIN_ARGS: readonly string[] = [...CPU_PROF_ARGS, 'dist/main.js'];

/** `node --import <tsx> src/main.ts`: what `npm run dev` runs (minus npm); reported for comparison only. */
export const TSX_MAIN_ARGS: readonly string[] = [...CPU_PROF_ARGS, '--import', TSX_LOADER, 'src/main.ts'];

/**
 * `tsc -p tsconfig.build.json` into dist/, as `npm start`'s prestart does. Rejects, with tsc's output, when tsc
 * reports errors: `npm start` would not start then either, so neither does the bench.
 */
export async function buildDist(): Promise<number> {
  const started = performance.now();
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await new Promise<void>((done, fail) => {
    execFile(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return done();
      const output = `${stdout}${stderr}`.trim();
      fail(new Error(`tsc -p tsconfig.build.json failed (exit code ${String(error.code ?? error.signal)}); npm start would not start either:\n${output || error.message}`));
    });
  });
  return performance.now() - started;
}

/** taskset on PATH (util-linux), or undefined. */
export function tasksetPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, 'taskset'), constants.X_OK);
      return join(dir, 'taskset');
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The CPUs this process may run on (Cpus_allowed_list), e.g. [0, 1]. */
export function allowedCpus(): number[] {
  try {
    const list = /^Cpus_allowed_list:\s+(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
    return list.split(',').flatMap((part) => {
      const [from, to] = part.split('-').map(Number);
      if (from === undefined || !Number.isInteger(from)) return [];
      const last = to !== undefined && Number.isInteger(to) ? to : from;
      return Array.from({ length: last - from + 1 }, (_, i) => from + i);
    });
  } catch {
    return [];
  }
}

/**
 * How a load test splits the machine: the server under test alone on one CPU, the load generator and this process
 * (the fake Slack, the proxy) on the others. `undefined` with the reason when it cannot (no taskset, one CPU).
 */
export function cpuSplit(): { server: string; rest: string } | { reason: string } {
  if (!tasksetPath()) return { reason: 'taskset not found (util-linux): processes not pinned' };
  const cpus = allowedCpus();
  const [server, ...rest] = cpus;
  if (server === undefined || rest.length === 0) return { reason: `only ${cpus.length} CPU allowed: processes not pinned` };
  return { server: String(server), rest: rest.join(',') };
}

/**
 * Pins this process (every thread) to `cpus` with taskset; returns a function restoring the previous affinity.
 * Used so that the fake Slack and proxy in this process stay off the server's CPU during a load test.
 */
export function pinSelf(cpus: string): () => void {
  const taskset = tasksetPath();
  if (!taskset) return () => {};
  const before = allowedCpus().join(',');
  const pin = (list: string) => {
    try {
      execFileSync(taskset, ['-a', '-p', '-c', list, String(process.pid)], { stdio: 'ignore' });
    } catch {
      // best effort: the figures are then merely less clean
    }
  };
  pin(cpus);
  return () => pin(before);
}

/** Polls GET /healthz every `everyMs` until 200; resolves with ms since spawn, or rejects (with the child's output) on exit/timeout. */
export async function waitHealthy(proc: Spawned, baseUrl: string, opts: { timeoutMs?: number; everyMs?: number } = {}): Promise<number> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const everyMs = opts.everyMs ?? 10;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  while (performance.now() - proc.spawnedAt < timeoutMs) {
    const status = await httpStatus(`${baseUrl}/healthz`, 250);
    if (status === 200) return performance.now() - proc.spawnedAt;
    if (exited) throw new Error(`sitroom exited before it was healthy:\n${proc.output.join('')}`);
    await sleep(everyMs);
  }
  throw new Error(`sitroom not healthy after ${timeoutMs} ms:\n${proc.output.join('')}`);
}

/** SIGTERM by PID; resolves with how it exited and how long it took, SIGKILLing after `graceMs`. */
export async function stopProcess(proc: Spawned, graceMs = 12_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; killed: boolean }> {
  const started = performance.now();
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
    return { code: proc.child.exitCode, signal: proc.child.signalCode, ms: 0, killed: false };
  }
  process.kill(proc.pid, 'SIGTERM');
  const timedOut = Symbol('timeout');
  let timer: NodeJS.Timeout | undefined;
  const first = await Promise.race([proc.exited, new Promise<typeof timedOut>((r) => (timer = setTimeout(() => r(timedOut), graceMs)))]);
  clearTimeout(timer);
  if (first !== timedOut) return { ...first, ms: performance.now() - started, killed: false };
  process.kill(proc.pid, 'SIGKILL');
  const last = await proc.exited;
  return { ...last, ms: performance.now() - started, killed: true };
}

/** VmRSS of `pid` in bytes (Linux /proc), or NaN when unreadable. */
export function rssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Every descendant PID of `pid` (children of each of its threads, recursively). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const c of children.trim().split(/\s+/).filter(Boolean).map(Number)) out.push(c, ...descendants(c));
  }
  return out;
}

/** The command name of `pid` (for reporting what a descendant is). */
export function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** CPU time (user + system) consumed so far by `pid`, in ms, from /proc/<pid>/stat; NaN when unreadable. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based), in clock ticks.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ: 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;

/** CPU time all processes on the machine have used so far (user+nice+system+irq+softirq+steal), in ms. */
export function machineBusyMs(): number {
  try {
    const first = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, user, nice, system, , , irq, softirq, steal] = first.trim().split(/\s+/).map(Number);
    return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
