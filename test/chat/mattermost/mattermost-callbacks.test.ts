/**
 * Issue 9: who may act through Mattermost's callbacks. Mattermost signs neither clicks nor dialog submissions, so
 * sitroom's own signed context and dialog state are the only proof; these tests replay and forge them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeMattermostId } from '../../fakes/fake-mattermost-api.ts';
import { actionClick, dialogSubmission, postActionRequest, postForm, postJson, slashCommandForm } from '../../fakes/mattermost-requests.ts';
import { randomMattermostId } from '../../fakes/mattermost/ids.ts';
import { mattermostDialog } from '../../../src/chat/mattermost/mattermost-dialogs.ts';
import { declareForm, updateForm } from '../../../src/chat/forms.ts';
import { dialogProblems } from '../../fakes/mattermost/dialog-rules.ts';
import { MattermostDriver } from '../scenarios/mattermost-driver.ts';

let chat: MattermostDriver;
beforeEach(async () => {
  chat = await MattermostDriver.start();
});
afterEach(async () => {
  await chat?.stop();
});

const openedState = (callbackId: string) => String([...chat.mm.dialogsOpened()].reverse().find((d) => d.dialog['callback_id'] === callbackId)?.dialog['state']);
const submit = (callbackId: string, state: string, userId: string, submission: Record<string, unknown>) =>
  postJson(`${chat.url}/mattermost/dialogs`, dialogSubmission({ callbackId, state, userId, channelId: chat.general, submission }));

describe('Mattermost request bodies', () => {
  it('answers 413 to a slash command over 256 KB, before buffering it', async () => {
    const form = slashCommandForm({ text: 'x'.repeat(300 * 1024), userId: chat.user('alice'), userName: 'alice', channelId: chat.general, token: 'scenario-command-token', responseUrl: chat.mm.responseUrl('big') });
    const res = await postForm(`${chat.url}/mattermost/command`, form);
    expect(res.status).toBe(413);
  });

  it('answers 413 to an oversized action or dialog body', async () => {
    for (const path of ['actions', 'dialogs']) {
      const res = await postJson(`${chat.url}/mattermost/${path}`, { pad: 'x'.repeat(300 * 1024) });
      expect(res.status).toBe(413);
    }
  });

  it('answers a non-string dialog state with a readable error, not a 500', async () => {
    const res = await postJson(`${chat.url}/mattermost/dialogs`, { callback_id: 'sitroom_declare', state: 42, user_id: chat.user('alice'), submission: {} });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ error: expect.stringContaining('not opened by this sitroom') });
  });
});

describe('dialog state', () => {
  it('cannot be replayed: a second submission of the same declare dialog declares nothing', async () => {
    await chat.commandOpensForm('declare');
    const state = openedState('sitroom_declare');
    expect((await submit('sitroom_declare', state, chat.user('alice'), { title: 'Checkout down', severity: 'sev2' })).status).toBe(200);
    await chat.settled();
    const again = await submit('sitroom_declare', state, chat.user('alice'), { title: 'Checkout down again', severity: 'sev2' });
    await chat.settled();
    expect([again.status, again.json()]).toEqual([200, { error: expect.stringContaining('already been submitted') }]);
    expect((await chat.sitroom().service.listOpen()).map((i) => i.title)).toEqual(['Checkout down']);
  });

  it('is bound to the user it was opened for', async () => {
    await chat.commandOpensForm('declare');
    const res = await submit('sitroom_declare', openedState('sitroom_declare'), chat.user('bob'), { title: 'Not mine', severity: 'sev2' });
    await chat.settled();
    expect([res.status, res.json()]).toEqual([200, { error: expect.stringContaining('opened for someone else') }]);
    expect(await chat.sitroom().service.listOpen()).toEqual([]);
  });

  it('expires', async () => {
    await chat.commandOpensForm('declare');
    chat.clock.advance(2 * 60 * 60 * 1000);
    const res = await submit('sitroom_declare', openedState('sitroom_declare'), chat.user('alice'), { title: 'Late', severity: 'sev2' });
    await chat.settled();
    expect([res.status, res.json()]).toEqual([200, { error: expect.stringContaining('expired') }]);
    expect(await chat.sitroom().service.listOpen()).toEqual([]);
  });

  it('a forged state is answered 200 with the error, since Mattermost drops the body of any other status', async () => {
    const state = JSON.stringify({ form: 'update', incident: 1, sig: 'forged' });
    const res = await submit('sitroom_update', state, chat.user('alice'), { update: 'pwned' });
    expect([res.status, res.json()]).toEqual([200, { error: expect.stringContaining('not opened by this sitroom') }]);
  });
});

/** The war room's card and the context its Claim commander button carries, as a click would send it back. */
function claimButton(room: string) {
  const card = chat.mm.postsIn(room)[0];
  const actions = (card?.props['attachments'] as { actions: { integration: { context: Record<string, unknown> } }[] }[])[0]?.actions ?? [];
  return { card, context: actions.map((a) => a.integration.context).find((c) => c['button'] === 'claim_commander') ?? {} };
}

