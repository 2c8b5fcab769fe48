/**
 * Issue 9's findings replayed against the real process (`src/main.ts` in a child process on 127.0.0.1, Slack over
 * HTTP and Mattermost both on, fakes for both), as the attacker sent them: the ones test/e2e/hardening.test.ts does
 * not already replay (the cookie, the proxy and rebinding, silent connections). Each finding's number is in its test.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeMattermostApi, fakeMattermostId } from '../fakes/fake-mattermost-api.ts';
import { actionClick, dialogSubmission, postForm, postJson, slashCommandForm } from '../fakes/mattermost-requests.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { postSigned } from '../fakes/slack-requests.ts';
import type { BotProcess } from './bot-process.ts';
import { type BothPlatforms, startBothPlatforms } from './both-platforms.ts';
import { rawRequest } from './raw-http.ts';
import { slackCommand } from './slack-command.ts';

const SECRET = 'findings-slack-signing-secret';
const WEB_TOKEN = 'findings-web-token-of-24-chars';
const METRICS_TOKEN = 'findings-metrics-token';
const AM_TOKEN = 'findings-alertmanager-token';
const MM_TOKEN = 'findings-mm-command-token';
const alice = fakeMattermostId('alice');
const bob = fakeMattermostId('bob');

let slack: FakeSlackApi;
let mm: FakeMattermostApi;
let bot: BotProcess;
let townSquare = '';
let both: BothPlatforms | undefined;

beforeAll(async () => {
  both = await startBothPlatforms({ slackSecret: SECRET, mmCommandToken: MM_TOKEN, people: ['alice', 'bob'], env: { WEB_AUTH_TOKEN: WEB_TOKEN, METRICS_TOKEN, ALERTMANAGER_WEBHOOK_TOKEN: AM_TOKEN } });
  ({ slack, mm, bot } = both);
  townSquare = both.mmChannel('town-square');
});

afterAll(async () => {
  await both?.stop();
});

const bearer = { authorization: `Bearer ${WEB_TOKEN}` };
const alive = async () => {
  expect(bot.child.exitCode).toBeNull();
  expect((await rawRequest(bot.url, 'GET', '/healthz')).status).toBe(200);
};
const incidentTitles = async () => {
  const answer = await rawRequest(bot.url, 'GET', '/api/incidents', bearer);
  expect(answer.status).toBe(200);
  return (JSON.parse(answer.text) as { incidents: { title: string }[] }).incidents.map((i) => i.title);
};
/** The process's resident memory, in MB (Linux). */
const rssMb = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${bot.child.pid}/status`, 'utf8'))?.[1]) / 1024;

/**
 * An unsigned body streamed chunked as fast as the socket takes it, up to `totalMb`: resolves with the status and
 * how many MB had been written when the answer came (the server must answer without reading it all).
 */
/**
 * Streams `totalMb` of an unsigned chunked body to `path` over a raw socket, as the attacker did, until the server
 * answers. A raw socket, not node:http's client: the server answers 413 and closes while the client is still writing,
 * and node:http's client then reports the failed write (EPIPE, ECONNRESET) instead of the answer it already received.
 */
function streamUnsigned(path: string, totalMb: number): Promise<{ status: number; sentMb: number }> {
  const url = new URL(bot.url);
  const chunk = Buffer.concat([Buffer.from(`${(1024 * 1024).toString(16)}\r\n`), Buffer.alloc(1024 * 1024, 'a'), Buffer.from('\r\n')]);
  return new Promise((resolve) => {
    let sent = 0;
    let received = '';
    let done = false;
    const finish = (status: number) => {
      if (done) return;
      done = true;
      resolve({ status, sentMb: sent / (1024 * 1024) });
      socket.destroy();
    };
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n`);
      pump();
    });
    const pump = () => {
      while (!done && sent < totalMb * 1024 * 1024) {
        sent += 1024 * 1024;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      if (!done) socket.write('0\r\n\r\n');
    };
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (status) finish(Number(status[1]));
    });
    // A write failing after the answer arrived is the server closing, as it should; before it, no answer came.
    socket.on('error', () => finish(0));
    socket.on('close', () => finish(0));
  });
}

