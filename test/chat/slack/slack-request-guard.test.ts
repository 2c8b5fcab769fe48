/**
 * Issue 9: what reaches /slack/events before Bolt does. Every request here is signed exactly as Slack signs
 * (v0 HMAC-SHA256 over `v0:<timestamp>:<body>`), so these are the bodies a leaked signing secret, a replaying
 * proxy or Slack itself could send.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postSigned, signSlackRequest, slashCommandBody } from '../../fakes/slack-requests.ts';
import { SeenSignatures, slackRequestGuard } from '../../../src/chat/slack/slack-request-guard.ts';
import { SlackDriver } from '../scenarios/slack-driver.ts';

const SECRET = 'scenario-signing-secret';
let chat: SlackDriver;
beforeEach(async () => {
  chat = await SlackDriver.start();
});
afterEach(async () => {
  await chat?.stop();
});

const events = () => `${chat.url}/slack/events`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The server still answers a real command after the bad request: it survived. */
async function stillWorks() {
  expect(await chat.command('declare sev3 Still alive')).toContain('Declared incident #1');
}

describe('bodies that are signed but not a Slack payload', () => {
  const bad: [string, string, string][] = [
    ['payload=null', 'payload=null', 'application/x-www-form-urlencoded'],
    ['payload=42', 'payload=42', 'application/x-www-form-urlencoded'],
    ['payload=[1,2]', `payload=${encodeURIComponent('[1,2]')}`, 'application/x-www-form-urlencoded'],
    ['payload="text"', `payload=${encodeURIComponent('"text"')}`, 'application/x-www-form-urlencoded'],
    ['payload=not json', 'payload=not%20json', 'application/x-www-form-urlencoded'],
    ['a form that is not a slash command', 'text=declare%20sev1%20x', 'application/x-www-form-urlencoded'],
    ['JSON null', 'null', 'application/json'],
    ['JSON array', '[]', 'application/json'],
    ['JSON number', '7', 'application/json'],
  ];
  it.each(bad)('%s gets a clear 400 and the process keeps serving', async (_name, body, contentType) => {
    const res = await postSigned(events(), SECRET, body, { contentType });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/payload|slash command/i);
    await stillWorks();
  });
});

describe('objects that are not the interaction they claim to be', () => {
  const objects = [
    {},
    { type: 'block_actions' },
    { type: 'block_actions', user: null, actions: null, channel: null },
    { type: 'block_actions', user: { id: 'UALICE' }, actions: [null] },
    { type: 'view_submission' },
    { type: 'view_submission', user: { id: 'UALICE' }, view: { callback_id: 'sitroom_update', state: null } },
    { type: 'shortcut', callback_id: 7 },
  ];
  it.each(objects.map((o) => [JSON.stringify(o), o] as const))('%s gets a clear 400 and the process keeps serving', async (_name, payload) => {
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const res = await postSigned(events(), SECRET, body);
    expect([res.status, res.body]).toEqual([400, expect.stringMatching(/payload is not a Slack interaction/)]);
    await stillWorks();
  });
});

describe("Slack's certificate check", () => {
  it('answers an unsigned ssl_check=1 with 200 and does nothing with the rest of the body', async () => {
    const res = await fetch(events(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'ssl_check=1&token=x&command=%2Fincident&text=declare%20sev1%20smuggled&user_id=UEVE&channel_id=CGENERAL',
    });
    expect(res.status).toBe(200);
    await chat.settled();
    expect(await chat.sitroom().service.listOpen()).toEqual([]);
  });
});

describe('the size of a body', () => {
  it('refuses a declared Content-Length over 1 MiB with 413 before reading or checking the signature', async () => {
    // Unsigned and never sent in full: the answer must come from the header alone.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(events(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(300 * 1024 * 1024) } });
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        req.destroy();
      });
      req.on('error', reject);
      req.write('token=x&');
    });
    expect(status).toBe(413);
  });

  it('refuses a chunked body that grows past 1 MiB with 413, signed or not', async () => {
    const body = `text=${'a'.repeat(1024 * 1024 + 10)}`;
    const res = await fetch(events(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRET, body) },
      // A stream has no Content-Length: the limit must hold on the bytes received.
      body: new Blob([body]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    await stillWorks();
  });

  it('still accepts a large but legitimate body (a modal submission of 200 KB)', async () => {
    const body = slashCommandBody({ text: `note ${'x'.repeat(200 * 1024)}`, userId: 'UALICE', channelId: chat.general, responseUrl: chat.slack.responseUrl('big') });
    expect((await postSigned(events(), SECRET, body)).status).toBe(200);
  });
});

