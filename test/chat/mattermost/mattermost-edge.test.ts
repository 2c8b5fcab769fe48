/**
 * What only Mattermost has: the slash-command token, sitroom's own signatures on button context and dialog
 * state (Mattermost signs neither), mentions it did not resolve, its header limit and its rate limiter.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeMattermostId } from '../../fakes/fake-mattermost-api.ts';
import { dialogSubmission, postActionRequest, postForm, postJson, slashCommandForm } from '../../fakes/mattermost-requests.ts';
import { freePort } from '../../e2e/bot-process.ts';
import { PENDING_POST_IDS_TTL_MS } from '../../fakes/fake-mattermost-api.ts';
import { MattermostDriver } from '../scenarios/mattermost-driver.ts';
import { SitroomUnderTest } from '../scenarios/sitroom-under-test.ts';

let chat: MattermostDriver;
beforeEach(async () => {
  chat = await MattermostDriver.start();
});
afterEach(async () => {
  await chat?.stop();
});
const alice = () => chat.user('alice');

describe('the Mattermost edge', () => {
  it('refuses a slash command without the right token, changing nothing', async () => {
    const form = slashCommandForm({ text: 'declare sev1 forged', userId: alice(), userName: 'alice', channelId: chat.general, token: 'wrong-token', responseUrl: chat.mm.responseUrl('x') });
    const res = await postForm(`${chat.url}/mattermost/command`, form);
    expect(res.status).toBe(401);
    expect(res.json()).toEqual({ text: 'This request did not come from the configured /incident command (token mismatch).' });
    expect(await chat.sitroom().service.listOpen()).toEqual([]);
  });

  it('answers a command with its reply as the CommandResponse body, spending nothing of the server’s rate limit', async () => {
    // The server's limiter has nothing left for sitroom's host: a response_url post would be refused (429) now.
    chat.faults.enforceRate({ perSec: 1, maxBurst: 0 });
    await fetch(chat.mm.responseUrl('spend'), { method: 'POST', body: 'x' });
    const form = slashCommandForm({ text: 'help', userId: alice(), userName: 'alice', channelId: chat.general, token: 'scenario-command-token', responseUrl: chat.mm.responseUrl('help') });
    const res = await postForm(`${chat.url}/mattermost/command`, form);
    expect([res.status, res.contentType]).toEqual([200, 'application/json; charset=utf-8']);
    expect(res.json()).toMatchObject({ response_type: 'ephemeral', skip_slack_parsing: true, text: expect.stringContaining('/incident declare') });
    await chat.settled();
    // Nothing went to the response_url: the reply was in the answer.
    expect(chat.faults.arrivals.filter((a) => a.method === 'POST /hooks/commands/{id}')).toHaveLength(1);
    expect(chat.mm.commandAnswered('help', res)).toBeUndefined();
    expect(chat.mm.responses('help')).toHaveLength(1);
  });

  it('acknowledges a command whose reply needs a form at once, with an empty answer', async () => {
    const before = chat.mm.dialogsOpened().length;
    const form = slashCommandForm({ text: 'declare', userId: alice(), userName: 'alice', channelId: chat.general, token: 'scenario-command-token', responseUrl: chat.mm.responseUrl('form') });
    const res = await postForm(`${chat.url}/mattermost/command`, form);
    expect([res.status, res.json()]).toEqual([200, {}]);
    await chat.settled();
    expect(chat.mm.dialogsOpened()).toHaveLength(before + 1);
  });

  it('refuses a click whose context sitroom did not sign', async () => {
    await chat.command('declare sev2 Checkout latency spike');
    const card = chat.mm.postsIn((await chat.sitroom().service.get(1)).room?.channelId ?? '')[0];
    for (const context of [{ button: 'claim_commander', value: 1 }, { button: 'claim_commander', value: 1, sig: 'forged' }, { button: 'claim_commander', value: 2, sig: 'x' }]) {
      const body = postActionRequest({ userId: fakeMattermostId('mallory'), userName: 'mallory', channelId: chat.general, postId: card?.id ?? '', context });
      const res = await postJson(`${chat.url}/mattermost/actions`, body);
      expect([res.status, res.json()]).toEqual([200, { ephemeral_text: expect.stringContaining('bad signature') }]);
    }
    expect((await chat.sitroom().service.get(1)).roles).toEqual({});
  });

  it('refuses a dialog submission whose state sitroom did not sign', async () => {
    const state = JSON.stringify({ form: 'update', incident: 1, sig: 'forged' });
    const body = dialogSubmission({ callbackId: 'sitroom_update', state, userId: alice(), channelId: chat.general, submission: { update: 'pwned' } });
    const res = await postJson(`${chat.url}/mattermost/dialogs`, body);
    expect([res.status, res.json()]).toEqual([200, { error: expect.stringContaining('bad signature') }]);
  });

  it('looks up @mentions Mattermost did not resolve in the request', async () => {
    await chat.command('declare sev2 Checkout latency spike');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    const form = slashCommandForm({ text: 'ic @bob', userId: alice(), userName: 'alice', channelId: room, token: 'scenario-command-token', responseUrl: chat.mm.responseUrl('ic') });
    await postForm(`${chat.url}/mattermost/command`, form);
    expect(((await chat.mm.waitForResponse('ic')) as { text: string }).text).toContain('Role assigned: @bob');
    expect(chat.mm.callsTo('POST', '/users/usernames')).toHaveLength(1);
    expect((await chat.sitroom().service.get(1)).roles['commander']).toBe(chat.user('bob'));
  });

  it('waits out Mattermost’s rate limiter (429 with Retry-After) in the outbox instead of losing the post', async () => {
    chat.mm.rateLimitNext('POST', '/api/v4/posts', 3);
    await chat.command('declare sev2 Rate limited');
    await chat.deliverAll();
    const posts = chat.mm.calls.filter((c) => c.method === 'POST' && c.path === '/api/v4/posts');
    expect(posts[0]?.status).toBe(429);
    expect(posts.slice(1).every((c) => c.status === 201)).toBe(true);
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    expect(chat.pinned(room)).toHaveLength(1);
    // The retry came no sooner than the 3 s the server asked for (on the test's clock: the outbox held the row).
    const [limited, retried] = chat.faults.arrivals.filter((a) => a.method === 'POST /posts');
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(3_000);
  });

  it('posts once when a post’s answer is lost: the retry carries the same pending_post_id and the server returns the first post', async () => {
    chat.mm.loseAnswerNext('POST', '/api/v4/posts');
    await chat.command('declare sev2 Answer lost');
    await chat.deliverAll();
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    const creates = chat.mm.calls.filter((c) => c.method === 'POST' && c.path === '/api/v4/posts' && (c.body as { channel_id?: string }).channel_id === room);
    expect(creates).toHaveLength(2);
    const ids = creates.map((c) => (c.body as { pending_post_id?: string }).pending_post_id);
    expect(ids[0]).toMatch(/^sitroom-outbox-\d+$/);
    expect(ids[1]).toBe(ids[0]);
    expect(chat.messages(room)).toHaveLength(1);
    expect(chat.pinned(room)).toEqual([chat.messages(room)[0]?.id]);
  });

  it('posts twice when the retry comes after the server forgot the pending_post_id (30 s): the window sitroom cannot close', async () => {
    chat.mm.loseAnswerNext('POST', '/api/v4/posts');
    await chat.command('declare sev2 Answer lost late');
    chat.clock.advance(PENDING_POST_IDS_TTL_MS + 1);
    await chat.deliverAll();
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    expect(chat.messages(room)).toHaveLength(2);
  });

  it('keeps war-room names within Mattermost’s 64 characters', async () => {
    await chat.command(`declare sev2 ${'checkout latency '.repeat(11)}`);
    const name = chat.created()[0]?.name ?? '';
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^inc-1-checkout-latency-[a-z-]*[a-z]$/);
  });

  it('links war rooms by the team’s name even when MATTERMOST_TEAM is its id', async () => {
    const byId = await MattermostDriver.start({ MATTERMOST_TEAM: chat.mm.team.id });
    try {
      await byId.command('declare sev2 Checkout latency spike');
      const res = await fetch(`${byId.url}/api/incidents/1`);
      const room = (await byId.sitroom().service.get(1)).room;
      const { warRoom } = (await res.json()) as { warRoom: { url: string } };
      expect(warRoom.url).toBe(`${byId.mm.url}/${byId.mm.team.name}/channels/${room?.channelName ?? ''}`);
    } finally {
      await byId.stop();
    }
  });
});

describe('a Mattermost server that does not answer', () => {
  it('does not stop sitroom; its health says unreachable', async () => {
    const port = await freePort();
    const app = new SitroomUnderTest({
      MATTERMOST_URL: `http://127.0.0.1:${await freePort()}`,
      MATTERMOST_BOT_TOKEN: 'mm-bot-token',
      MATTERMOST_TEAM: 'sitroom',
      MATTERMOST_COMMAND_TOKEN: 'command-token',
      MATTERMOST_ANNOUNCE_CHANNEL: 'incidents',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
    });
    try {
      await app.start();
      expect(app.sitroom.chatHealth()).toEqual({ mattermost: 'unreachable' });
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    } finally {
      await app.stop();
    }
  });
});