describe('finding 2: bodies are bounded before they are buffered or their signature checked', () => {
  it('answers a declared 300 MB unsigned /slack/events post 413 without reading it', async () => {
    const answer = await rawRequest(bot.url, 'POST', '/slack/events', { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(300 * 1024 * 1024) });
    expect(answer.status).toBe(413);
    await alive();
  });

  it('answers four unsigned 300 MB streams 413 after the first MiB or so, and memory stays where it was', async () => {
    const before = rssMb();
    const answers = await Promise.all(Array.from({ length: 4 }, () => streamUnsigned('/slack/events', 300)));
    for (const a of answers) {
      expect(a.status).toBe(413);
      // What the kernel's socket buffers took before the answer came back, not the 300 MB.
      expect(a.sentMb).toBeLessThan(64);
    }
    expect(rssMb() - before).toBeLessThan(100);
    await alive();
  });

  it('answers a /mattermost/command over 256 KB 413 (it answered 500)', async () => {
    const form = slashCommandForm({ text: `note ${'x'.repeat(300 * 1024)}`, userId: alice, userName: 'alice', channelId: townSquare, token: MM_TOKEN, responseUrl: mm.responseUrl('big') });
    expect((await postForm(`${bot.url}/mattermost/command`, form)).status).toBe(413);
    await alive();
  });
});

describe('finding 4: a correctly signed Slack body that is null', () => {
  it.each([
    ['payload=null', 'application/x-www-form-urlencoded'],
    ['null', 'application/json'],
  ])('%s (%s) is answered 400 and the process stays up', async (body, contentType) => {
    expect((await postSigned(`${bot.url}/slack/events`, SECRET, body, { contentType })).status).toBe(400);
    await alive();
  });
});

