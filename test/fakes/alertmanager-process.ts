// Runs the real Prometheus Alertmanager (Debian's prometheus-alertmanager 0.25 in CI) as a child process, so integration
// tests see the webhook deliveries, grouping, resolution and silences of the real thing rather than of a model of it.
// Every process gets its own temp dir (config + --storage.path), a free port on 127.0.0.1 and clustering off; stop()
// is idempotent, and a process 'exit' handler kills whatever a test forgot to stop.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from '../e2e/bot-process.ts';

export interface AlertmanagerOptions {
  /** Where Alertmanager delivers: our bot's POST /alertmanager. */
  webhookUrl: string;
  /** Sent as http_config.authorization (type Bearer). */
  bearerToken?: string;
  /** Default '1s'. */
  groupWait?: string;
  /** Default '1s' (0.25 accepts it; it only rejects 0). */
  groupInterval?: string;
  /** Default '1h'. */
  repeatInterval?: string;
  /** Default ['alertname', 'service']. */
  groupBy?: string[];
}

export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual?: boolean;
}

export interface GettableSilence {
  id: string;
  status: { state: string };
  matchers: SilenceMatcher[];
  createdBy: string;
  comment: string;
  startsAt: string;
  endsAt: string;
}

const READY_DEADLINE_MS = 15_000;
const READY_POLL_MS = 50;
const KILL_AFTER_MS = 5_000;
const STDERR_LIMIT = 64 * 1024;
const START_ATTEMPTS = 3; // the free port is found by listen(0)+close, so another process may grab it in between

/** '/usr/bin/prometheus-alertmanager' (Debian) or 'alertmanager' found on PATH, else undefined. */
export function alertmanagerBinary(): string | undefined {
  const candidates = ['/usr/bin/prometheus-alertmanager'];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '') candidates.push(join(dir, 'alertmanager'));
  }
  return candidates.find(isExecutable);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** YAML accepts JSON strings as double-quoted scalars, so every user-supplied value goes through JSON.stringify. */
function configYaml(opts: AlertmanagerOptions): string {
  const q = (s: string): string => JSON.stringify(s);
  const groupBy = opts.groupBy ?? ['alertname', 'service'];
  const lines = [
    'route:',
    '  receiver: sitroom',
    `  group_by: [${groupBy.map(q).join(', ')}]`,
    `  group_wait: ${q(opts.groupWait ?? '1s')}`,
    `  group_interval: ${q(opts.groupInterval ?? '1s')}`,
    `  repeat_interval: ${q(opts.repeatInterval ?? '1h')}`,
    'receivers:',
    '  - name: sitroom',
    '    webhook_configs:',
    `      - url: ${q(opts.webhookUrl)}`,
    '        send_resolved: true',
    '        max_alerts: 0',
  ];
  if (opts.bearerToken !== undefined) {
    lines.push('        http_config:', '          authorization:', '            type: Bearer', `            credentials: ${q(opts.bearerToken)}`);
  }
  return `${lines.join('\n')}\n`;
}

