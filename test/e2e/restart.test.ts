/**
 * Reminders survive restarts and replicas: the real bot process, run twice on one database file, and
 * then two at once. Slack is the fake Web API; requests are signed as Slack signs them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { BotProcess } from './bot-process.ts';
import { slackCommand } from './slack-command.ts';

const SECRET = 'restart-test-secret';
let slack: FakeSlackApi;
let dir: string;
let env: Record<string, string>;
const running: BotProcess[] = [];

async function startBot(): Promise<BotProcess> {
  const bot = await BotProcess.start(env);
  running.push(bot);
  return bot;
}

function command(bot: BotProcess, text: string, channel: string, id: string): Promise<string> {
  return slackCommand(slack, { url: bot.url, secret: SECRET }, text, channel, id);
}

/** The bot was down while the update fell due: move the incident's due time into the past, as time would have. */
function letUpdateFallDue(databasePath: string): void {
  const db = new Database(databasePath);
  const past = Date.now() - 60_000;
  db.prepare("UPDATE incidents SET next_update_due = ?, reminder_at = ?, reminder_stage = 'nag' WHERE number = 1").run(past, past);
  db.close();
}

const nagsIn = (channel: string) => slack.messagesIn(channel).filter((m) => (m.text ?? '').includes('⏰'));

beforeAll(async () => {
  slack = await FakeSlackApi.start();
  slack.addChannel({ id: 'CANNOUNCE', name: 'incidents' });
  dir = mkdtempSync(join(tmpdir(), 'sitroom-restart-'));
  env = {
    SLACK_BOT_TOKEN: 'xoxb-restart',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_ANNOUNCE_CHANNEL: 'CANNOUNCE',
    SLACK_API_URL: `${slack.url}/api/`,
    DATABASE_PATH: join(dir, 'sitroom.db'),
    LOG_LEVEL: 'info',
  };
});

afterAll(async () => {
  await Promise.all(running.map((bot) => bot.stop('SIGKILL')));
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a restart', () => {
  it('keeps the incident and sends the reminder that fell due while the bot was down, once', async () => {
    const first = await startBot();
    expect(await command(first, 'declare sev2 Checkout latency spike', 'CGENERAL', 'declare')).toContain('Declared incident #1');
    // The war room is set up by the outbox after the reply; the announcement is its last step.
    await slack.waitFor('chat.postMessage', (c) => c.args['channel'] === 'CANNOUNCE');
    const room = slack.channelNamed('inc-1-checkout-latency-spike')?.id ?? '';
    await command(first, 'comms <@UCAROL>', room, 'comms');
    const stopped = await first.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(10_000);
    expect(nagsIn(room)).toHaveLength(0);

    letUpdateFallDue(env['DATABASE_PATH'] ?? '');
    const second = await startBot();
    // The first tick queues the nag before "sitroom started" is logged; the outbox delivers it right after.
    const log = await second.waitForLog((l) => l['msg'] === 'reminder sent');
    expect(log['incident']).toBe(1);
    await slack.waitFor('chat.postMessage', () => nagsIn('DUCAROL').length === 1);
    expect(nagsIn(room)).toHaveLength(1);
    expect(nagsIn(room)[0]?.text).toContain('<@UCAROL>');
    expect(nagsIn('DUCAROL')).toHaveLength(1);
    expect(await command(second, 'status', room, 'status')).toContain('Checkout latency spike');
    expect((await second.stop('SIGINT')).code).toBe(0);
  });

  it('sends exactly one nag per lapse with two processes on one database file', async () => {
    const room = slack.channelNamed('inc-1-checkout-latency-spike')?.id ?? '';
    const before = nagsIn(room).length;
    letUpdateFallDue(env['DATABASE_PATH'] ?? '');
    const [a, b] = await Promise.all([startBot(), startBot()]);
    await slack.waitFor('chat.postMessage', () => nagsIn('DUCAROL').length === before + 1 && nagsIn(room).length === before + 1);
    // Both stopped (each finishes what it claimed): still exactly one copy in each place.
    await Promise.all([a?.stop(), b?.stop()]);
    expect(nagsIn(room)).toHaveLength(before + 1);
    expect(nagsIn('DUCAROL')).toHaveLength(before + 1);
  });
});
