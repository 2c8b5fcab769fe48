/** What `npm start` prints: JSON log lines for collectors (a pipe, or LOG_FORMAT=json); human lines and the URL to open with LOG_FORMAT=pretty (the default on a terminal). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BotProcess, freePort } from './bot-process.ts';

let bot: BotProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'sitroom-startup-'));
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('start-up output', () => {
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
