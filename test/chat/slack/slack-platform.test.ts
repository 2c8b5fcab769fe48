/** SlackPlatform against the fake Web API through the real WebClient. */
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SlackPlatform } from '../../../src/chat/slack/slack-platform.ts';
import { FakeSlackApi } from '../../fakes/fake-slack-api.ts';

let fake: FakeSlackApi;
let platform: SlackPlatform;
beforeAll(async () => {
  fake = await FakeSlackApi.start();
  const client = new webApi.WebClient('xoxb-test', { slackApiUrl: `${fake.url}/api/`, logLevel: webApi.LogLevel.ERROR, retryConfig: { retries: 0 } });
  platform = new SlackPlatform(client, { announce: 'CANNOUNCE', alerts: 'CALERTS' });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('SlackPlatform.invite (issue 10.9)', () => {
  it('one unknown or guest user never keeps the others out, and the war room is told who could not be invited', async () => {
    const room = fake.addChannel({ name: 'inc-1-db' }).id;
    fake.setUserKind('UGONE', 'missing');
    fake.setUserKind('UGUEST', 'ultra_restricted');
    fake.setUserKind('UMULTI', 'restricted');
    await platform.invite(room, ['UGONE', 'UBOB', 'UGUEST', 'UBOT', 'UCAROL', 'UMULTI', 'UBOB']);
    expect(fake.membersOf(room)).toEqual(expect.arrayContaining(['UBOB', 'UCAROL']));
    const notice = fake.messagesIn(room).map((m) => m.text ?? '').join('\n');
    expect(notice).toContain('Could not invite <@UGONE>: not a member of this workspace.');
    expect(notice).toContain('Could not invite <@UGUEST>: a single-channel guest already in their one channel.');
    expect(notice).toContain('Could not invite <@UMULTI>: a guest account that this app cannot invite.');
    expect(notice).not.toContain('UBOT');
  });

  it('a single user who cannot be invited is reported, not thrown', async () => {
    const room = fake.addChannel({ name: 'inc-2-db' }).id;
    fake.setUserKind('UGONE', 'missing');
    await platform.invite(room, ['UGONE']);
    expect(fake.messagesIn(room).map((m) => m.text)).toEqual(['Could not invite <@UGONE>: not a member of this workspace.']);
  });

  it('people already in the room, or the bot itself, are not an error and say nothing', async () => {
    const room = fake.addChannel({ name: 'inc-3-db', members: ['UBOB'] }).id;
    await platform.invite(room, ['UBOB', 'UBOT']);
    expect(fake.messagesIn(room)).toEqual([]);
  });

  it('a channel that does not exist is still an error', async () => {
    await expect(platform.invite('CNOPE', ['UBOB'])).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
  });
});

describe('SlackPlatform.setTopic', () => {
  it('keeps the topic within Slack\'s 250 characters without cutting an escape or a mention', async () => {
    const room = fake.addChannel({ name: 'inc-4-db' }).id;
    await platform.setTopic(room, ['SEV2 · ', 'R&D '.repeat(60), { user: 'U0123456789' }]);
    const topic = fake.topicOf(room) ?? '';
    expect(topic.length).toBeLessThanOrEqual(250);
    expect(topic).toMatch(/^SEV2 · (R&amp;D )*R&amp;D$/);
  });
});

describe('SlackPlatform.createChannel when the name is taken', () => {
  it('takes the live channel the bot made under that name (an earlier attempt sitroom never recorded), looking past the first page', async () => {
    for (let n = 0; n < 250; n++) fake.addChannel({ name: `other-${n}` });
    const own = fake.addChannel({ name: 'inc-1-db-down', isPrivate: true }).id;
    expect(await platform.createChannel('inc-1-db-down', true)).toEqual({ id: own });
    expect(fake.callsTo('users.conversations').length).toBeGreaterThan(1);
  });

  it('leaves a channel a person made with that name alone', async () => {
    fake.addChannel({ name: 'inc-1-db-down', creator: 'UBOB' });
    expect(await platform.createChannel('inc-1-db-down', false)).toBe('name_taken');
  });

  it('with a token installed before channels:read and groups:read were asked for, the name is just taken (a suffix, as before)', async () => {
    fake.addChannel({ name: 'inc-1-db-down' });
    fake.grantScopes(['channels:manage', 'groups:write']); // reset() grants the manifest's scopes again
    expect(await platform.createChannel('inc-1-db-down', false)).toBe('name_taken');
    expect(fake.callsTo('users.conversations').at(-1)?.response.error).toBe('missing_scope');
  });
});
