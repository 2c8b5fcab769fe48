import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifySlackRequest, webApi } from '@slack/bolt';
import { FakeSlackApi } from './fake-slack-api.ts';
import { manifestBotScopes } from './slack/manifest.ts';
import { blockActionBody, signSlackRequest, slashCommandBody } from './slack-requests.ts';

describe('FakeSlackApi driven by the real WebClient', () => {
  let fake: FakeSlackApi;
  let client: webApi.WebClient;

  beforeAll(async () => {
    fake = await FakeSlackApi.start();
    client = new webApi.WebClient('xoxb-test', {
      slackApiUrl: `${fake.url}/api/`,
      rejectRateLimitedCalls: false,
      logLevel: webApi.LogLevel.ERROR,
      // One retry, no backoff of its own: the only wait is the one the Retry-After header asks for.
      retryConfig: { retries: 1, factor: 1, minTimeout: 0, maxTimeout: 0 },
    });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('creates channels, and answers name_taken for a name already created', async () => {
    const created = await client.conversations.create({ name: 'inc-1-db-down', is_private: false });
    expect(created.channel).toMatchObject({ id: 'C1', name: 'inc-1-db-down', is_private: false });

    await expect(client.conversations.create({ name: 'inc-1-db-down' })).rejects.toMatchObject({
      data: { ok: false, error: 'name_taken' },
    });
    fake.failNext('conversations.create', 'restricted_action');
    await expect(client.conversations.create({ name: 'inc-2' })).rejects.toMatchObject({ data: { error: 'restricted_action' } });
    expect(fake.callsTo('conversations.create').map((c) => c.response.error ?? 'ok')).toEqual(['ok', 'name_taken', 'restricted_action']);
    expect(fake.calls[0]?.token).toBe('xoxb-test');
  });

  it('models members, topics, messages and pins, decoding JSON-encoded form fields', async () => {
    const channel = fake.addChannel({ name: 'inc-7' }).id;
    await client.conversations.invite({ channel, users: 'U1' });
    await expect(client.conversations.invite({ channel, users: 'U1' })).rejects.toMatchObject({ data: { error: 'already_in_channel' } });
    await client.conversations.setTopic({ channel, topic: 'SEV1 | DB down' });

    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*DB down*' } }];
    const posted = await client.chat.postMessage({ channel, text: 'DB down', blocks });
    const ts = posted.ts ?? '';
    await client.chat.update({ channel, ts, text: 'DB back' });
    await client.pins.add({ channel, timestamp: ts });

    expect(fake.membersOf(channel)).toEqual(['UBOT', 'U1']);
    expect(fake.topicOf(channel)).toBe('SEV1 | DB down');
    expect(fake.messagesIn(channel)).toMatchObject([{ ts, text: 'DB back', blocks }]);
    expect(fake.pinnedIn(channel)).toEqual([ts]);
    expect(fake.callsTo('chat.postMessage')[0]?.args.blocks).toEqual(blocks);
  });

  it('honours Retry-After: the client waits, retries and succeeds', async () => {
    const rateLimited: number[] = [];
    client.on(webApi.WebClientEvent.RATE_LIMITED, (seconds: number) => rateLimited.push(seconds));
    fake.rateLimitNext('chat.postMessage', 1);

    const res = await client.chat.postMessage({ channel: 'C9', text: 'hello' });

    expect(res.ok).toBe(true);
    expect(rateLimited).toEqual([1]);
    const [first, retry] = fake.callsTo('chat.postMessage');
    expect(first?.status).toBe(429);
    expect(retry?.status).toBe(200);
    // Timer and clock granularity can differ by a few ms; a retry without waiting would be ~0 ms.
    expect((retry?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(fake.messagesIn('C9')).toHaveLength(1);
  });

  it('takes filesUploadV2 uploads: URL, bytes, completion, and a message with the file in the channel', async () => {
    const channel = fake.addChannel({ name: 'inc-3' }).id;
    const markdown = '# Postmortem INC-3\n\n- Impact: 12 min of 5xx ✓\n';
    const res = await client.filesUploadV2({
      channel_id: channel,
      filename: 'postmortem-3.md',
      content: markdown,
      title: 'INC-3 postmortem',
      initial_comment: 'Postmortem draft',
    });

    // One files.completeUploadExternal answer per group of files sharing channel, thread and comment.
    expect(res.files[0]?.files?.[0]).toMatchObject({ id: 'F1', name: 'postmortem-3.md', title: 'INC-3 postmortem', size: 48 });
    expect(fake.calls.map((c) => c.method)).toEqual(['files.getUploadURLExternal', 'files.completeUploadExternal']);
    // Form-encoded, so the length arrives as a string; it counts bytes (48), not characters (46).
    expect(fake.callsTo('files.getUploadURLExternal')[0]?.args).toEqual({ filename: 'postmortem-3.md', length: '48' });
    expect(fake.callsTo('files.getUploadURLExternal')[0]?.response).toEqual({ ok: true, upload_url: `${fake.url}/upload/v1/F1`, file_id: 'F1' });
    // The bytes go to the upload URL as a one-part multipart/form-data body, with the bot token.
    expect(fake.uploads).toMatchObject([{ fileId: 'F1', contentType: expect.stringMatching(/^multipart\/form-data; boundary=/), length: 48, status: 200 }]);
    expect(fake.callsTo('files.completeUploadExternal')[0]?.args).toEqual({
      files: [{ id: 'F1', title: 'INC-3 postmortem' }],
      channel_id: channel,
      initial_comment: 'Postmortem draft',
    });

    expect(fake.filesIn(channel)).toEqual([
      { id: 'F1', filename: 'postmortem-3.md', title: 'INC-3 postmortem', content: markdown, initialComment: 'Postmortem draft' },
    ]);
    expect(fake.messagesIn(channel)).toMatchObject([
      { text: 'Postmortem draft', user: 'UBOT', files: [{ id: 'F1', name: 'postmortem-3.md', title: 'INC-3 postmortem' }] },
    ]);
    expect(fake.filesIn('C999')).toEqual([]);
  });

  it('answers upload errors as Slack does', async () => {
    const errorOf = (call: Promise<unknown>) => call.then(() => 'ok', (e: { data?: { error?: string } }) => e.data?.error);
    expect(await errorOf(client.apiCall('files.getUploadURLExternal', { filename: 'x.md' }))).toBe('invalid_arguments');
    expect(await errorOf(client.apiCall('files.getUploadURLExternal', { length: 3 }))).toBe('invalid_arguments');
    expect(await errorOf(client.files.getUploadURLExternal({ filename: 'x.md', length: 0 }))).toBe('missing_argument');

    const { file_id: fileId = '', upload_url: uploadUrl = '' } = await client.files.getUploadURLExternal({ filename: 'x.md', length: 3 });
    // Completing before the bytes arrived, or a file id never handed out: file_not_found.
    expect(await errorOf(client.files.completeUploadExternal({ files: [{ id: fileId }], channel_id: 'C1' }))).toBe('file_not_found');
    expect(await errorOf(client.files.completeUploadExternal({ files: [{ id: 'F404' }], channel_id: 'C1' }))).toBe('file_not_found');

    // The upload URL also takes raw bytes; completion without a channel leaves the file private.
    const uploaded = await fetch(uploadUrl, { method: 'POST', body: 'abc' });
    expect([uploaded.status, await uploaded.text()]).toEqual([200, 'OK - 3']);
    expect(await errorOf(client.files.completeUploadExternal({ files: [{ id: fileId }] }))).toBe('ok');
    expect(await errorOf(client.files.completeUploadExternal({ files: [{ id: fileId }] }))).toBe('file_not_found');
    expect((await fetch(uploadUrl, { method: 'POST', body: 'again' })).status).toBe(404);
    expect(fake.messagesIn('C1')).toEqual([]);
  });

  it('refuses a method whose scope the token lacks with missing_scope, needed and provided, as Slack does', async () => {
    fake.grantScopes(['chat:write', 'chat:write.public', 'commands']);
    await expect(client.files.getUploadURLExternal({ filename: 'pm.md', length: 3 })).rejects.toMatchObject({
      data: { ok: false, error: 'missing_scope', needed: 'files:write', provided: 'chat:write,chat:write.public,commands' },
    });
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'still allowed' });
    expect(posted.response_metadata?.scopes).toEqual(['chat:write', 'chat:write.public', 'commands']);
    fake.grantScopes(manifestBotScopes());
    expect((await client.files.getUploadURLExternal({ filename: 'pm.md', length: 3 })).ok).toBe(true);
  });

  it('refuses blocks over Block Kit limits with invalid_blocks, and views with invalid_arguments', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }];
    await expect(client.chat.postMessage({ channel: 'C1', text: 'long', blocks })).rejects.toMatchObject({
      data: { error: 'invalid_blocks', errors: ['must be less than 3001 characters [json-pointer:/blocks/0/text/text]'] },
    });
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'A title longer than 24 chars' }, blocks: [] };
    await expect(client.views.open({ trigger_id: `${Date.now()}.1.ab`, view })).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
  });

  it('expires a trigger_id after 3 s on its own clock (no sleeping)', async () => {
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Declare' }, blocks: [] };
    const fresh = `${Date.now()}.1.aa`;
    const old = `${Date.now()}.2.bb`;
    expect((await client.views.open({ trigger_id: fresh, view })).ok).toBe(true);
    fake.advance(3001);
    await expect(client.views.open({ trigger_id: old, view })).rejects.toMatchObject({ data: { error: 'expired_trigger_id' } });
  });

  it('accepts a response_url 5 times within 30 minutes, then refuses it', async () => {
    const post = (id: string) => fetch(fake.responseUrl(id), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'hi' }) });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await post('five')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    expect(fake.responses('five')).toHaveLength(5);
    expect((await post('late')).status).toBe(200);
    fake.advance(30 * 60 * 1000 + 1);
    const late = await post('late');
    expect([late.status, ((await late.json()) as { error: string }).error]).toEqual([404, 'expired_url']);
  });

  it('refuses invites of unknown and guest users as Slack does', async () => {
    const channel = fake.addChannel({ name: 'inc-9' }).id;
    fake.setUserKind('UGONE', 'missing');
    fake.setUserKind('UGUEST', 'ultra_restricted');
    await expect(client.conversations.invite({ channel, users: 'UGONE,U2' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });
    expect(fake.membersOf(channel)).not.toContain('U2');
    const forced = await client.conversations.invite({ channel, users: 'UGONE,UGUEST,U2', force: true });
    expect((forced as { errors?: unknown[] }).errors).toEqual([
      { user: 'UGONE', ok: false, error: 'user_not_found' },
      { user: 'UGUEST', ok: false, error: 'ura_max_channels' },
    ]);
    expect(fake.membersOf(channel)).toContain('U2');
  });

  it('rejects calls without a bearer token', async () => {
    const anonymous = new webApi.WebClient(undefined, { slackApiUrl: `${fake.url}/api/`, logLevel: webApi.LogLevel.ERROR });
    await expect(anonymous.auth.test()).rejects.toMatchObject({ data: { error: 'not_authed' } });
  });

  it('accepts JSON bodies and collects response_url posts', async () => {
    const res = await fetch(`${fake.url}/api/chat.postMessage`, {
      method: 'POST',
      headers: { Authorization: 'Bearer xoxb-test', 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C5', text: 'hi' }),
    });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toMatchObject({ ok: true, channel: 'C5', ts: '1700000000.000100' });

    const waiting = fake.waitForResponse('cmd-1');
    await fetch(fake.responseUrl('cmd-1'), { method: 'POST', body: JSON.stringify({ text: 'ok' }) });
    expect(await waiting).toEqual({ text: 'ok' });
    await expect(fake.waitFor('views.open', undefined, 20)).rejects.toThrow(/no call to views\.open.*\n.*chat\.postMessage/);
  });
});

describe('slack-requests', () => {
  it('signs bodies the way Bolt verifies them', () => {
    const body = slashCommandBody({ text: 'declare DB down', userId: 'U1', channelId: 'C1', responseUrl: 'http://x/response/1' });
    const headers = signSlackRequest('shh', body);
    const verify = (secret: string) =>
      verifySlackRequest({
        signingSecret: secret,
        body,
        headers: {
          'x-slack-signature': headers['X-Slack-Signature'] ?? '',
          'x-slack-request-timestamp': Number(headers['X-Slack-Request-Timestamp']),
        },
      });
    expect(() => verify('shh')).not.toThrow();
    expect(() => verify('other')).toThrow(/signature mismatch/);
    expect(new URLSearchParams(body).get('command')).toBe('/incident');
  });

  it('puts interaction payloads in a payload= form field', () => {
    const body = blockActionBody({ actionId: 'ack', value: 'inc-1', userId: 'U1', channelId: 'C1', responseUrl: 'http://x' });
    const payload: unknown = JSON.parse(new URLSearchParams(body).get('payload') ?? 'null');
    expect(payload).toMatchObject({ type: 'block_actions', actions: [{ action_id: 'ack', value: 'inc-1', type: 'button' }] });
  });
});
