/**
 * createSitroom wires whatever chat platforms are configured, and only those, through one ChatAdapter loop
 * (src/chat/adapters.ts): each platform's routes, health and outbox dispatcher; none at all runs web-only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SitroomUnderTest } from './chat/scenarios/sitroom-under-test.ts';
import { FakeMattermostApi } from './fakes/fake-mattermost-api.ts';
import { FakeSlackApi } from './fakes/slack/fake-slack-api.ts';
import type { Platform } from '../src/incidents/incident.ts';

type Chat = 'slack' | 'mattermost';
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.reverse()) await done();
  cleanup = [];
});

async function slackEnv(): Promise<{ env: Record<string, string>; created: (name: string) => boolean }> {
  const slack = await FakeSlackApi.start();
  cleanup.push(() => slack.close());
  slack.addChannel({ id: 'CANNOUNCE', name: 'incidents' });
  const env = { SLACK_BOT_TOKEN: 'xoxb-wiring', SLACK_SIGNING_SECRET: 'wiring-signing-secret', SLACK_ANNOUNCE_CHANNEL: 'CANNOUNCE', SLACK_API_URL: `${slack.url}/api/` };
  return { env, created: (name) => slack.channelNamed(name) !== undefined };
}

async function mattermostEnv(): Promise<{ env: Record<string, string>; created: (name: string) => boolean }> {
  const mm = await FakeMattermostApi.start({ token: 'mm-bot-token' });
  cleanup.push(() => mm.close());
  mm.addChannel({ name: 'incidents' });
  const env = {
    MATTERMOST_URL: mm.url,
    MATTERMOST_BOT_TOKEN: 'mm-bot-token',
    MATTERMOST_TEAM: mm.team.name,
    MATTERMOST_COMMAND_TOKEN: 'wiring-command-token',
    MATTERMOST_ANNOUNCE_CHANNEL: 'incidents',
    // Where Mattermost is to send button clicks; nothing is clicked here.
    PUBLIC_URL: 'http://sitroom.example',
  };
  return { env, created: (name) => mm.channelNamed(name) !== undefined };
}

async function start(chats: readonly Chat[]) {
  const fakes: Partial<Record<Chat, (name: string) => boolean>> = {};
  // No PORT: the app listens on a port the system picks (a port found free and bound later can be taken meanwhile).
  let env: Record<string, string> = {};
  for (const chat of chats) {
    const fake = chat === 'slack' ? await slackEnv() : await mattermostEnv();
    env = { ...env, ...fake.env };
    fakes[chat] = fake.created;
  }
  const app = new SitroomUnderTest(env);
  await app.start();
  cleanup.push(() => app.stop());
  return { app, fakes };
}

const status = async (url: string) => (await fetch(url, { method: 'POST', body: '' })).status;

describe.each([[[]], [['slack']], [['mattermost']], [['slack', 'mattermost']]] as const)('with %j configured', (chats) => {
  it('serves, checks and delivers to those platforms and no other', async () => {
    const { app, fakes } = await start(chats);
    const configured = (p: Chat) => chats.includes(p as never);

    expect(Object.keys(app.sitroom.chatHealth()).sort()).toEqual([...chats].sort());
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { platforms?: Record<string, string> };
    expect(health.platforms).toEqual(chats.length ? Object.fromEntries(chats.map((c) => [c, 'ok'])) : undefined);

    // An unsigned or untokened request is refused by a configured platform's route; an unconfigured one has none.
    expect(await status(`${app.url}/slack/events`)).toBe(configured('slack') ? 401 : 404);
    expect(await status(`${app.url}/mattermost/command`)).toBe(configured('mattermost') ? 401 : 404);

    // Each platform's outbox dispatcher opens the war room of an incident declared there.
    for (const chat of chats) {
      const { incident } = await app.sitroom.service.declare({ title: `${chat} down`, severity: 'sev2', isPrivate: false, platform: chat as Platform, declaredBy: 'U1' });
      await app.sitroom.deliverDue();
      expect(fakes[chat]?.(`inc-${incident.number}-${chat}-down`)).toBe(true);
    }
  });
});