// Safety net: processes not yet stopped, killed (and their temp dirs removed) when this Node process exits.
const killers = new Set<() => void>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const kill of killers) kill();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class AlertmanagerProcess {
  readonly url: string;
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #dir: string;
  readonly #exited: Promise<void>;
  #hasExited = false;
  #stderr = '';
  #stopping: Promise<void> | undefined;
  // For the process 'exit' hook: synchronous SIGKILL and cleanup.
  readonly #killSync = (): void => {
    if (!this.#hasExited) signal(this.pid, 'SIGKILL');
    killers.delete(this.#killSync);
    try {
      rmSync(this.#dir, { recursive: true, force: true });
    } catch {
      // best effort while exiting
    }
  };

  private constructor(child: ChildProcess, pid: number, url: string, dir: string) {
    this.#child = child;
    this.pid = pid;
    this.url = url;
    this.#dir = dir;
    this.#exited = new Promise((resolve) => {
      child.once('exit', () => {
        this.#hasExited = true;
        resolve();
      });
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_LIMIT);
    });
    child.stdout?.resume(); // drain; with --log.level=warn it writes nothing there anyway
  }

  /** What the process wrote to stderr (its log), last 64 KiB. */
  get stderr(): string {
    return this.#stderr;
  }

  static async start(opts: AlertmanagerOptions): Promise<AlertmanagerProcess> {
    const binary = alertmanagerBinary();
    if (binary === undefined) throw new Error('Alertmanager not found: install prometheus-alertmanager (apt-get) or put alertmanager on PATH');
    let lastError: unknown;
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      try {
        return await AlertmanagerProcess.#startOnce(binary, opts);
      } catch (err) {
        lastError = err;
        if (!(err instanceof Error && /address already in use/i.test(err.message))) throw err;
      }
    }
    throw lastError;
  }

  static async #startOnce(binary: string, opts: AlertmanagerOptions): Promise<AlertmanagerProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'sitroom-alertmanager-'));
    const configFile = join(dir, 'alertmanager.yml');
    await writeFile(configFile, configYaml(opts));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(
      binary,
      [
        `--config.file=${configFile}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.external-url=${url}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // A child that a test forgot to stop must not keep Node alive: the 'exit' hook then kills it.
    child.unref();
    for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();

    const pid = child.pid;
    if (pid === undefined) {
      const spawnError = await new Promise<Error>((resolve) => child.once('error', resolve));
      await rm(dir, { recursive: true, force: true });
      throw new Error(`could not start ${binary}: ${spawnError.message}`);
    }
    const am = new AlertmanagerProcess(child, pid, url, dir);
    killers.add(am.#killSync);
    installExitHook();
    try {
      await am.#waitReady();
      return am;
    } catch (err) {
      await am.stop();
      throw err;
    }
  }

  async #waitReady(): Promise<void> {
    const deadline = Date.now() + READY_DEADLINE_MS;
    while (Date.now() < deadline) {
      if (this.#hasExited) {
        throw new Error(`Alertmanager exited before it was ready (exit code ${this.#child.exitCode ?? this.#child.signalCode}):\n${this.#stderr}`);
      }
      try {
        const res = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
        await res.body?.cancel();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await Promise.race([sleep(READY_POLL_MS), this.#exited]);
    }
    throw new Error(`Alertmanager at ${this.url} not ready after ${READY_DEADLINE_MS} ms:\n${this.#stderr}`);
  }

  /** POST /api/v2/alerts; throws on a non-2xx answer, with its body. */
  async pushAlerts(alerts: PostableAlert[]): Promise<void> {
    const res = await fetch(`${this.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
    });
    const body = await res.text();
    if (!res.ok) throw new Error(`POST /api/v2/alerts answered ${res.status}: ${body}`);
  }

  /** Sends the same alerts again with endsAt = now, so Alertmanager marks them resolved. */
  async resolveAlerts(alerts: PostableAlert[]): Promise<void> {
    const now = new Date().toISOString();
    await this.pushAlerts(alerts.map((alert) => ({ ...alert, endsAt: now })));
  }

  /**
   * GET /api/v2/alerts with `filter` query parameters (e.g. { active: 'true', filter: 'alertname="X"' }): the alerts
   * Alertmanager holds, with their status (api/v2 gettableAlert).
   */
  async alerts(query: Record<string, string> = {}): Promise<GettableAlert[]> {
    const res = await fetch(`${this.url}/api/v2/alerts?${new URLSearchParams(query).toString()}`);
    const body = await res.text();
    if (!res.ok) throw new Error(`GET /api/v2/alerts answered ${res.status}: ${body}`);
    return JSON.parse(body) as GettableAlert[];
  }

  /** GET /api/v2/silences: all silences, whatever their state (active, pending, expired). */
  async silences(): Promise<GettableSilence[]> {
    const res = await fetch(`${this.url}/api/v2/silences`);
    const body = await res.text();
    if (!res.ok) throw new Error(`GET /api/v2/silences answered ${res.status}: ${body}`);
    return JSON.parse(body) as GettableSilence[];
  }

  /** SIGTERM by PID, SIGKILL after 5 s, then removes the temp dir. Safe to call more than once. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (!this.#hasExited) {
      this.#child.ref(); // keep Node alive until the exit is seen (start() unref'd it)
      signal(this.pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          signal(this.pid, 'SIGKILL');
          resolve();
        }, KILL_AFTER_MS);
      });
      await Promise.race([this.#exited, killed]);
      clearTimeout(timer);
      await this.#exited;
    }
    killers.delete(this.#killSync);
    await rm(this.#dir, { recursive: true, force: true });
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err; // already gone
  }
}
