import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
// @mattermost/client is CommonJS whose Client4 export is a getter Node's ESM loader cannot see: in native ESM
// (node, tsx) only the default import works. `import { ClientError } from '@mattermost/client'` would work; Client4 not.
import mattermostClient from '@mattermost/client';
import { FAKE_MATTERMOST, FakeMattermostApi, fakeMattermostId, makeTriggerId, parseMultipart, PENDING_POST_IDS_TTL_MS } from './fake-mattermost-api.ts';
import { MATTERMOST_RATE_LIMIT } from './platform-faults.ts';
import { actionClick, dialogSubmission, postActionRequest, postForm, postJson, slashCommandForm } from './mattermost-requests.ts';

const { Client4, ClientError } = mattermostClient;

/** Client4 has no openInteractiveDialog, and doFetch is `protected` in its typings: a subclass is the way in. */
class SitroomClient extends Client4 {
  openInteractiveDialog(request: { trigger_id: string; url: string; dialog: Record<string, unknown> }): Promise<{ status: string }> {
    return this.doFetch(`${this.getBaseRoute()}/actions/dialogs/open`, { method: 'post', body: JSON.stringify(request) });
  }
}

const alice = fakeMattermostId('alice');
const bob = fakeMattermostId('bob');
const dialog = { callback_id: 'declare', title: 'Declare incident', elements: [{ display_name: 'Title', name: 'title', type: 'text' }] };