describe('button context', () => {
  it('is bound to its channel: a click replayed from another channel changes nothing', async () => {
    await chat.command('declare sev2 Checkout latency spike');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    const { card, context } = claimButton(room);
    const body = postActionRequest({ userId: chat.user('bob'), userName: 'bob', channelId: chat.general, postId: card?.id ?? '', context });
    const res = await postJson(`${chat.url}/mattermost/actions`, body);
    await chat.settled();
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ ephemeral_text: expect.stringContaining('not made by this sitroom') });
    expect((await chat.sitroom().service.get(1)).roles).toEqual({});
  });

  it('acts only for someone who can see the war room (not a user from outside the team)', async () => {
    await chat.command('declare sev2 Checkout latency spike');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    const outsider = fakeMattermostId('mallory');
    chat.mm.addUser(outsider, 'mallory', { inTeam: false });
    const { card, context } = claimButton(room);
    const body = postActionRequest({ userId: outsider, userName: 'mallory', channelId: room, postId: card?.id ?? '', context });
    const res = await postJson(`${chat.url}/mattermost/actions`, body);
    await chat.settled();
    expect([res.status, res.json()]).toEqual([200, {}]);
    expect(chat.mm.ephemeralPosts(outsider).map((e) => e.post['message'])).toEqual([expect.stringContaining('not a member')]);
    expect((await chat.sitroom().service.get(1)).roles).toEqual({});
  });
});

describe('the clicked post', () => {
  const click = (userId: string, postId: string, button = 'claim_commander') =>
    postJson(`${chat.url}/mattermost/actions`, actionClick(chat.mm, { userId, userName: 'someone', postId, button }));
  const repliesTo = (userId: string) => chat.mm.ephemeralPosts(userId).map((e) => String(e.post['message']));

  it('must be sitroom’s: a channel member’s own post carrying a copy of the card’s buttons changes nothing', async () => {
    await chat.command('declare sev2 Checkout latency spike');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    const alice = chat.user('alice');
    expect(chat.mm.membersOf(room)).toContain(alice);
    const { card } = claimButton(room);
    // POST /api/v4/posts by alice herself: the server keeps her attachments, sitroom's URL and signed context included.
    const forged = chat.mm.postAs(alice, room, 'Totally the incident card', { props: { attachments: card?.props['attachments'] } });
    const res = await click(alice, forged);
    await chat.settled();
    expect([res.status, res.json()]).toEqual([200, {}]);
    expect(repliesTo(alice)).toEqual([expect.stringContaining('not on a message sitroom posted')]);
    expect((await chat.sitroom().service.get(1)).roles).toEqual({});
    // The same button on sitroom's own card still works.
    await click(alice, card?.id ?? '');
    await chat.settled();
    expect((await chat.sitroom().service.get(1)).roles['commander']).toBe(alice);
  });

  it('is read once for a burst of clicks on one card', async () => {
    await chat.command('declare sev2 Checkout latency spike');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    const { card } = claimButton(room);
    for (const button of ['claim_commander', 'claim_comms', 'claim_commander']) await click(chat.user('alice'), card?.id ?? '', button);
    await chat.settled();
    expect(chat.mm.calls.filter((c) => c.method === 'GET' && c.path === `/api/v4/posts/${card?.id ?? ''}`)).toHaveLength(1);
    expect((await chat.sitroom().service.get(1)).roles).toEqual({ commander: chat.user('alice'), comms: chat.user('alice') });
  });

  it('that Mattermost cannot be asked about just now refuses the click with “try again”, and acts on the next', async () => {
    await chat.command('declare sev2 Checkout latency spike');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    const { card } = claimButton(room);
    chat.mm.failNext('GET', `/api/v4/posts/${card?.id ?? ''}`, 503, 'api.context.server_busy.app_error');
    expect((await click(chat.user('alice'), card?.id ?? '')).status).toBe(200);
    await chat.settled();
    expect(repliesTo(chat.user('alice'))).toEqual([expect.stringContaining('try again')]);
    expect((await chat.sitroom().service.get(1)).roles).toEqual({});
    await click(chat.user('alice'), card?.id ?? '');
    await chat.settled();
    expect((await chat.sitroom().service.get(1)).roles['commander']).toBe(chat.user('alice'));
  });

  it('that is not stored is refused for a card’s button (only an ephemeral message’s buttons live in no post)', async () => {
    await chat.command('declare sev2 Checkout latency spike');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    const { context } = claimButton(room);
    const body = postActionRequest({ userId: chat.user('alice'), userName: 'alice', channelId: room, postId: randomMattermostId(), context });
    expect((await postJson(`${chat.url}/mattermost/actions`, body)).status).toBe(200);
    await chat.settled();
    expect(repliesTo(chat.user('alice'))).toEqual([expect.stringContaining('not on a message sitroom posted')]);
    expect((await chat.sitroom().service.get(1)).roles).toEqual({});
  });
});

