/**
 * Issue 10.10, with the real process: a token Slack refuses stops start-up with one configuration message naming
 * SLACK_BOT_TOKEN (exit 1, no stack trace); a Slack that cannot be reached does not stop sitroom, which says so,
 * keeps trying and reports it on /healthz.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { manifestBotScopes } from '../fakes/slack/manifest.ts';
import { BotProcess, freePort, REPO_ROOT } from './bot-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'sitroom-slack-startup-'));
let slack: FakeSlackApi;
beforeAll(async () => {
  slack = await FakeSlackApi.start();
});
afterAll(async () => {
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

const slackEnv = (apiUrl: string, token: string, db: string) => ({
  SLACK_BOT_TOKEN: token,
  SLACK_SIGNING_SECRET: 'secret',
  SLACK_ANNOUNCE_CHANNEL: 'CANNOUNCE',
  SLACK_API_URL: apiUrl,
  DATABASE_PATH: join(dir, db),
  LOG_LEVEL: 'info',
});

describe('starting sitroom with Slack', () => {
  it.each(['invalid_auth', 'token_revoked', 'account_inactive'])('stops with one message naming SLACK_BOT_TOKEN when Slack answers %s', async (error) => {
    const token = `xoxb-${error}`;
    slack.refuseToken(token, error);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: String(await freePort()), ...slackEnv(`${slack.url}/api/`, token, `${error}.db`) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr).toContain('sitroom cannot start: 1 problem in the configuration');
    expect(stderr).toContain(`  - SLACK_BOT_TOKEN: Slack refused the token (${error})`);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).not.toContain('sitroom started');
  });

  it('starts when Slack is unreachable, warns, keeps trying, and /healthz says slack: unreachable', async () => {
    const closedPort = await freePort();
    const bot = await BotProcess.start(slackEnv(`http://127.0.0.1:${closedPort}/api/`, 'xoxb-fine', 'unreachable.db'));
    try {
      await bot.waitForLog((l) => l['msg'] === 'Slack is unreachable; sitroom runs and keeps trying');
      const health = await fetch(`${bot.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'degraded', database: 'ok', platforms: { slack: 'unreachable' } });
      // The second try comes after the first back-off (2 s).
      await bot.waitForLog((l) => l['msg'] === 'Slack is unreachable; sitroom runs and keeps trying' && l['retryInMs'] === 4000, 10_000);
    } finally {
      expect((await bot.stop()).code).toBe(0);
    }
  });

  it('warns, naming them, when the installed app lacks scopes sitroom needs (installed before files:write was added)', async () => {
    slack.grantScopes(manifestBotScopes().filter((s) => s !== 'files:write'));
    try {
      const bot = await BotProcess.start(slackEnv(`${slack.url}/api/`, 'xoxb-old-install', 'old.db'));
      try {
        const warning = await bot.waitForLog((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('the Slack app lacks the scopes'));
        expect(warning['missing']).toEqual(['files:write']);
      } finally {
        expect((await bot.stop()).code).toBe(0);
      }
    } finally {
      slack.grantScopes(manifestBotScopes());
    }
  });

  it('starts healthy with a good token', async () => {
    const bot = await BotProcess.start(slackEnv(`${slack.url}/api/`, 'xoxb-good', 'good.db'));
    try {
      expect(await (await fetch(`${bot.url}/healthz`)).json()).toEqual({ status: 'ok', database: 'ok', platforms: { slack: 'ok' } });
      expect(bot.logs.some((l) => String(l['msg']).startsWith('the Slack app lacks'))).toBe(false);
    } finally {
      expect((await bot.stop()).code).toBe(0);
    }
  });
});