describe('the replay window', () => {
  it('refuses a timestamp more than five minutes in the future', async () => {
    const body = slashCommandBody({ text: 'declare sev1 From the future', userId: 'UALICE', channelId: chat.general, responseUrl: chat.slack.responseUrl('f') });
    const res = await postSigned(events(), SECRET, body, { timestampSeconds: nowSeconds() + 6 * 60 });
    expect(res.status).toBe(401);
    expect(await chat.sitroom().service.listOpen()).toEqual([]);
  });

  it('accepts a timestamp a little in the future (clock skew) once', async () => {
    const body = slashCommandBody({ text: 'declare sev3 Skewed', userId: 'UALICE', channelId: chat.general, responseUrl: chat.slack.responseUrl('s') });
    expect((await postSigned(events(), SECRET, body, { timestampSeconds: nowSeconds() + 60 })).status).toBe(200);
  });

  it('refuses the same signed request twice', async () => {
    const body = slashCommandBody({ text: 'declare sev2 Once only', userId: 'UALICE', channelId: chat.general, responseUrl: chat.slack.responseUrl('once') });
    const timestampSeconds = nowSeconds();
    const first = await postSigned(events(), SECRET, body, { timestampSeconds });
    expect(first.status).toBe(200);
    expect(first.body).toContain('Declared incident #1');
    await chat.settled();
    const replay = await postSigned(events(), SECRET, body, { timestampSeconds });
    expect(replay.status).toBe(401);
    await chat.settled();
    expect((await chat.sitroom().service.listOpen()).map((i) => i.title)).toEqual(['Once only']);
  });
});

describe('the memory of signatures seen', () => {
  it('forgets a signature once its window has passed, and never holds more than its cap', () => {
    const seen = new SeenSignatures(3);
    expect(seen.add('a', 1000, 0)).toBe(true);
    expect(seen.add('a', 1000, 500)).toBe(false);
    expect(seen.add('a', 2000, 1001)).toBe(true);
    for (const s of ['b', 'c', 'd', 'e']) expect(seen.add(s, 5000, 1500)).toBe(true);
    expect(seen.size).toBeLessThanOrEqual(3);
  });
});

describe('the shared memory of signatures (the database, so every replica refuses a replay)', () => {
  async function guarded(remember: { use(nonce: string, now: number, expiresAt: number): Promise<boolean> }) {
    let handled = 0;
    const server = createServer(slackRequestGuard({ signingSecret: SECRET, remember, next: (_req, res) => void ((handled += 1), res.writeHead(200).end()) }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    return { url, handled: () => handled, close: () => new Promise((resolve) => server.close(resolve)) };
  }
  const body = () => `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: 'UALICE' }, actions: [{ action_id: 'sitroom:x' }] }))}`;

  it('refuses a signature another replica already recorded, and records each under its own key until the window ends', async () => {
    const used: [string, number][] = [];
    const other = await guarded({ use: (nonce, _now, expiresAt) => Promise.resolve((used.push([nonce, expiresAt]), used.length === 1)) });
    try {
      const at = nowSeconds();
      expect((await postSigned(other.url, SECRET, body(), { timestampSeconds: at })).status).toBe(200);
      // The same body signed at another second is another request; the store says this one was seen elsewhere.
      expect((await postSigned(other.url, SECRET, body(), { timestampSeconds: at - 1 })).status).toBe(401);
      expect(other.handled()).toBe(1);
      expect(used[0]?.[0]).toMatch(/^slack-signature:v0=[0-9a-f]{64}$/);
      expect(used[0]?.[1]).toBe((at + 5 * 60 + 1) * 1000);
    } finally {
      await other.close();
    }
  });

  it('answers 503 (which Slack retries) when the signature cannot be recorded, and hands nothing on', async () => {
    const g = await guarded({ use: () => Promise.reject(new Error('database is locked')) });
    try {
      const res = await postSigned(g.url, SECRET, body());
      expect(res.status).toBe(503);
      expect(res.body).not.toContain('locked');
      expect(g.handled()).toBe(0);
    } finally {
      await g.close();
    }
  });
});