/** POST /api/v4/files with a non-multipart body (the server's uploadFileSimple). */
async function postFile(baseUrl: string, query: string, body: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${baseUrl}/api/v4/files?${query}`, {
    method: 'POST',
    headers: { Authorization: 'Bearer bot-token', 'Content-Type': 'text/plain' },
    body,
  });
  return { status: res.status, json: await res.json() };
}

/** The rejection of a Client4 call, checked to be a ClientError. */
async function clientError(call: Promise<unknown>): Promise<InstanceType<typeof ClientError>> {
  const err: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClientError);
  return err as InstanceType<typeof ClientError>;
}

describe('FakeMattermostApi driven by the real Client4', () => {
  let fake: FakeMattermostApi;
  let client: SitroomClient;

  beforeAll(async () => {
    fake = await FakeMattermostApi.start();
    client = new SitroomClient();
    client.setUrl(fake.url);
    client.setToken('bot-token');
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.addUser(alice, 'alice');
    fake.addUser(bob, 'bob');
  });

  it('answers getMe with the bot as a parsed JSON object, and sees what Client4 sends', async () => {
    const me = await client.getMe();
    expect(typeof me).toBe('object');
    expect(me).toMatchObject({ id: fake.botUserId, username: 'sitroom', is_bot: true });
    const [call] = fake.callsTo('GET', '/users/me');
    // Client4 spells the scheme in capitals and always adds X-Requested-With.
    expect(call?.headers.authorization).toBe('BEARER bot-token');
    expect(call?.headers['x-requested-with']).toBe('XMLHttpRequest');
    expect(call?.token).toBe('bot-token');
    expect(client.getServerVersion()).toBe(FAKE_MATTERMOST.serverVersion);
  });

  it('creates channels and refuses taken or invalid names with the server error ids', async () => {
    const team_id = fake.team.id;
    const created = await client.createChannel({ team_id, name: 'inc-1-db-down', display_name: 'INC-1 DB down', type: 'P' });
    expect(created).toMatchObject({ name: 'inc-1-db-down', type: 'P', team_id: fake.team.id, creator_id: fake.botUserId });
    expect(created.id).toMatch(/^[a-z0-9]{26}$/);
    expect(fake.channelNamed('inc-1-db-down')?.members).toEqual([fake.botUserId]);

    const taken = await clientError(client.createChannel({ team_id, name: 'inc-1-db-down', display_name: 'again', type: 'O' }));
    expect(taken).toMatchObject({ server_error_id: 'store.sql_channel.save_channel.exists.app_error', status_code: 400 });
    expect(taken.message).toBe('A channel with that name already exists on the same team.');

    const invalid = await clientError(client.createChannel({ team_id, name: 'Inc_1', display_name: 'x', type: 'O' }));
    expect(invalid).toMatchObject({ server_error_id: 'model.channel.is_valid.1_or_more.app_error', status_code: 400 });
    const tooLong = await clientError(client.createChannel({ team_id, name: 'a'.repeat(65), display_name: 'x', type: 'O' }));
    expect(tooLong.server_error_id).toBe('model.channel.is_valid.name.app_error');
    const noDisplayName = await clientError(client.createChannel({ team_id, name: 'inc-2', display_name: '', type: 'O' }));
    expect(noDisplayName).toMatchObject({
      server_error_id: 'api.context.invalid_body_param.app_error',
      message: 'Invalid or missing display_name in request body.',
    });

    expect(await client.getChannelByName(fake.team.id, 'inc-1-db-down')).toMatchObject({ id: created.id });
    expect(fake.callsTo('GET', '/teams')[0]?.query).toEqual({ include_deleted: 'false' });
    const missing = await clientError(client.getChannelByName(fake.team.id, 'nope'));
    expect(missing).toMatchObject({ server_error_id: 'app.channel.get_by_name.missing.app_error', status_code: 404 });
  });

  it('adds members (again is fine), and stores headers up to 1024 runes', async () => {
    const channel = fake.addChannel({ name: 'inc-7' }).id;
    const member = await client.addToChannel(alice, channel);
    expect(member).toMatchObject({ channel_id: channel, user_id: alice, roles: 'channel_user' });
    await client.addToChannel(alice, channel);
    expect(fake.callsTo('POST', `/channels/${channel}/members`).map((c) => c.status)).toEqual([201, 201]);
    expect(fake.callsTo('POST', `/channels/${channel}/members`)[0]?.body).toEqual({ user_id: alice, channel_id: channel, post_root_id: '' });
    expect(fake.membersOf(channel)).toEqual([fake.botUserId, alice]);
    const nobody = await clientError(client.addToChannel(fakeMattermostId('nobody'), channel));
    expect(nobody).toMatchObject({ server_error_id: 'app.user.missing_account.const', status_code: 404 });

    const patched = await client.patchChannel(channel, { header: 'SEV1 | commander @alice' });
    expect(patched.header).toBe('SEV1 | commander @alice');
    expect(fake.headerOf(channel)).toBe('SEV1 | commander @alice');
    await client.patchChannel(channel, { header: '🔥'.repeat(1024) });
    const tooLong = await clientError(client.patchChannel(channel, { header: '🔥'.repeat(1025) }));
    expect(tooLong).toMatchObject({ server_error_id: 'model.channel.is_valid.header.app_error', status_code: 400 });
    expect(fake.headerOf(channel)).toBe('🔥'.repeat(1024));
  });

  it('creates, patches, updates and pins posts with attachments', async () => {
    const channel = fake.addChannel({ name: 'inc-8' }).id;
    const action = { name: 'Acknowledge', type: 'button', integration: { url: 'http://bot/actions', context: { action: 'ack', incident: 8 } } };
    const attachments = [{ fallback: 'INC-8', color: '#ff0000', title: 'INC-8 DB down', actions: [action] }];

    const posted = await client.createPost({ channel_id: channel, message: 'INC-8 declared', props: { attachments } });
    expect(posted).toMatchObject({ channel_id: channel, user_id: fake.botUserId, message: 'INC-8 declared', is_pinned: false });
    expect(posted.id).toMatch(/^[a-z0-9]{26}$/);
    // Like Post.EncodeJSON: actions get an id, and their integration (url, context) never goes back to clients.
    const sentAction = (posted.props.attachments as { actions: Record<string, unknown>[] }[])[0]?.actions[0];
    expect(sentAction).toMatchObject({ name: 'Acknowledge', id: expect.stringMatching(/^[a-z0-9]{26}$/) });
    expect(sentAction).not.toHaveProperty('integration');
    expect(fake.postsIn(channel)[0]?.props).toMatchObject({ from_bot: 'true', attachments: [{ actions: [{ integration: action.integration }] }] });

    const patched = await client.patchPost({ id: posted.id, message: 'INC-8 acknowledged' });
    expect(patched).toMatchObject({ id: posted.id, message: 'INC-8 acknowledged' });
    expect(patched.edit_at).toBeGreaterThan(0);
    expect(await client.pinPost(posted.id)).toEqual({ status: 'OK' });
    expect(fake.pinnedIn(channel)).toEqual([posted.id]);
    expect(fake.postsIn(channel)).toMatchObject([{ id: posted.id, message: 'INC-8 acknowledged', isPinned: true, props: { attachments } }]);

    // PUT /posts/{id} replaces everything, is_pinned included: an update that leaves it out unpins the post.
    await client.updatePost({ ...patched, message: 'INC-8 resolved', is_pinned: undefined as unknown as boolean });
    expect(fake.post(posted.id)).toMatchObject({ message: 'INC-8 resolved', isPinned: false });
    expect(fake.pinnedIn(channel)).toEqual([]);

    const unknown = await clientError(client.patchPost({ id: fakeMattermostId('gone'), message: 'x' }));
    expect(unknown).toMatchObject({ server_error_id: 'api.context.permissions.app_error', status_code: 403 });
    const notInChannel = fake.addChannel({ name: 'war-room', botIsMember: false }).id;
    expect((await clientError(client.createPost({ channel_id: notInChannel, message: 'hi' }))).status_code).toBe(403);

    const ephemeral = await client.createPostEphemeral(alice, { channel_id: channel, message: 'only you' });
    expect(ephemeral).toMatchObject({ type: 'system_ephemeral', user_id: fake.botUserId, message: 'only you' });
    expect(fake.ephemeralPosts(alice)).toHaveLength(1);
  });

  it('sends a click with the clicked post’s own context and channel; an ephemeral post is not stored (GET 404)', async () => {
    const channel = fake.addChannel({ name: 'inc-9', members: [alice, bob] }).id;
    const action = { name: 'Ack', type: 'button', integration: { url: 'http://bot/actions', context: { button: 'ack', value: 9 } } };
    const posted = await client.createPost({ channel_id: channel, message: 'card', props: { attachments: [{ actions: [action] }] } });
    expect(actionClick(fake, { userId: bob, userName: 'bob', postId: posted.id, button: 'ack' })).toMatchObject({ channel_id: channel, post_id: posted.id, type: 'button', context: action.integration.context });
    // A member's own post may carry a copy of the bot's action: the click then comes from that post.
    const copy = fake.postAs(bob, channel, 'copy', { props: { attachments: [{ actions: [action] }] } });
    expect(fake.post(copy)).toMatchObject({ userId: bob, props: { attachments: [{ actions: [{ id: expect.stringMatching(/^[a-z0-9]{26}$/), integration: action.integration }] }] } });
    expect((await client.getPost(copy)).user_id).toBe(bob);
    // An ephemeral post: clickable by the user it was shown to only (the webapp's PostActionCookie), and not stored.
    const ephemeral = await client.createPostEphemeral(alice, { channel_id: channel, message: 'only you', props: { attachments: [{ actions: [action] }] } } as never);
    expect(actionClick(fake, { userId: alice, userName: 'alice', postId: ephemeral.id, button: 'ack' })).toMatchObject({ channel_id: channel, post_id: ephemeral.id, context: action.integration.context });
    expect(() => actionClick(fake, { userId: bob, userName: 'bob', postId: ephemeral.id, button: 'ack' })).toThrow(/no post/);
    expect(await clientError(client.getPost(ephemeral.id))).toMatchObject({ server_error_id: 'app.post.get.app_error', status_code: 404 });
  });

  it('takes uploads as Client4.uploadFile sends them, and attaches them through createPost file_ids', async () => {
    const channel = fake.addChannel({ name: 'inc-10' }).id;
    const markdown = '# Postmortem INC-10\n\nRoot cause: a config push 🔥\n';
    const form = new FormData();
    form.append('channel_id', channel);
    form.append('files', new Blob([markdown], { type: 'text/markdown' }), 'postmortem-10.md');

    const uploaded = await client.uploadFile(form);
    expect(uploaded.client_ids).toEqual([]);
    const [info] = uploaded.file_infos;
    const fileId = info?.id ?? '';
    expect(fileId).toMatch(/^[a-z0-9]{26}$/);
    // The MIME type comes from the extension (the part's own Content-Type is not used); size counts bytes.
    expect(info).toMatchObject({
      name: 'postmortem-10.md',
      extension: 'md',
      size: Buffer.byteLength(markdown),
      mime_type: 'text/markdown; charset=utf-8',
      channel_id: channel,
      user_id: fake.botUserId,
    });
    expect(info).not.toHaveProperty('post_id');
    const [call] = fake.callsTo('POST', '/files');
    expect(call).toMatchObject({ path: '/api/v4/files', query: {}, status: 201 });
    expect(call?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(fake.filesIn(channel)).toEqual([{ id: fileId, name: 'postmortem-10.md', content: markdown }]);

    // Ids that cannot be attached (here: no such file) are dropped without an error, as the server does.
    const post = await client.createPost({ channel_id: channel, message: 'Postmortem for INC-10', file_ids: [fileId, fakeMattermostId('nofile')] });
    expect(post.file_ids).toEqual([fileId]);
    expect(post.metadata.files).toMatchObject([{ id: fileId, post_id: post.id, channel_id: channel, name: 'postmortem-10.md' }]);
    expect(fake.post(post.id)?.fileIds).toEqual([fileId]);
    expect(fake.filesIn(channel)).toEqual([{ id: fileId, name: 'postmortem-10.md', content: markdown, postId: post.id }]);

    // A file belongs to one post: attaching it again is silently refused too.
    const again = await client.createPost({ channel_id: channel, message: 'again', file_ids: [fileId] });
    expect(again).not.toHaveProperty('file_ids');
    expect(fake.post(again.id)?.fileIds).toEqual([]);
  });

  it('refuses bad uploads with the server error ids, and takes the legacy and simple forms', async () => {
    const channel = fake.addChannel({ name: 'inc-11' }).id;
    const file = () => new Blob(['# PM\n'], { type: 'text/markdown' });
    const upload = (fields: [string, string | Blob, string?][]) => {
      const form = new FormData();
      for (const [name, value, filename] of fields) {
        if (typeof value === 'string') form.append(name, value);
        else form.append(name, value, filename);
      }
      return client.uploadFile(form);
    };

    // No channel_id at all: the legacy (buffered) parser asks for it as a body parameter.
    expect(await clientError(upload([['files', file(), 'pm.md']]))).toMatchObject({
      server_error_id: 'api.context.invalid_body_param.app_error',
      message: 'Invalid or missing channel_id in request body.',
      status_code: 400,
    });
    // An empty or malformed channel_id fails Context.RequireChannelId.
    const badId = await clientError(upload([['channel_id', 'town-square'], ['files', file(), 'pm.md']]));
    expect(badId).toMatchObject({ server_error_id: 'api.context.invalid_url_param.app_error', status_code: 400 });
    const notMember = fake.addChannel({ name: 'war-room', botIsMember: false }).id;
    expect((await clientError(upload([['channel_id', notMember], ['files', file(), 'pm.md']]))).status_code).toBe(403);
    const unknownField = await clientError(upload([['channel_id', channel], ['title', 'PM'], ['files', file(), 'pm.md']]));
    expect(unknownField.message).toBe('Invalid or missing title in request body.');
    const clientIds = await clientError(upload([['channel_id', channel], ['client_ids', 'a'], ['client_ids', 'b'], ['files', file(), 'pm.md']]));
    expect(clientIds).toMatchObject({
      server_error_id: 'api.file.upload_file.incorrect_number_of_client_ids.app_error',
      message: 'Unable to upload file(s). Have 2 client_ids for 1 files.',
    });
    // As on the server, the file was already stored when the count was found wrong: it stays, unattached.
    expect(fake.filesIn(channel).map((f) => f.name)).toEqual(['pm.md']);

    // The file before channel_id: legacy mode reads the whole form, and still uploads.
    const legacy = await upload([['files', file(), 'a.md'], ['channel_id', channel]]);
    expect(legacy.file_infos.map((f) => f.name)).toEqual(['a.md']);
    // client_ids, one per file, come back in order.
    const withIds = await upload([['channel_id', channel], ['client_ids', 'c1'], ['files', file(), 'b.md']]);
    expect(withIds.client_ids).toEqual(['c1']);
    // Not multipart: the "simple" upload, with channel_id and filename in the query string.
    const simple = await postFile(fake.url, `channel_id=${channel}&filename=c.txt`, 'plain text');
    expect(simple.status).toBe(201);
    expect(fake.filesIn(channel).map((f) => [f.name, f.content])).toEqual([
      ['pm.md', '# PM\n'],
      ['a.md', '# PM\n'],
      ['b.md', '# PM\n'],
      ['c.txt', 'plain text'],
    ]);
  });

  it('opens direct channels idempotently and looks users up', async () => {
    const dm = await client.createDirectChannel([fake.botUserId, alice]);
    const again = await client.createDirectChannel([alice, fake.botUserId]);
    expect(again.id).toBe(dm.id);
    expect(dm).toMatchObject({ type: 'D', team_id: '', name: [fake.botUserId, alice].sort().join('__') });
    expect(fake.membersOf(dm.id).sort()).toEqual([fake.botUserId, alice].sort());

    const profiles = await client.getProfilesByIds([alice, bob, fakeMattermostId('ghost')]);
    expect(profiles.map((u) => u.username)).toEqual(['alice', 'bob']);
    expect((await client.getProfilesByUsernames(['bob'])).map((u) => u.id)).toEqual([bob]);
    const aliceProfile = await client.getUserByUsername('alice');
    expect(aliceProfile).toMatchObject({ id: alice, username: 'alice' });
    expect(aliceProfile).not.toHaveProperty('is_bot'); // `is_bot,omitempty`
    const missing = await clientError(client.getUserByUsername('carol'));
    expect(missing).toMatchObject({ server_error_id: 'app.user.get_by_username.app_error', status_code: 404 });
    expect(await client.getTeamByName('sitroom-test')).toMatchObject({ id: fake.team.id, name: 'sitroom-test' });
    expect(await client.getTeam(fake.team.id)).toMatchObject({ display_name: 'Sitroom Test' });
  });

  it('opens dialogs once per fresh trigger id, without needing a session', async () => {
    const channelId = fakeMattermostId('town');
    const form = slashCommandForm({ text: '', userId: alice, userName: 'alice', channelId, token: 't', responseUrl: fake.responseUrl('h1') });
    const triggerId = new URLSearchParams(form.body).get('trigger_id') ?? '';
    expect(await client.openInteractiveDialog({ trigger_id: triggerId, url: 'http://bot/dialog', dialog })).toEqual({ status: 'OK' });
    expect(fake.dialogsOpened()).toMatchObject([{ triggerId, url: 'http://bot/dialog', userId: alice, dialog }]);

    const reused = await clientError(client.openInteractiveDialog({ trigger_id: triggerId, url: 'http://bot/dialog', dialog }));
    expect(reused).toMatchObject({ server_error_id: 'interactive_message.decode_trigger_id.expired', status_code: 400 });
    const expired = makeTriggerId(alice, Date.now() - 31_000);
    expect((await clientError(client.openInteractiveDialog({ trigger_id: expired, url: 'http://bot/d', dialog }))).message).toBe(
      'Trigger ID for interactive dialog is expired. Trigger IDs live for a maximum of 30s.',
    );
    const missing = await clientError(client.openInteractiveDialog({ trigger_id: '', url: 'http://bot/d', dialog }));
    expect(missing.server_error_id).toBe('interactive_message.decode_trigger_id.missing_data');
    const forgedId = Buffer.from(`a:${alice}:${Date.now()}:c`).toString('base64');
    const forged = await clientError(client.openInteractiveDialog({ trigger_id: forgedId, url: 'http://bot/d', dialog }));
    expect(forged.server_error_id).toBe('interactive_message.decode_trigger_id.verify_signature_failed');

    const anonymous = new SitroomClient();
    anonymous.setUrl(fake.url);
    const opened = anonymous.openInteractiveDialog({ trigger_id: makeTriggerId(bob), url: 'http://bot/d', dialog });
    await expect(opened).resolves.toEqual({ status: 'OK' });
  });

  it('answers 401 without a token and 404 for paths it does not serve', async () => {
    const anonymous = new Client4();
    anonymous.setUrl(fake.url);
    const unauthorized = await clientError(anonymous.getMe());
    expect(unauthorized).toMatchObject({ server_error_id: 'api.context.session_expired.app_error', status_code: 401 });
    const notFound = await clientError(client.getChannelStats(fakeMattermostId('x')));
    expect(notFound).toMatchObject({ server_error_id: 'api.context.404.app_error', status_code: 404 });
  });

  it('fails and rate-limits on demand; a 429 reaches Client4 as a ClientError without status', async () => {
    fake.failNext('POST', '/posts', 500, 'app.post.save.app_error');
    const failed = await clientError(client.createPost({ channel_id: fakeMattermostId('c'), message: 'x' }));
    expect(failed).toMatchObject({ server_error_id: 'app.post.save.app_error', status_code: 500 });

    fake.rateLimitNext('PUT', '/channels/{id}/patch', 2);
    const channel = fake.addChannel({ name: 'inc-9' }).id;
    const limited = await clientError(client.patchChannel(channel, { header: 'x' }));
    // Mattermost's rate limiter answers text/plain "limit exceeded": Client4 finds no JSON to read the error from.
    expect(limited).toMatchObject({ message: '', status_code: undefined, server_error_id: undefined });
    const [call] = fake.callsTo('PUT', `/channels/${channel}/patch`);
    expect(call).toMatchObject({ status: 429, response: 'limit exceeded\n' });
    await client.patchChannel(channel, { header: 'x' });
    expect(fake.headerOf(channel)).toBe('x');

    const res = await fetch(`${fake.url}/api/v4/users/me`, { headers: { Authorization: 'Bearer t' } });
    expect(res.headers.get('content-type')).toBe('application/json');
    fake.rateLimitNext('GET', /\/users\/me$/, 3);
    const limitedRaw = await fetch(`${fake.url}/api/v4/users/me`, { headers: { Authorization: 'Bearer t' } });
    expect([limitedRaw.status, limitedRaw.headers.get('x-ratelimit-reset'), limitedRaw.headers.get('retry-after')]).toEqual([429, '3', '3']);
  });

  it('waits for calls with a bounded timeout that lists what it saw', async () => {
    const waiting = fake.waitFor((c) => c.method === 'POST' && c.path === '/api/v4/posts');
    const post = client.createPost({ channel_id: fakeMattermostId('c'), message: 'hello' });
    expect((await waiting).body).toMatchObject({ message: 'hello' });
    await post;
    await expect(fake.waitFor((c) => c.path.endsWith('/pin'), 20)).rejects.toThrow(/timed out after 20ms.*\n.*POST \/api\/v4\/posts/);
  });

  it('collects response_url posts, parsed as Mattermost parses them, at most 5 per hook', async () => {
    const waiting = fake.waitForResponse('cmd-1');
    expect((await postJson(fake.responseUrl('cmd-1'), { response_type: 'ephemeral', text: 'ok' })).body).toBe('ok');
    expect(await waiting).toEqual({ response_type: 'ephemeral', text: 'ok' });
    const form = slashCommandForm({ text: 'x', userId: alice, userName: 'alice', channelId: 'c', token: 't', responseUrl: 'r' });
    await postForm(fake.responseUrl('cmd-1'), form);
    expect(fake.responses('cmd-1')[1]).toEqual({ text: form.body });
    for (let i = 0; i < 3; i++) await postJson(fake.responseUrl('cmd-1'), { text: `${i}` });
    const sixth = await postJson(fake.responseUrl('cmd-1'), { text: 'too many' });
    expect(sixth.status).toBe(400);
    expect(sixth.json()).toMatchObject({ id: 'web.command_webhook.general.app_error' });
    expect(fake.responses('cmd-1')).toHaveLength(5);
  });

  it('shows a slash command answer’s body as the server does: JSON or text, extra_responses too, nothing for an empty response, no response_url use spent', () => {
    const json = 'application/json; charset=utf-8';
    expect(fake.commandAnswered('a', { status: 200, contentType: json, body: '{}' })).toBeUndefined();
    expect(fake.responses('a')).toEqual([]);
    const body = JSON.stringify({ response_type: 'ephemeral', text: 'one', skip_slack_parsing: true, extra_responses: [{ response_type: 'ephemeral', text: 'two', skip_slack_parsing: true }] });
    expect(fake.commandAnswered('a', { status: 200, contentType: json, body })).toBeUndefined();
    expect(fake.responses('a').map((r) => (r as { text: string }).text)).toEqual(['one', 'two']);
    expect(fake.commandAnswered('b', { status: 200, contentType: 'text/plain', body: 'plain' })).toBeUndefined();
    expect(fake.responses('b')).toEqual([{ text: 'plain' }]);
    expect(fake.commandAnswered('c', { status: 500, contentType: null, body: '' })).toBe('api.command.execute_command.failed_resp.app_error');
    expect(fake.commandAnswered('c', { status: 200, contentType: json, body: 'not json' })).toBe('api.command.execute_command.failed.app_error');
  });
});

describe('parseMultipart', () => {
  const type = 'multipart/form-data; boundary="b0und"';

  it('splits parts byte-exactly, skipping preamble and epilogue, and decodes disposition parameters', () => {
    const binary = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x2d, 0x2d, 0x62, 0x0d, 0x0a]); // contains "\r\n--b" but not the boundary
    const body = Buffer.concat([
      Buffer.from('preamble\r\n--b0und  \r\nContent-Disposition: form-data; name="say \\"hi\\""\r\n\r\nhello\r\n'),
      Buffer.from("--b0und\r\ncontent-disposition: form-data; name=files; filename=\"x.md\"; filename*=UTF-8''r%C3%A9sum%C3%A9.md\r\n"),
      Buffer.from('Content-Type: application/octet-stream\r\n\r\n'),
      binary,
      Buffer.from('\r\n--b0und\r\n\r\nno headers\r\n--b0und--\r\nepilogue'),
    ]);
    const parsed = parseMultipart(type, body);
    expect(parsed.ok).toBe(true);
    const parts = parsed.ok ? parsed.parts : [];
    expect(parts.map((p) => [p.name, p.filename, p.contentType])).toEqual([
      ['say "hi"', undefined, undefined],
      ['files', 'résumé.md', 'application/octet-stream'],
      [undefined, undefined, undefined],
    ]);
    expect(parts[0]?.data.toString()).toBe('hello');
    expect(parts[1]?.data.equals(binary)).toBe(true);
    expect(parts[2]?.data.toString()).toBe('no headers');
  });

  it('reports malformed bodies instead of guessing', () => {
    expect(parseMultipart('multipart/form-data', Buffer.from('x'))).toMatchObject({ ok: false, error: /boundary/ });
    expect(parseMultipart(type, Buffer.from('--b0und\r\n\r\ncut short'))).toEqual({ ok: false, error: 'multipart: missing closing boundary' });
    expect(parseMultipart(type, Buffer.from('no delimiter at all'))).toEqual({ ok: false, error: 'multipart: no boundary found' });
    expect(parseMultipart('text/plain', Buffer.from(''))).toMatchObject({ ok: false });
  });
});

describe('mattermost-requests', () => {
  it('encodes slash commands like Go url.Values: sorted keys, repeated mention keys, Token auth', () => {
    const form = slashCommandForm({
      text: 'declare sev1 @alice @bob DB down!',
      userId: alice,
      userName: 'alice',
      channelId: fakeMattermostId('town'),
      token: 'cmd-token',
      responseUrl: 'http://mm/hooks/commands/h1',
      triggerId: 'trig',
      mentions: { alice, bob },
    });
    expect(form.headers).toEqual({
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: 'Token cmd-token',
      Accept: 'application/json',
    });
    const params = new URLSearchParams(form.body);
    expect([...new Set(params.keys())]).toEqual([
      'channel_id', 'channel_name', 'command', 'response_url', 'team_domain', 'team_id', 'text', 'token', 'trigger_id',
      'user_id', 'user_mentions', 'user_mentions_ids', 'user_name',
    ]);
    expect(params.getAll('user_mentions')).toEqual(['alice', 'bob']);
    expect(params.getAll('user_mentions_ids')).toEqual([alice, bob]);
    expect(params.get('text')).toBe('declare sev1 @alice @bob DB down!');
    expect(form.body).toContain('text=declare+sev1+%40alice+%40bob+DB+down%21&');
    expect(params.get('command')).toBe('/incident');
    expect(params.get('team_id')).toBe(FAKE_MATTERMOST.teamId);
  });

  it('builds action and dialog bodies with the server struct fields', () => {
    const action = postActionRequest({ userId: alice, userName: 'alice', channelId: 'c1', postId: 'p1', context: { action: 'ack' } });
    expect(Object.keys(action)).toEqual([
      'user_id', 'user_name', 'channel_id', 'channel_name', 'team_id', 'team_domain', 'post_id', 'trigger_id', 'type', 'data_source', 'context',
    ]);
    expect(action).toMatchObject({ type: '', data_source: '', team_domain: 'sitroom-test', context: { action: 'ack' } });
    expect(postActionRequest({ userId: alice, userName: 'alice', channelId: 'c', postId: 'p', context: {} })).not.toHaveProperty('context');

    expect(dialogSubmission({ callbackId: 'declare', state: 's', userId: alice, channelId: 'c1', submission: { title: 'DB down' } })).toEqual({
      type: 'dialog_submission',
      callback_id: 'declare',
      state: 's',
      user_id: alice,
      channel_id: 'c1',
      team_id: FAKE_MATTERMOST.teamId,
      submission: { title: 'DB down' },
      cancelled: false,
    });
    expect(dialogSubmission({ callbackId: 'declare', state: 's', userId: alice, channelId: 'c1', cancelled: true })).toMatchObject({
      type: 'dialog_submission',
      submission: null,
      cancelled: true,
    });
  });
});

describe('FakeMattermostApi faults: the server down, its rate limiter, pending_post_id', () => {
  let fake: FakeMattermostApi;
  let now = 0;
  beforeEach(async () => {
    fake = await FakeMattermostApi.start();
    now = 1_000_000;
    fake.timeFrom(() => now);
  });
  afterEach(() => fake.close());
  const me = () => fetch(`${fake.url}/api/v4/users/me`, { headers: { Authorization: 'Bearer t' } });

  it('answers 503 in plain text everywhere while down, response URLs too, and normally once recovered', async () => {
    fake.faults.outage();
    const down = await me();
    expect([down.status, await down.text()]).toEqual([503, 'Service Unavailable\n']);
    expect((await postJson(fake.responseUrl('r1'), { text: 'hi' })).status).toBe(503);
    fake.faults.recover();
    expect((await me()).status).toBe(200);
    expect(fake.faults.arrivals.map((a) => [a.method, a.refused ?? false])).toEqual([
      ['GET /users/me', true],
      ['POST /hooks/commands/{id}', true],
      ['GET /users/me', false],
    ]);
  });

  it('counts response_url posts in the same rate-limit bucket as the API calls from the same host (server.go wraps the whole router)', async () => {
    fake.faults.enforceRate({ perSec: 10, maxBurst: 1 });
    expect((await me()).status).toBe(200);
    expect((await postJson(fake.responseUrl('r1'), { text: 'one' })).status).toBe(200);
    const limited = await postJson(fake.responseUrl('r1'), { text: 'two' });
    expect([limited.status, limited.body]).toEqual([429, 'limit exceeded\n']);
    expect((await me()).status).toBe(429);
    expect(fake.responses('r1')).toEqual([{ text: 'one' }]);
  });

  it('limits like throttled’s GCRA: MaxBurst + 1 calls at once, then 429 "limit exceeded" with the X-RateLimit-* and Retry-After headers', async () => {
    fake.faults.enforceRate(MATTERMOST_RATE_LIMIT);
    for (let i = 0; i < 101; i += 1) expect((await me()).status).toBe(200);
    const limited = await me();
    expect(limited.status).toBe(429);
    expect(await limited.text()).toBe('limit exceeded\n');
    expect(limited.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect([limited.headers.get('x-ratelimit-limit'), limited.headers.get('x-ratelimit-remaining'), limited.headers.get('retry-after')]).toEqual(['101', '0', '1']);
    // PerSec 10: one more call every 100 ms.
    now += 100;
    expect((await me()).status).toBe(200);
    expect((await me()).status).toBe(429);
  });

  it('returns the post already made for a pending_post_id seen in the last 30 s, and makes a new one after', async () => {
    const channel = fake.addChannel({ name: 'inc-1', members: [fake.botUserId] }).id;
    const create = async () => {
      const body = JSON.stringify({ channel_id: channel, message: 'x', pending_post_id: 'sitroom-outbox-7' });
      const res = await fetch(`${fake.url}/api/v4/posts`, { method: 'POST', headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' }, body });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string };
    };
    const first = await create();
    now += PENDING_POST_IDS_TTL_MS - 1;
    expect((await create()).id).toBe(first.id);
    expect(fake.postsIn(channel)).toHaveLength(1);
    now += PENDING_POST_IDS_TTL_MS + 1;
    expect((await create()).id).not.toBe(first.id);
    expect(fake.postsIn(channel)).toHaveLength(2);
  });
});
