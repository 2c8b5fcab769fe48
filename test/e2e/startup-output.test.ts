/** What `npm start` prints: JSON log lines for collectors (a pipe, or LOG_FORMAT=json); human lines and the URL to open with LOG_FORMAT=pretty (the default on a terminal). */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BotProcess, freePort, REPO_ROOT } from './bot-process.ts';

let bot: BotProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'sitroom-startup-'));
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs sitroom with its stdout on a pseudo-terminal (util-linux `script`, in Debian's essential bsdutils), as a person at a terminal sees it,
 * with no LOG_FORMAT, until `done(output)` holds; then stops it by its PID (`script` hangs up the terminal, which
 * ends sitroom) and returns what the terminal showed.
 */
async function onATerminal(env: Record<string, string>, done: (output: string) => boolean): Promise<string> {
  const child = spawn('script', ['-qec', `exec ${process.execPath} --import tsx src/main.ts`, '/dev/null'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', HOST: '127.0.0.1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
  const exited = once(child, 'exit');
  try {
    const deadline = Date.now() + 30_000;
    while (!done(output)) {
      if (child.exitCode !== null) throw new Error(`exited early: ${output}`);
      if (Date.now() > deadline) throw new Error(`no such output within 30 s: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    await exited;
  }
  return output;
}

describe('start-up output', () => {
  it('is human lines on a terminal with LOG_FORMAT unset: the address to open, and no JSON', async () => {
    const port = await freePort();
    const output = await onATerminal({ PORT: String(port), DATABASE_PATH: join(dir, 'tty.db') }, (o) => o.includes('stop with Ctrl+C'));
    expect(output).toContain(`sitroom is running — open http://localhost:${port}`);
    expect(output).toMatch(/\d\d:\d\d:\d\d INFO {2}sitroom started port=\d+/);
    expect(output.split(/\r?\n/).some((l) => l.startsWith('{'))).toBe(false);
  });

  it('is JSON on a terminal with LOG_FORMAT=json (for a collector reading a terminal)', async () => {
    const port = await freePort();
    const output = await onATerminal({ PORT: String(port), DATABASE_PATH: join(dir, 'tty-json.db'), LOG_FORMAT: 'json' }, (o) => o.includes('"sitroom started"'));
    const started = output.split(/\r?\n/).find((l) => l.includes('"sitroom started"')) ?? '';
    expect(JSON.parse(started)).toMatchObject({ msg: 'sitroom started', url: `http://localhost:${port}` });
    expect(output).not.toContain('sitroom is running');
  });


  it('is JSON when stdout is not a terminal, with the URL in the "sitroom started" record', async () => {
    const port = await freePort();
    bot = await BotProcess.start({ DATABASE_PATH: join(dir, 'a.db') }, 30_000, port);
    const started = await bot.waitForLog((l) => l['msg'] === 'sitroom started');
    expect(started).toMatchObject({ level: 30, port, url: `http://localhost:${port}` });
  });

  it('is human lines with LOG_FORMAT=pretty: the address to open and what is configured', async () => {
    const port = await freePort();
    bot = await BotProcess.start({ DATABASE_PATH: join(dir, 'b.db'), LOG_FORMAT: 'pretty', STATUS_COMPONENTS: 'api' }, 30_000, port, (l) =>
      String(l['msg']).startsWith('sitroom is running'),
    );
    const lines = bot.logs.map((l) => String(l['msg']));
    expect(lines).toContain(`sitroom is running — open http://localhost:${port}`);
    expect(lines.some((l) => l.includes('chat:') && l.includes('web-only'))).toBe(true);
    expect(lines.some((l) => /^\d\d:\d\d:\d\d INFO {2}sitroom started port=\d+/.test(l))).toBe(true);
    // No JSON line at all.
    expect(lines.some((l) => l.startsWith('{'))).toBe(false);
  });
});