describe('buttons of an ephemeral message', () => {
  /** `/incident status` in the war room: its answer, an ephemeral post for the user who typed it, carries the card's buttons. */
  async function statusButtons(person: 'alice' | 'bob', room: string) {
    const id = `status-${person}`;
    const form = slashCommandForm({ text: 'status', userId: chat.user(person), userName: person, channelId: room, token: 'scenario-command-token', responseUrl: chat.mm.responseUrl(id) });
    expect(chat.mm.commandAnswered(id, await postForm(`${chat.url}/mattermost/command`, form))).toBeUndefined();
    const answer = (await chat.mm.waitForResponse(id)) as { attachments?: { actions?: { integration: { context: Record<string, unknown> } }[] }[] };
    return (answer.attachments?.[0]?.actions ?? []).map((a) => a.integration.context);
  }
  /** The click as the server sends it for an ephemeral post: the post comes from the PostActionCookie, GET /posts/{id} is 404. */
  const clickEphemeral = (person: 'alice' | 'bob', room: string, context: Record<string, unknown>) =>
    postJson(`${chat.url}/mattermost/actions`, postActionRequest({ userId: chat.user(person), userName: person, channelId: room, postId: randomMattermostId(), context }));

  it('work for the user they were shown to', async () => {
    await chat.command('declare sev2 Checkout latency spike');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    const claim = (await statusButtons('alice', room)).find((c) => c['button'] === 'claim_commander') ?? {};
    expect(claim['user']).toBe(chat.user('alice'));
    const res = await clickEphemeral('alice', room, claim);
    await chat.settled();
    expect([res.status, res.json()]).toEqual([200, {}]);
    expect((await chat.sitroom().service.get(1)).roles['commander']).toBe(chat.user('alice'));
  });

  it('do nothing for another user, even a member of the channel', async () => {
    await chat.command('declare sev2 Checkout latency spike');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    chat.mm.join(chat.user('bob'), room);
    expect(chat.mm.membersOf(room)).toContain(chat.user('bob'));
    const claim = (await statusButtons('alice', room)).find((c) => c['button'] === 'claim_commander') ?? {};
    const res = await clickEphemeral('bob', room, claim);
    await chat.settled();
    expect([res.status, res.json()]).toEqual([200, { ephemeral_text: expect.stringContaining('shown to someone else') }]);
    // Nor with the binding taken off or changed: the signature covers it.
    for (const context of [{ ...claim, user: undefined }, { ...claim, user: chat.user('bob') }]) {
      const forged = await clickEphemeral('bob', room, context);
      expect(forged.json()).toEqual({ ephemeral_text: expect.stringContaining('bad signature') });
    }
    await chat.settled();
    expect((await chat.sitroom().service.get(1)).roles).toEqual({});
  });
});

