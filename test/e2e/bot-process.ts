/** Runs the real bot (`node --import tsx src/main.ts`) as a child process on 127.0.0.1, for restart tests and benchmarks. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Ports for servers that must be told their port before they listen (a child process, a PUBLIC_URL), picked below
 * Linux's default ephemeral range (net.ipv4.ip_local_port_range, 32768-60999). A port the OS picked (listen on 0,
 * close) was free only until the next listen on 0: a fake started meanwhile, in this test file or in another test
 * worker, could be handed the same one, and the server then failed with EADDRINUSE (seen once in CI). Servers that
 * listen on 0 never get a port from this range, and the picks are random, so two callers rarely meet.
 */
const PICK_FROM = 20_000;
const PICK_BELOW = 32_768;

/** A port below the ephemeral range that was free a moment ago (bound and closed to check). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = PICK_FROM + Math.floor(Math.random() * (PICK_BELOW - PICK_FROM));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found between ${PICK_FROM} and ${PICK_BELOW}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Runs `src/main.ts` with `vars` to its exit (asynchronously, so fake servers in this process keep answering). */
export async function runToExit(vars: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: String(await freePort()), ...vars },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stderr };
}

export class BotProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Every JSON log line the process wrote, parsed. */
  readonly logs: Record<string, unknown>[] = [];
  stderr = '';
  private readonly exited: Promise<number | null>;

  private constructor(child: ChildProcess, port: number) {
    this.child = child;
    this.url = `http://127.0.0.1:${port}`;
    this.exited = once(child, 'exit').then(([code]) => code as number | null);
    let buffer = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        try {
          this.logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.logs.push({ msg: line });
        }
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
  }

  /** Starts the bot with `env` (on top of PATH/HOME only) and resolves once it logged that it started. */
  static async start(
    env: Record<string, string>,
    timeoutMs = 15_000,
    port?: number,
    ready: (line: Record<string, unknown>) => boolean = (l) => l['msg'] === 'sitroom started',
  ): Promise<BotProcess> {
    port ??= await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const bot = new BotProcess(child, port);
    await bot.waitForLog(ready, timeoutMs);
    return bot;
  }

  /** Resolves with the first log line matching `predicate`; rejects if the process exits or time runs out. */
  async waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find(predicate);
      if (found) return found;
      if (this.child.exitCode !== null) throw new Error(`bot exited with ${this.child.exitCode}: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no such log line within ${timeoutMs} ms; stderr: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Sends `signal` to the process by its PID and resolves with its exit code and how long it took. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; ms: number }> {
    const started = Date.now();
    // A process already gone (exited, or killed by a signal) is not signalled again: that throws ESRCH.
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined) process.kill(this.child.pid, signal);
    const code = await this.exited;
    return { code, ms: Date.now() - started };
  }
}
