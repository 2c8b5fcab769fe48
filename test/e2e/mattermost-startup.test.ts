/**
 * Starting the real process against a Mattermost server: settings the server refuses stop start-up with the
 * one-message configuration error naming the variable; a server that is merely unreachable does not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeMattermostApi } from '../fakes/fake-mattermost-api.ts';
import { BotProcess, freePort, runToExit } from './bot-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'sitroom-mm-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let mm: FakeMattermostApi;
beforeEach(async () => {
  mm = await FakeMattermostApi.start({ token: 'mm-bot-token' });
  mm.addChannel({ name: 'incidents' });
});
afterEach(async () => {
  await mm.close();
});

const env = (overrides: Record<string, string>, db: string) => ({
  DATABASE_PATH: join(dir, `${db}.db`),
  MATTERMOST_URL: mm.url,
  MATTERMOST_BOT_TOKEN: 'mm-bot-token',
  MATTERMOST_TEAM: mm.team.name,
  MATTERMOST_COMMAND_TOKEN: 'command-token',
  MATTERMOST_ANNOUNCE_CHANNEL: 'incidents',
  PUBLIC_URL: 'http://127.0.0.1:1',
  ...overrides,
});

describe('starting sitroom with Mattermost', () => {
  it.each([
    ['a token Mattermost refuses', { MATTERMOST_BOT_TOKEN: 'typo-token' }, 'MATTERMOST_BOT_TOKEN: Mattermost refused the bot token'],
    ['a team that does not exist', { MATTERMOST_TEAM: 'no-such-team' }, 'MATTERMOST_TEAM: Mattermost has no team "no-such-team"'],
    ['an announce channel that does not exist', { MATTERMOST_ANNOUNCE_CHANNEL: 'incidnets' }, 'MATTERMOST_ANNOUNCE_CHANNEL: no channel "incidnets"'],
    ['an alerts channel that does not exist', { MATTERMOST_ALERTS_CHANNEL: 'alarms' }, 'MATTERMOST_ALERTS_CHANNEL: no channel "alarms"'],
  ])('stops on %s with one message naming the variable, and no stack trace', async (_what, overrides, message) => {
    const run = await runToExit(env(overrides, `bad-${Object.keys(overrides)[0]}`));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('sitroom cannot start: 1 problem in the configuration');
    expect(run.stderr).toContain(`  - ${message}`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('starts although the server is unreachable, warning and checking again', async () => {
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    const bot = await BotProcess.start({ ...env({ MATTERMOST_URL: unreachable }, 'unreachable'), LOG_LEVEL: 'info' });
    try {
      expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
      await bot.waitForLog((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('Mattermost is unreachable'));
      // The first retry comes after a second: a second warning shows it keeps checking.
      await bot.waitForLog((l) => l['msg'] === 'Mattermost is unreachable; starting anyway and checking again' && bot.logs.filter((x) => x['msg'] === l['msg']).length >= 2, 5000);
    } finally {
      expect((await bot.stop()).code).toBe(0);
    }
  }, 30_000);

  it('starts when every setting checks out', async () => {
    const bot = await BotProcess.start(env({}, 'good'));
    try {
      expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
      expect(mm.callsTo('GET', '/users/me').length).toBeGreaterThan(0);
    } finally {
      expect((await bot.stop()).code).toBe(0);
    }
  }, 30_000);
});
