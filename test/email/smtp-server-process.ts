/**
 * A real SMTP server process for the e-mail tests: aiosmtpd (Debian python3-aiosmtpd) running smtp_sink.py on
 * 127.0.0.1, writing every accepted message to a temp directory. Started and stopped (by its PID) by the test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/bot-process.ts';

const SCRIPT = join(import.meta.dirname, 'smtp_sink.py');
/** Debian's interpreter, where python3-aiosmtpd is installed (a python3 earlier on PATH, e.g. pyenv's, lacks it). */
const PYTHON = '/usr/bin/python3';

/** One received message, as Python's email package read it (headers decoded, parts decoded). */
export interface ReceivedMail {
  envelopeTo: string[];
  mailFrom: string;
  /** Lowercase names. */
  headers: Record<string, string>;
  text: string | null;
  html: string | null;
}

export class SmtpServerProcess {
  readonly dir = mkdtempSync(join(tmpdir(), 'sitroom-smtp-'));
  private child: ChildProcess | undefined;
  port = 0;

  /** Starts on `port` (a free one by default); resolves once it listens. */
  async start(port?: number): Promise<void> {
    this.port = port ?? (await freePort());
    const child = spawn(PYTHON, [SCRIPT, String(this.port), this.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`smtp_sink.py exited (${code}): ${err}`)));
    });
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Stops the server by its PID and waits for it to exit (the port is free again afterwards). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid, 'SIGTERM');
    await exited;
  }

  /** Every message received so far, in order. */
  mails(): ReceivedMail[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as ReceivedMail);
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
