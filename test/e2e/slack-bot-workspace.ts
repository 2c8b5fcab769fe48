/** A fake Slack workspace (with #incidents), a temp database directory and the env to run the real bot against them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { BotProcess } from './bot-process.ts';

export interface SlackBotWorkspace {
  slack: FakeSlackApi;
  env: Record<string, string>;
  /** Starts the bot; it is killed at cleanup() unless stop() was awaited first. */
  startBot(): Promise<BotProcess>;
  /** Stops `bot` with `signal` and forgets it. */
  stop(bot: BotProcess, signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
  cleanup(): Promise<void>;
}

export async function slackBotWorkspace(name: string, signingSecret: string): Promise<SlackBotWorkspace> {
  const slack = await FakeSlackApi.start();
  slack.addChannel({ id: 'CANNOUNCE', name: 'incidents' });
  const dir = mkdtempSync(join(tmpdir(), `sitroom-${name}-`));
  const env = {
    SLACK_BOT_TOKEN: `xoxb-${name}`,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_ANNOUNCE_CHANNEL: 'CANNOUNCE',
    SLACK_API_URL: `${slack.url}/api/`,
    DATABASE_PATH: join(dir, 'sitroom.db'),
    LOG_LEVEL: 'info',
  };
  const running = new Set<BotProcess>();
  return {
    slack,
    env,
    async startBot() {
      const bot = await BotProcess.start(env);
      running.add(bot);
      return bot;
    },
    async stop(bot, signal = 'SIGTERM') {
      running.delete(bot);
      return bot.stop(signal);
    },
    async cleanup() {
      await Promise.all([...running].map((bot) => bot.stop('SIGKILL')));
      await slack.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
