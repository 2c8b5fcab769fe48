/** The fake Slack Web API reads messages back as Slack does, and refuses to without the history scopes (issue 12.1). */
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchSlackMessage, slackMessageToCapture, slackPermalink, slackTsToMillis } from '../../../src/chat/slack/slack-captured-message.ts';
import { FAKE_WORKSPACE, FakeSlackApi } from '../fake-slack-api.ts';
import { manifestBotScopes } from './manifest.ts';

describe('reading Slack messages back (conversations.history, conversations.replies, chat.getPermalink)', () => {
  let fake: FakeSlackApi;
  let client: webApi.WebClient;
  beforeAll(async () => {
    fake = await FakeSlackApi.start();
    client = new webApi.WebClient('xoxb-test', { slackApiUrl: `${fake.url}/api/`, retryConfig: { retries: 0 }, logLevel: webApi.LogLevel.ERROR });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('finds a top-level message in the history and a reply in its thread, with their permalinks', async () => {
    const channel = fake.addChannel({ name: 'inc-1' }).id;
    const first = fake.postAsUser({ channel, user: 'UBOB', text: 'first', at: 1_741_960_800_123 });
    const parent = fake.postAsUser({ channel, user: 'UBOB', text: 'parent', at: 1_741_960_860_000 });
    const reply = fake.postAsUser({ channel, user: 'UCAROL', text: 'reply', at: 1_741_960_870_000, threadTs: parent });
    fake.postAsUser({ channel, user: 'UBOB', text: 'later', at: 1_741_960_900_000 });

    const history = await client.conversations.history({ channel, latest: first, inclusive: true, limit: 1 });
    expect(history.messages?.map((m) => m.text)).toEqual(['first']);
    expect((await client.conversations.history({ channel, latest: reply, inclusive: true, limit: 1 })).messages?.map((m) => m.text)).toEqual(['parent']);
    const thread = await client.conversations.replies({ channel, ts: reply, oldest: reply, latest: reply, inclusive: true });
    expect(thread.messages?.map((m) => m.text)).toEqual(['parent', 'reply']);

    expect((await fetchSlackMessage(client, channel, first))?.text).toBe('first');
    expect((await fetchSlackMessage(client, channel, reply))?.text).toBe('reply');
    expect(await slackPermalink(client, channel, first)).toBe(`https://${FAKE_WORKSPACE.teamDomain}.slack.com/archives/${channel}/p${first.replace('.', '')}`);
    expect(await slackPermalink(client, channel, reply)).toContain(`?thread_ts=${parent}&cid=${channel}`);
    await expect(client.conversations.replies({ channel, ts: '1.000000' })).rejects.toMatchObject({ data: { error: 'thread_not_found' } });
    expect(await slackPermalink(client, channel, '1.000000')).toBeNull();
  });

  it('refuses history without channels:history / groups:history, as Slack does (missing_scope)', async () => {
    const channel = fake.addChannel({ name: 'inc-2' }).id;
    const ts = fake.postAsUser({ channel, user: 'UBOB', text: 'x' });
    fake.grantScopes(manifestBotScopes().filter((s) => s !== 'channels:history'));
    await expect(client.conversations.history({ channel, latest: ts, inclusive: true, limit: 1 })).rejects.toMatchObject({ data: { error: 'missing_scope', needed: 'channels:history' } });
    await expect(client.conversations.replies({ channel, ts })).rejects.toMatchObject({ data: { error: 'missing_scope', needed: 'channels:history' } });
    expect(manifestBotScopes()).toEqual(expect.arrayContaining(['reactions:read', 'channels:history', 'groups:history']));
  });
});

describe('a Slack message as the core captures it', () => {
  it('keeps the message’s own time from its ts, the typed text (Slack’s escapes undone), files and who wrote it', () => {
    expect(slackTsToMillis('1741960920.123456')).toBe(1_741_960_920_123);
    expect(slackTsToMillis('nonsense')).toBeNaN();
    const m = slackMessageToCapture(
      'C1',
      { ts: '1741960920.123456', user: 'UBOB', text: 'R&amp;D &lt;db&gt; <https://status.example.com|status page> <@UALICE> <!channel>', files: [{ name: 'g.png', permalink: 'https://x.slack.com/files/g' }] },
      'https://x.slack.com/archives/C1/p1',
      { botUserId: 'UBOT', botId: 'BBOT' },
    );
    expect(m).toMatchObject({ platform: 'slack', channelId: 'C1', messageId: '1741960920.123456', author: 'UBOB', at: 1_741_960_920_123, byBot: false, files: [{ name: 'g.png', url: 'https://x.slack.com/files/g' }] });
    // A link someone labelled keeps where it goes (the label alone would lose it); one labelled with its own address
    // (Slack's auto-link of what was typed) reads as typed.
    expect(m?.text).toBe('R&D <db> status page (https://status.example.com) <@UALICE> @channel');
    expect(slackMessageToCapture('C1', { ts: '1.000001', user: 'UBOB', text: 'see <http://status.example.com|status.example.com> and <mailto:ops@example.com|ops@example.com> or <https://g.example/d?a=1&amp;b=2>' }, null, {})?.text).toBe(
      'see status.example.com and ops@example.com or https://g.example/d?a=1&b=2',
    );
    expect(slackMessageToCapture('C1', { ts: '1.000001', bot_id: 'BBOT', text: 'card' }, null, { botId: 'BBOT' })?.byBot).toBe(true);
  });
});
