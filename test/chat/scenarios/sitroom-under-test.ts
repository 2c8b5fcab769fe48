/** A sitroom wired exactly as in production (createSitroom), on a temp database file, with a fixed clock and a hand-ticked scheduler. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSitroom, type Sitroom } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { FixedClock, MINUTE, SECOND } from '../../fakes/fixed-clock.ts';

export class SitroomUnderTest {
  readonly clock = new FixedClock();
  private readonly dir = mkdtempSync(join(tmpdir(), 'sitroom-scenario-'));
  private readonly env: Record<string, string>;
  private current: Sitroom | undefined;
  url = '';

  /** Pace chat calls as in production (the fixed clock must then be moved for paced calls to go). */
  private readonly pacing: boolean;

  constructor(env: Record<string, string>, opts: { pacing?: boolean } = {}) {
    this.pacing = opts.pacing ?? false;
    this.env = { DATABASE_PATH: join(this.dir, 'sitroom.db'), HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: process.env['DEBUG_SITROOM'] ?? 'silent', ...env };
  }

  get sitroom(): Sitroom {
    if (!this.current) throw new Error('sitroom is not running');
    return this.current;
  }

  async start(): Promise<void> {
    const config = loadConfig(this.env);
    this.current = createSitroom(config, createLogger(config.logLevel), this.clock, { scheduler: false, pacing: this.pacing });
    const port = await this.current.start();
    this.url = `http://127.0.0.1:${port}`;
  }

  /** POST /alertmanager; resolves once sitroom's chat work for the delivery is done. */
  async webhook(body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${this.url}/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const answer = { status: res.status, body: (await res.json()) as Record<string, unknown> };
    await this.sitroom.settled();
    return answer;
  }

  /** When the next outbox row may go (the head of its target: its retry or paced time, or its lease's end); null when none is pending. */
  nextDeliveryAt(): number | null {
    const db = new Database(this.env['DATABASE_PATH'] ?? '', { readonly: true, fileMustExist: true });
    try {
      // Only the head of each target can go (a target's rows keep their order): the others wait for it, not for their time.
      const row = db.prepare(`SELECT MIN(MAX(o.next_attempt_at, o.claimed_until)) AS at FROM outbox o WHERE o.state = 'pending' AND NOT EXISTS
        (SELECT 1 FROM outbox p WHERE p.platform = o.platform AND p.target = o.target AND p.state = 'pending' AND p.id < o.id)`).get() as { at: number | null };
      return row.at;
    } finally {
      db.close();
    }
  }

  /**
   * Moves the fixed clock in `stepMs` steps for `ms`, ticking the scheduler and delivering what is due at each step
   * (reminders fall due, retries and paced calls go when their time comes). No sleeps.
   */
  async pass(ms: number, stepMs = 10 * SECOND): Promise<void> {
    for (let t = 0; t < ms; t += stepMs) {
      this.clock.advance(stepMs);
      await this.sitroom.scheduler.tick();
      await this.sitroom.settled();
    }
  }

  /**
   * Delivers everything in the outbox, moving the fixed clock from one row's due time to the next (pacing and
   * backoff waits pass deterministically, no sleeps), for at most `withinMs`; the scheduler ticks at each stop.
   */
  async deliverAll(withinMs = 10 * MINUTE): Promise<void> {
    const until = this.clock.now() + withinMs;
    await this.sitroom.settled();
    for (let stops = 0; stops < 10_000; stops += 1) {
      const next = this.nextDeliveryAt();
      if (next === null || next > until) return;
      if (next > this.clock.now()) this.clock.set(next);
      await this.sitroom.scheduler.tick();
      await this.sitroom.settled();
    }
    throw new Error('deliverAll: the outbox never settled');
  }

  /** A new process on the same database: nothing held in memory survives. */
  async restart(): Promise<void> {
    await this.current?.stop();
    this.env['PORT'] = new URL(this.url).port;
    await this.start();
    await this.sitroom.scheduler.tick();
    await this.sitroom.settled();
  }

  async stop(): Promise<void> {
    await this.current?.stop();
    this.current = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What every ChatDriver does the same way: everything about the sitroom under test itself. */
export abstract class SitroomDriverBase {
  protected readonly app: SitroomUnderTest;

  protected constructor(app: SitroomUnderTest) {
    this.app = app;
  }

  get clock() {
    return this.app.clock;
  }
  get url() {
    return this.app.url;
  }
  sitroom() {
    return this.app.sitroom;
  }
  webhook(body: unknown, token?: string) {
    return this.app.webhook(body, token);
  }
  settled() {
    return this.app.sitroom.settled();
  }
  pass(ms: number, stepMs?: number) {
    return this.app.pass(ms, stepMs);
  }
  deliverAll(withinMs?: number) {
    return this.app.deliverAll(withinMs);
  }
  restart() {
    return this.app.restart();
  }
}
