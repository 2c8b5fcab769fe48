/**
 * The real process (src/main.ts) with Slack over HTTP and Mattermost both on, each against its fake: Slack's channels
 * #general (CGENERAL), #incidents (CANNOUNCE) and #alerts (CALERTS); Mattermost's town-square, incidents and alerts
 * with the given people as members. For the tests that attack every route of one process (the HTTP fuzz, issue 9's
 * findings).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeMattermostApi, fakeMattermostId } from '../fakes/fake-mattermost-api.ts';
import { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { BotProcess, freePort } from './bot-process.ts';

export interface BothPlatforms {
  slack: FakeSlackApi;
  mm: FakeMattermostApi;
  bot: BotProcess;
  port: number;
  /** The SQLite file the process writes. */
  databasePath: string;
  /** Mattermost channel ids by name. */
  mmChannel(name: 'town-square' | 'incidents' | 'alerts'): string;
  stop(): Promise<void>;
}

export async function startBothPlatforms(o: { slackSecret: string; mmCommandToken: string; people?: readonly string[]; env?: Record<string, string> }): Promise<BothPlatforms> {
  const slack = await FakeSlackApi.start();
  for (const [id, name] of [['CGENERAL', 'general'], ['CANNOUNCE', 'incidents'], ['CALERTS', 'alerts']] as const) slack.addChannel({ id, name });
  const mm = await FakeMattermostApi.start({ token: 'mm-bot-token' });
  const members = (o.people ?? ['alice']).map((person) => mm.addUser(fakeMattermostId(person), person).id);
  const channels = new Map(['town-square', 'incidents', 'alerts'].map((name) => [name, mm.addChannel({ name, members }).id]));
  const dir = mkdtempSync(join(tmpdir(), 'sitroom-both-'));
  const port = await freePort();
  const databasePath = join(dir, 'sitroom.db');
  const stop = async () => {
    await bot?.stop();
    await slack.close();
    await mm.close();
    rmSync(dir, { recursive: true, force: true });
  };
  let bot: BotProcess | undefined;
  try {
    bot = await BotProcess.start(
      {
        DATABASE_PATH: databasePath,
        LOG_LEVEL: 'info',
        SLACK_BOT_TOKEN: 'xoxb-both',
        SLACK_SIGNING_SECRET: o.slackSecret,
        SLACK_ANNOUNCE_CHANNEL: 'CANNOUNCE',
        SLACK_ALERTS_CHANNEL: 'CALERTS',
        SLACK_API_URL: `${slack.url}/api/`,
        MATTERMOST_URL: mm.url,
        MATTERMOST_BOT_TOKEN: 'mm-bot-token',
        MATTERMOST_TEAM: mm.team.name,
        MATTERMOST_COMMAND_TOKEN: o.mmCommandToken,
        MATTERMOST_ANNOUNCE_CHANNEL: 'incidents',
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        ...o.env,
      },
      20_000,
      port,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  const started = bot;
  return { slack, mm, bot: started, port, databasePath, mmChannel: (name) => channels.get(name) ?? '', stop };
}
