/** Starting the real process: a bad configuration stops it with one message; no chat platform runs it web-only. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BotProcess, REPO_ROOT } from './bot-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'sitroom-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('starting sitroom', () => {
  it('stops on a bad configuration with one message listing every problem, and no stack trace', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'] ?? '', PORT: 'abc', SLACK_BOT_TOKEN: 'xoxb-1', DATABASE_PATH: join(dir, 'bad.db') },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('sitroom cannot start: 3 problems in the configuration');
    expect(run.stderr).toContain('  - PORT: must be a whole number');
    expect(run.stderr).toContain('  - SLACK_SIGNING_SECRET: required');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs web-only with no chat platform, says how to add one, and is healthy', async () => {
    const bot = await BotProcess.start({ DATABASE_PATH: join(dir, 'web.db'), LOG_LEVEL: 'info' });
    try {
      expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
      const warning = await bot.waitForLog((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('no chat platform is configured'));
      expect(warning['msg']).toContain('SLACK_BOT_TOKEN');
      expect(warning['msg']).toContain('MATTERMOST_URL');
    } finally {
      expect((await bot.stop()).code).toBe(0);
    }
  });
});
