/**
 * MattermostPlatform against the fake server through the real Client4: what real workspaces refuse (issue 10) and
 * what another platform's ids do to a Mattermost message (issue 9).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMattermostClient } from '../../../src/chat/mattermost/mattermost-client.ts';
import { MattermostPlatform } from '../../../src/chat/mattermost/mattermost-platform.ts';
/** model.PostMessageMaxRunesV2 (server/public/model/post.go). */
const POST_MESSAGE_MAX_RUNES = 16_383;
import { FakeMattermostApi, fakeMattermostId } from '../../fakes/fake-mattermost-api.ts';

let mm: FakeMattermostApi;
let platform: MattermostPlatform;
let channel: string;
const alice = fakeMattermostId('alice');

beforeEach(async () => {
  mm = await FakeMattermostApi.start({ token: 'bot-token' });
  mm.addUser(alice, 'alice');
  channel = mm.addChannel({ name: 'incidents', members: [alice] }).id;
  platform = new MattermostPlatform({
    client: createMattermostClient(mm.url, 'bot-token'),
    team: mm.team.name,
    announceChannel: 'incidents',
    alertsChannel: 'incidents',
    actionUrl: 'http://127.0.0.1:1/mattermost/actions',
    sign: () => 'sig',
  });
});
afterEach(async () => {
  await mm.close();
});

const runes = (s: string) => [...s].length;

describe('another platform’s ids in a Mattermost message', () => {
  it('posts the list even when it names a Slack channel and Slack user (rendered without a link)', async () => {
    const message = {
      heading: ['Open incidents'],
      lines: [
        ['• #1 SEV2 Checkout down ', { channel: 'C0123ABCDEF' }, ' · IC ', { user: 'U0456GHIJK' }],
        ['• #2 SEV3 Search slow ', { channel }, ' · IC ', { user: alice }],
      ],
    } as const;
    await platform.post(channel, message);
    const text = mm.postsIn(channel).at(-1)?.message ?? '';
    expect(text).not.toContain('C0123ABCDEF');
    expect(text).toContain('~incidents');
    expect(text).toContain('@alice');
  });
});

describe('post length', () => {
  it(`splits a message over ${POST_MESSAGE_MAX_RUNES} runes on line ends, counting code points`, async () => {
    // 2 UTF-16 units per rune: a length counted in .length would cut far too early or mid-character.
    const lines = Array.from({ length: 400 }, (_, n) => [`${n} ${'🔥'.repeat(60)}`]);
    await platform.post(channel, { lines });
    const posts = mm.postsIn(channel).map((p) => p.message);
    expect(posts.length).toBe(2);
    expect(posts.every((p) => runes(p) <= POST_MESSAGE_MAX_RUNES)).toBe(true);
    expect(posts.join('\n').split('\n')).toHaveLength(400);
  });
});

describe('PostEditTimeLimit', () => {
  it('re-posts and re-pins a pinned card the server no longer lets sitroom edit, and updates the new post afterwards', async () => {
    const posted = await platform.post(channel, { lines: [['SEV2 · active']] });
    await platform.pin(channel, posted.id);
    mm.postEditTimeLimitSeconds = 300;
    mm.agePost(posted.id, 301_000);
    const updated = await platform.update(channel, posted.id, { lines: [['SEV2 · mitigated']] });
    const [old, fresh] = mm.postsIn(channel);
    // Reported, so the card's id is saved and a restart does not re-post again (issue 10.3).
    expect(updated).toEqual({ replacedBy: fresh?.id });
    expect(old?.message).toBe('SEV2 · active');
    expect(fresh?.message).toBe('SEV2 · mitigated');
    expect(mm.pinnedIn(channel)).toContain(fresh?.id);
    await platform.update(channel, posted.id, { lines: [['SEV2 · resolved']] });
    expect(mm.postsIn(channel).map((p) => p.message)).toEqual(['SEV2 · active', 'SEV2 · resolved']);
  });
});

describe('invites', () => {
  it('adds everyone who can be added and names who could not (outside the team, deactivated)', async () => {
    const bob = mm.addUser(fakeMattermostId('bob'), 'bob').id;
    const guest = mm.addUser(fakeMattermostId('guest'), 'guest', { inTeam: false }).id;
    const gone = mm.addUser(fakeMattermostId('gone'), 'gone', { deactivated: true }).id;
    const room = mm.addChannel({ name: 'inc-1-checkout' }).id;
    await platform.invite(room, [guest, gone, bob, alice]);
    expect(mm.membersOf(room)).toEqual(expect.arrayContaining([bob, alice]));
    expect(mm.membersOf(room)).not.toContain(guest);
    const note = mm.postsIn(room).at(-1)?.message ?? '';
    expect(note).toContain('@guest');
    expect(note).toContain('@gone');
    expect(note).not.toContain('@bob');
  });
});

describe('MattermostPlatform.createChannel when the name is taken', () => {
  it('takes the channel the bot made under that name (an earlier attempt sitroom never recorded)', async () => {
    const own = mm.addChannel({ name: 'inc-1-db-down', type: 'P' }).id;
    expect(await platform.createChannel('inc-1-db-down', true)).toEqual({ id: own });
  });

  it('leaves a channel a person made with that name alone, public or private (one the bot cannot even see)', async () => {
    mm.addChannel({ name: 'inc-1-db-down', creatorId: alice });
    mm.addChannel({ name: 'inc-2-db-down', type: 'P', creatorId: alice, botIsMember: false, members: [alice] });
    expect(await platform.createChannel('inc-1-db-down', false)).toBe('name_taken');
    expect(await platform.createChannel('inc-2-db-down', true)).toBe('name_taken');
    expect(mm.callsTo('GET', `/teams/${mm.team.id}/channels/name/`).map((c) => c.status)).toEqual([200, 404]);
  });
});
