/**
 * Moves SQLite's WAL checkpoints off the event loop (see wal-checkpoint-worker.ts for why). The worker starts only
 * once the WAL has grown past START_ABOVE_BYTES, so an idle sitroom (and a short test) never pays for a thread.
 * While it runs, the main connection's automatic checkpoint is raised to BACKSTOP_PAGES: it only fires if the
 * worker falls far behind, so the WAL stays bounded whatever happens. If the worker dies, SQLite's default comes
 * back and commits checkpoint by themselves again, as before.
 */
import { statSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../runtime/worker-thread.ts';
import type { Db } from './database.ts';

/** Where the checkpointer reports that its worker stopped (sitroom's pino logger fits; storage imports no logger). */
export interface WarningLog {
  warn(details: object, message: string): void;
}

/** SQLite's default wal_autocheckpoint (https://www.sqlite.org/pragma.html#pragma_wal_autocheckpoint). */
export const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;
/** ~40 MB of 4 KB pages: only reached if the worker cannot keep up. */
export const BACKSTOP_PAGES = 10_000;
/** How often the worker checkpoints. A checkpoint with nothing to copy costs microseconds. */
export const CHECKPOINT_EVERY_MS = 250;
/** A quarter of what SQLite's own checkpoint waits for (1,000 pages of 4 KB), so the worker is there before it fires. */
export const START_ABOVE_BYTES = 1024 * 1024;
/** How often the WAL's size is looked at until the worker starts (one stat call). */
const WATCH_EVERY_MS = 1000;

export interface CheckpointWorkerData {
  path: string;
  everyMs: number;
}
export type CheckpointRequest = { kind: 'checkpoint'; id: number } | { kind: 'stop' };
/** PRAGMA wal_checkpoint's answer: busy 1 when it could not finish; pages in the WAL; pages copied. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export class WalCheckpointer {
  private readonly db: Db;
  private readonly path: string;
  private readonly logger: WarningLog | undefined;
  private readonly everyMs: number;
  private worker: Worker | undefined;
  private watch: NodeJS.Timeout | undefined;
  private readonly waiting = new Map<number, (result: CheckpointResult) => void>();
  private nextId = 1;
  private stopped = false;

  private constructor(db: Db, logger: WarningLog | undefined, everyMs: number) {
    this.db = db;
    this.path = db.$client.name;
    this.logger = logger;
    this.everyMs = everyMs;
    this.watch = setInterval(() => {
      if (walBytes(this.path) >= START_ABOVE_BYTES) this.ensureWorker();
    }, WATCH_EVERY_MS);
    this.watch.unref();
  }

  /**
   * Watches `db` (opened by openDatabase, so in WAL mode) and checkpoints it in a worker once its WAL grows;
   * undefined for an in-memory database, which has no WAL.
   */
  static attach(db: Db, logger?: WarningLog, everyMs = CHECKPOINT_EVERY_MS): WalCheckpointer | undefined {
    const path = db.$client.name;
    if (db.$client.memory || path === '' || path === ':memory:') return undefined;
    return new WalCheckpointer(db, logger, everyMs);
  }

  /** Whether the worker runs (it starts once the WAL has grown, or on checkpointNow()). */
  get running(): boolean {
    return this.worker !== undefined && !this.stopped;
  }

  /** Checkpoints now, in the worker (started if need be); the worker also does it every `everyMs`. */
  checkpointNow(): Promise<CheckpointResult> {
    const worker = this.ensureWorker();
    if (!worker) return Promise.reject(new Error('the WAL checkpointer was stopped'));
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      worker.postMessage({ kind: 'checkpoint', id } satisfies CheckpointRequest);
    });
  }

  /** Stops the worker; the main connection checkpoints by itself again (and on close, as SQLite always does). */
  async stop(): Promise<void> {
    clearInterval(this.watch);
    if (this.stopped) return;
    this.stopped = true;
    const worker = this.worker;
    if (!worker) return;
    this.restoreDefault();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ kind: 'stop' } satisfies CheckpointRequest);
    await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
    await worker.terminate();
  }

  private ensureWorker(): Worker | undefined {
    if (this.stopped) return undefined;
    if (this.worker) return this.worker;
    clearInterval(this.watch);
    const worker = startWorker(import.meta.url, 'wal-checkpoint-worker', { workerData: { path: this.path, everyMs: this.everyMs } satisfies CheckpointWorkerData });
    this.worker = worker;
    // It must not keep the process alive.
    worker.unref();
    this.db.$client.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    worker.on('message', (m: { id: number; result: CheckpointResult }) => {
      this.waiting.get(m.id)?.(m.result);
      this.waiting.delete(m.id);
    });
    const lost = (err?: unknown) => {
      if (this.stopped) return;
      this.stopped = true;
      this.restoreDefault();
      this.logger?.warn({ err }, 'the WAL checkpoint worker stopped; SQLite checkpoints inside commits again');
    };
    worker.on('error', lost);
    worker.on('exit', () => lost());
    return worker;
  }

  private restoreDefault(): void {
    if (this.db.$client.open) this.db.$client.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
  }
}

/** The WAL file's size (0 when there is none yet). */
function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}
