/** The rules added to FakeMattermostApi for real workspaces, each checked against the real Client4. */
import { createServer } from 'node:http';
import mattermostClient from '@mattermost/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listenOnLoopback } from '../local-server.ts';
import { FakeMattermostApi, fakeMattermostId } from '../fake-mattermost-api.ts';
import { deliverAsMattermost } from '../mattermost-requests.ts';
import { dialogProblems } from './dialog-rules.ts';

const { Client4 } = mattermostClient;

let fake: FakeMattermostApi;
let client: InstanceType<typeof Client4>;
beforeAll(async () => {
  fake = await FakeMattermostApi.start({ token: 'bot-token' });
  client = new Client4();
  client.setUrl(fake.url);
  client.setToken('bot-token');
});
afterAll(async () => {
  await fake.close();
});

const serverErrorId = (call: Promise<unknown>) => call.then(() => 'no error', (e: { server_error_id?: string }) => e.server_error_id);

describe('FakeMattermostApi rules for real workspaces', () => {
  it('refuses to edit the message of a post older than PostEditTimeLimit, but not before', async () => {
    const channel = fake.addChannel({ name: 'edit-limit' }).id;
    const post = await client.createPost({ channel_id: channel, message: 'v1' } as never);
    fake.postEditTimeLimitSeconds = 60;
    await client.patchPost({ id: post.id, message: 'v2' } as never);
    fake.agePost(post.id, 61_000);
    expect(await serverErrorId(client.patchPost({ id: post.id, message: 'v3' } as never))).toBe('api.post.update_post.permissions_time_limit.app_error');
    fake.postEditTimeLimitSeconds = -1;
    await client.patchPost({ id: post.id, message: 'v3' } as never);
  });

  it('adds only team members to team channels, and not deactivated users', async () => {
    const channel = fake.addChannel({ name: 'team-only' }).id;
    const outsider = fake.addUser(fakeMattermostId('outsider'), 'outsider', { inTeam: false }).id;
    const gone = fake.addUser(fakeMattermostId('gone'), 'gone', { deactivated: true }).id;
    expect(await serverErrorId(client.addToChannel(outsider, channel))).toBe('app.team.get_member.missing.app_error');
    expect(await serverErrorId(client.addToChannel(gone, channel))).toBe('api.channel.add_user.to.channel.failed.deleted.app_error');
    expect(fake.membersOf(channel)).toEqual([fake.botUserId]);
  });

  it('answers channel and team membership, 404 for non-members', async () => {
    const member = fake.addUser(fakeMattermostId('member'), 'member').id;
    const stranger = fake.addUser(fakeMattermostId('stranger'), 'stranger', { inTeam: false }).id;
    const channel = fake.addChannel({ name: 'members', members: [member] }).id;
    expect((await client.getChannelMember(channel, member)).user_id).toBe(member);
    expect(await serverErrorId(client.getChannelMember(channel, stranger))).toBe('app.channel.get_member.missing.app_error');
    expect((await client.getTeamMember(fake.team.id, member)).user_id).toBe(member);
    expect(await serverErrorId(client.getTeamMember(fake.team.id, stranger))).toBe('app.team.get_member.missing.app_error');
  });

  it('finds what Dialog.IsValid finds: title and display name over 24 bytes, text placeholder over 150', () => {
    const problems = dialogProblems({
      title: 'A title that is far too long',
      elements: [
        { display_name: 'What should stakeholders know?', name: 'update', type: 'textarea' },
        { display_name: 'Title', name: 'title', type: 'text', placeholder: 'x'.repeat(151) },
        { display_name: 'Severity', name: 'sev', type: 'select', default: 'sev9', options: [{ text: 'SEV1', value: 'sev1' }] },
      ] as never,
    });
    expect(problems).toEqual([
      'invalid dialog title "A title that is far too long"',
      '"update" field is not valid: DisplayName cannot be longer than 24 characters, got 30',
      '"title" field is not valid: Placeholder cannot be longer than 150 characters, got 151',
      '"sev" field is not valid: default value "sev9" doesn\'t exist in options',
    ]);
  });
});

describe('deliverAsMattermost (the server calling an integration)', () => {
  let server: ReturnType<typeof createServer>;
  let url = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      const answer = (status: number, body: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/refuse') answer(401, { ephemeral_text: 'nobody reads this' });
      else if (req.url === '/slow') setTimeout(() => answer(200, {}), 500);
      else answer(200, { ephemeral_text: 'shown' });
    });
    url = await listenOnLoopback(server);
  });
  afterAll(async () => {
    await closeServer(server);
  });

  it('shows a 200 answer, drops the body of any other, and gives up after the timeout', async () => {
    expect(await deliverAsMattermost(`${url}/ok`, {}, 1000)).toMatchObject({ status: 200, shown: { ephemeral_text: 'shown' } });
    expect(await deliverAsMattermost(`${url}/refuse`, {}, 1000)).toMatchObject({ status: 401, shown: undefined });
    expect(await deliverAsMattermost(`${url}/slow`, {}, 100)).toMatchObject({ status: 'timeout', shown: undefined });
  });
});