describe('the acting user', () => {
  it('must exist: a click in the name of an id Mattermost does not know changes nothing', async () => {
    await chat.command('declare sev2 Checkout latency spike');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    const { card, context } = claimButton(room);
    const ghost = fakeMattermostId('nobody-at-all');
    const body = postActionRequest({ userId: ghost, userName: 'alice', channelId: room, postId: card?.id ?? '', context });
    const res = await postJson(`${chat.url}/mattermost/actions`, body);
    await chat.settled();
    expect([res.status, res.json()]).toEqual([200, {}]);
    expect((await chat.sitroom().service.get(1)).roles).toEqual({});
  });
});

describe('answering Mattermost in time', () => {
  /** Mattermost gives up on an integration after OutgoingIntegrationRequestsTimeout; sitroom must not come near it. */
  const SLOW_API_MS = 1200;

  it('answers a click at once even when the Mattermost API is slow, and tells the outcome in an ephemeral post', async () => {
    await chat.command('declare sev2 Checkout latency spike');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    chat.mm.latencyMs = SLOW_API_MS;
    chat.mm.integrationTimeoutMs = 1000;
    const res = await chat.sendClick('claim_commander', 1, { in: room });
    chat.mm.latencyMs = 0;
    expect([res.status, res.shown]).toEqual([200, {}]);
    expect(res.ms).toBeLessThan(1000);
    await chat.settled();
    expect((await chat.sitroom().service.get(1)).roles['commander']).toBe(chat.user('alice'));
    expect(chat.mm.ephemeralPosts(chat.user('alice')).map((e) => e.post['message'])).toEqual([expect.stringContaining('incident commander')]);
  });

  it('answers a dialog submission at once even when the Mattermost API is slow', async () => {
    await chat.commandOpensForm('declare');
    chat.mm.latencyMs = SLOW_API_MS;
    const res = await submit('sitroom_declare', openedState('sitroom_declare'), chat.user('alice'), { title: 'Checkout down', severity: 'sev2' });
    chat.mm.latencyMs = 0;
    expect([res.status, res.ms < 1000]).toEqual([200, true]);
    await chat.settled();
    expect((await chat.sitroom().service.listOpen()).map((i) => i.title)).toEqual(['Checkout down']);
  });
});

describe('what Mattermost accepts', () => {
  it('opens only dialogs that pass Dialog.IsValid (title, display names, lengths)', async () => {
    await chat.commandOpensForm('declare');
    expect(chat.mm.dialogsOpened().map((d) => d.problems)).toEqual([[]]);
    expect(dialogProblems(mattermostDialog(updateForm(123_456), 'state'))).toEqual([]);
    expect(dialogProblems(mattermostDialog(declareForm(), 'state'))).toEqual([]);
  });

  it('keeps Mattermost from reading Slack-style links into command replies (skip_slack_parsing)', async () => {
    await chat.command('declare sev2 <https://evil.example|Click to fix checkout>');
    const reply = await chat.command('list');
    expect(reply).toContain('<https://evil.example|Click to fix checkout>');
    expect(reply).not.toContain('](https://evil.example');
  });
});

describe('MATTERMOST_ALLOWED_SOURCES', () => {
  it('refuses callers outside the listed blocks, on every Mattermost route', async () => {
    const limited = await MattermostDriver.start({ MATTERMOST_ALLOWED_SOURCES: '10.0.0.0/8, fd00::/8' });
    try {
      const form = slashCommandForm({ text: 'declare sev1 from outside', userId: limited.user('alice'), userName: 'alice', channelId: limited.general, token: 'scenario-command-token', responseUrl: limited.mm.responseUrl('x') });
      expect((await postForm(`${limited.url}/mattermost/command`, form)).status).toBe(403);
      for (const path of ['actions', 'dialogs']) expect((await postJson(`${limited.url}/mattermost/${path}`, {})).status).toBe(403);
      await limited.settled();
      expect(await limited.sitroom().service.listOpen()).toEqual([]);
    } finally {
      await limited.stop();
    }
  });

  it('lets listed callers in', async () => {
    const limited = await MattermostDriver.start({ MATTERMOST_ALLOWED_SOURCES: '127.0.0.0/8' });
    try {
      expect(await limited.command('declare sev2 From inside')).toContain('Declared incident #1');
    } finally {
      await limited.stop();
    }
  });
});