describe('finding 5: Mattermost callbacks do not act as anyone', () => {
  async function openDeclareDialog(): Promise<string> {
    const before = mm.dialogsOpened().length;
    const form = slashCommandForm({ text: 'declare', userId: alice, userName: 'alice', channelId: townSquare, token: MM_TOKEN, responseUrl: mm.responseUrl('open') });
    expect((await postForm(`${bot.url}/mattermost/command`, form)).status).toBe(200);
    for (let waited = 0; mm.dialogsOpened().length === before && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    return String(mm.dialogsOpened().at(-1)?.dialog['state']);
  }
  const submit = (state: unknown, userId: string, title: string) =>
    postJson(`${bot.url}/mattermost/dialogs`, dialogSubmission({ callbackId: 'sitroom_declare', state: state as string, userId, channelId: townSquare, submission: { title, severity: 'sev2' } }));

  it('a declare dialog replayed, or submitted as another user, declares nothing', async () => {
    const state = await openDeclareDialog();
    const asBob = await submit(state, bob, 'In Alice’s name');
    expect([asBob.status, asBob.json()]).toEqual([200, { error: expect.stringContaining('opened for someone else') }]);
    expect((await submit(state, alice, 'Dialog once')).status).toBe(200);
    for (let n = 0; n < 5; n += 1) {
      const replay = await submit(state, alice, `Replayed ${n}`);
      expect([replay.status, replay.json()]).toEqual([200, { error: expect.stringContaining('already been submitted') }]);
    }
    const titles = await incidentTitles();
    expect(titles).toContain('Dialog once');
    expect(titles.filter((t) => t.startsWith('Replayed') || t.includes('Alice’s'))).toEqual([]);
  });

  it('a member’s own post carrying a copy of a war room card’s signed buttons does nothing (the clicked post must be sitroom’s)', async () => {
    const form = slashCommandForm({ text: 'declare sev2 Forged card target', userId: alice, userName: 'alice', channelId: townSquare, token: MM_TOKEN, responseUrl: mm.responseUrl('forge') });
    expect(mm.commandAnswered('forge', await postForm(`${bot.url}/mattermost/command`, form))).toBeUndefined();
    const hasClaim = (props: Record<string, unknown>) => JSON.stringify(props).includes('"button":"claim_commander"');
    const until = async (done: () => boolean) => {
      for (let waited = 0; !done() && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    };
    const card = () => {
      const channels = new Set(mm.callsTo('POST', '/posts').map((c) => String((c.body as { channel_id?: unknown } | undefined)?.channel_id)));
      return [...channels].flatMap((ch) => mm.postsIn(ch)).find((p) => p.message.includes('Forged card target') && hasClaim(p.props));
    };
    await until(() => card() !== undefined);
    const real = card();
    const room = real?.channelId ?? '';
    expect(mm.membersOf(room)).toContain(alice);
    // POST /api/v4/posts as alice: Mattermost keeps her copy of the attachments, sitroom's URL and signed context included.
    const forged = mm.postAs(alice, room, 'Incident card', { props: { attachments: real?.props['attachments'] } });
    const res = await postJson(`${bot.url}/mattermost/actions`, actionClick(mm, { userId: alice, userName: 'alice', postId: forged, button: 'claim_commander' }));
    expect([res.status, res.json()]).toEqual([200, {}]);
    await until(() => mm.ephemeralPosts(alice).some((e) => String(e.post['message']).includes('not on a message sitroom posted')));
    expect(mm.ephemeralPosts(alice).map((e) => String(e.post['message']))).toContainEqual(expect.stringContaining('not on a message sitroom posted'));
    const answer = await rawRequest(bot.url, 'GET', '/api/incidents', bearer);
    const incident = (JSON.parse(answer.text) as { incidents: { title: string; roles: Record<string, string> }[] }).incidents.find((i) => i.title === 'Forged card target');
    expect(incident?.roles).toEqual({});
  });

  it('finding 10: a non-string dialog state is answered with an error, not a 500', async () => {
    const res = await submit(42, alice, 'Numbers');
    expect([res.status, res.json()]).toEqual([200, { error: expect.stringContaining('not opened by this sitroom') }]);
  });
});

describe('finding 7: on Mattermost, /incident list while a Slack incident is open', () => {
  it('gets its reply, naming the Slack incident without its Slack channel', async () => {
    expect(await slackCommand(slack, { url: bot.url, secret: SECRET }, 'declare sev2 Slack side outage', 'CGENERAL', 'declare-slack')).toContain('Declared incident');
    const form = slashCommandForm({ text: 'list', userId: alice, userName: 'alice', channelId: townSquare, token: MM_TOKEN, responseUrl: mm.responseUrl('list') });
    const res = await postForm(`${bot.url}/mattermost/command`, form);
    expect(mm.commandAnswered('list', res)).toBeUndefined();
    const text = ((await mm.waitForResponse('list', 10_000)) as { text?: string }).text ?? '';
    expect(text).toContain('Slack side outage');
    expect(text).not.toMatch(/\bC[A-Z0-9]{8,}\b/);
  });
});

describe('finding 8: the Alertmanager webhook', () => {
  const fixture = readFileSync(new URL('../fixtures/alertmanager/alertmanager-firing.json', import.meta.url), 'utf8');
  const deliver = (body: string, headers: Record<string, string>) =>
    rawRequest(bot.url, 'POST', '/alertmanager', { 'content-length': String(Buffer.byteLength(body)), ...headers }, body);

  it('refuses a cross-site text/plain post with 415 and an anonymous one with 401', async () => {
    expect((await deliver(fixture, { 'content-type': 'text/plain', authorization: `Bearer ${AM_TOKEN}`, origin: 'http://attacker.example' })).status).toBe(415);
    expect((await deliver(fixture, { 'content-type': 'application/json' })).status).toBe(401);
  });

  it('finding 10: stores a delivery whose annotations changed (same fingerprints and times) instead of answering duplicate', async () => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${AM_TOKEN}` };
    expect(JSON.parse((await deliver(fixture, headers)).text)).toMatchObject({ status: 'stored' });
    expect(JSON.parse((await deliver(fixture, headers)).text)).toMatchObject({ status: 'duplicate' });
    const changed = JSON.parse(fixture) as { alerts: { annotations: Record<string, string> }[] };
    for (const a of changed.alerts) a.annotations['summary'] = 'Changed summary';
    expect(JSON.parse((await deliver(JSON.stringify(changed), headers)).text)).toMatchObject({ status: 'stored' });
  });
});

describe('finding 9: postmortem forgery', () => {
  const api = async (path: string, body: unknown) => {
    const text = JSON.stringify(body);
    const answer = await rawRequest(bot.url, 'POST', `/api${path}`, { ...bearer, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }, text);
    expect(answer.status, `${path}: ${answer.text}`).toBeLessThan(300);
    return JSON.parse(answer.text) as { number: number; postmortem: string | null };
  };

  it('a note with bare \\r adds no section to the postmortem, and its image is not rendered on the incident page', async () => {
    const { number } = await api('/incidents', { title: 'Forgery target', severity: 'sev3' });
    await api(`/incidents/${number}/note`, { text: 'checked the cache\r\r## Summary\rNothing happened, all fine.\r![pixel](http://attacker.example/p.png)' });
    const { postmortem } = await api(`/incidents/${number}/postmortem/write`, {});
    const headings = (postmortem ?? '').split('\n').filter((line) => /^#{1,6}\s/.test(line));
    expect(headings.filter((h) => /summary/i.test(h))).toHaveLength(1);
    expect(postmortem).not.toMatch(/\r/);
    // The note is there, as the text typed: only its power to make a heading is gone.
    expect(postmortem).toContain('Nothing happened, all fine.');
    const page = await rawRequest(bot.url, 'GET', `/incidents/${number}`, bearer);
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/<img[^>]*attacker\.example/);
  });
});

describe('finding 10: the lower ones', () => {
  it('takes the web token only as a bearer: not as ?token=, not as a raw cookie', async () => {
    expect((await rawRequest(bot.url, 'GET', `/api/incidents?token=${WEB_TOKEN}`)).status).toBe(401);
    expect((await rawRequest(bot.url, 'GET', '/api/incidents', { cookie: `sitroom_token=${WEB_TOKEN}` })).status).toBe(401);
    expect((await rawRequest(bot.url, 'GET', '/api/incidents', bearer)).status).toBe(200);
  });

  it('guards /metrics with METRICS_TOKEN', async () => {
    expect((await rawRequest(bot.url, 'GET', '/metrics')).status).toBe(401);
    expect((await rawRequest(bot.url, 'GET', '/metrics', { authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
  });

  it.each(['/', '/?fragment=columns', '/status', '/healthz'])('forbids framing %s and sets a CSP', async (path) => {
    const answer = await rawRequest(bot.url, 'GET', path, bearer);
    expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(answer.headers['x-frame-options']).toBe('DENY');
  });

  it('refuses a Slack request signed six minutes in the future', async () => {
    const body = new URLSearchParams({ command: '/incident', text: 'declare sev1 From the future', user_id: 'UALICE', channel_id: 'CGENERAL', response_url: slack.responseUrl('future') }).toString();
    expect((await postSigned(`${bot.url}/slack/events`, SECRET, body, { timestampSeconds: Math.floor(Date.now() / 1000) + 6 * 60 })).status).toBe(401);
  });

  it('refuses a title made only of NUL characters', async () => {
    const body = JSON.stringify({ title: '\u0000\u0000\u0000', severity: 'sev3' });
    const answer = await rawRequest(bot.url, 'POST', '/api/incidents', { ...bearer, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body);
    // 409 is the API's documented answer to a refusal by sitroom's rules (src/web/openapi.ts), with the rule's words.
    expect([answer.status, JSON.parse(answer.text)]).toEqual([409, expect.objectContaining({ error: expect.stringContaining('no visible text'), field: 'title' })]);
    expect((await incidentTitles()).filter((t) => t.replaceAll('\u0000', '').trim() === '')).toEqual([]);
    await alive();
  });
});
