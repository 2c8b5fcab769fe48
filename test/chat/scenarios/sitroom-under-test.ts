/** A sitroom wired exactly as in production (createSitroom), on a temp database file, with a fixed clock and a hand-ticked scheduler. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSitroom, type Sitroom } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { FixedClock } from '../../fakes/fixed-clock.ts';

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
  restart() {
    return this.app.restart();
  }
}
