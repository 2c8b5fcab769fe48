/**
 * Follow-ups as GitHub issues through createSitroom, the real @octokit/rest and real HTTP against a local fake of
 * GitHub's REST API (test/fakes/fake-github-api.ts): `--issue` opens one and links it; closing it (a webhook signed
 * as GitHub signs, or the periodic check) marks the item done, and the close gate counts it open until then;
 * forged deliveries get 401; GitHub's refusals are final, its outages retried.
 */
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { Octokit } from '@octokit/rest';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentDetailSchema } from '../../src/web/api-schema.ts';
import { SitroomUnderTest } from '../chat/scenarios/sitroom-under-test.ts';
import { rejectionOf } from '../fakes/catch-incident-error.ts';
import { FakeGithubApi } from '../fakes/fake-github-api.ts';
import { HOUR, MINUTE } from '../fakes/fixed-clock.ts';

const TOKEN = 'github_pat_test_token';
const REPO = 'acme/follow-ups';
const SECRET = 'github-webhook-secret';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.reverse()) await done();
  cleanup = [];
});

async function start(env: Record<string, string> = {}, token = TOKEN) {
  const github = await FakeGithubApi.start(TOKEN, REPO);
  cleanup.push(() => github.stop());
  const app = new SitroomUnderTest({ GITHUB_TOKEN: token, GITHUB_REPO: REPO, GITHUB_API_URL: github.url, ...env });
  await app.start();
  cleanup.push(() => app.stop());
  const n = (await app.sitroom.service.declare({ title: 'Checkout down', severity: 'sev2', isPrivate: false, platform: 'web', declaredBy: 'alice' })).incident.number;
  return { app, github, n };
}

/** What GitHub sends: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256 of the body under the webhook's secret
 * (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries), written here from the docs. */
function githubDelivery(url: string, event: string, payload: unknown, secret = SECRET) {
  const body = JSON.stringify(payload);
  return fetch(`${url}/github/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': 'd-1', 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
    body,
  });
}

/** The status answered to a POST declaring a 2 MiB body, before any of it is sent. */
function declaredTooLarge(url: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-length': String(2 * 1024 * 1024), 'x-github-event': 'issues' } }, (res) => {
      res.resume();
      resolve(res.statusCode);
      req.destroy();
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

/** A scheduler tick, and the GitHub check it started in the background. */
async function tickAndCheck(app: SitroomUnderTest): Promise<void> {
  await app.sitroom.scheduler.tick();
  await app.sitroom.settled();
}

const closedPayload = (issue: number, repo = REPO) => ({ action: 'closed', issue: { number: issue, state: 'closed' }, repository: { full_name: repo }, sender: { login: 'octocat' } });

describe('action items as GitHub issues', () => {
  it('opens the issue of an item asked with --issue, links it, and closes the item when GitHub says the issue is closed', async () => {
    const { app, github, n } = await start({ GITHUB_WEBHOOK_SECRET: SECRET });
    const { followUps, service } = app.sitroom;
    const item = await followUps.addActionItem(n, { text: 'Add a canary stage', owner: 'bob', due: '2025-04-01', issue: true }, 'alice');
    const plain = await followUps.addActionItem(n, { text: 'Write the runbook', owner: null, due: null }, 'alice');
    await app.sitroom.deliverDue();

    expect(github.issues.map((i) => i.title)).toEqual([`Add a canary stage (incident #${n})`]);
    expect(github.issues[0]?.body).toContain(`Closing this issue marks action item #${item.id} done in sitroom.`);
    const api = incidentDetailSchema.parse(await (await fetch(`${app.url}/api/incidents/${n}`)).json());
    expect(api.actionItems.map((a) => [a.id, a.issue?.url ?? null])).toEqual([
      [item.id, `https://github.example/${REPO}/issues/1`],
      [plain.id, null],
    ]);
    expect(api.timeline.map((e) => e.text)).toContain(`Action item #${item.id}: GitHub issue https://github.example/${REPO}/issues/1`);
    const page = await (await fetch(`${app.url}/incidents/${n}`)).text();
    expect(page).toContain(`<a href="https://github.example/${REPO}/issues/1">issue #1</a>`);
    expect(page).toContain('<input type="checkbox" name="issue"> Open a GitHub issue for it');
    // The write API takes it too.
    const viaApi = await fetch(`${app.url}/api/incidents/${n}/action-items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Alert on p99', issue: true }) });
    expect(viaApi.status).toBe(200);
    await app.sitroom.deliverDue();
    expect(github.issues.map((i) => i.title)).toEqual([`Add a canary stage (incident #${n})`, `Alert on p99 (incident #${n})`]);
    await followUps.completeActionItem((await followUps.actionItemsOf(n)).at(-1)?.id ?? 0, 'alice');

    // The close gate counts the item as open while its issue is.
    await followUps.completeActionItem(plain.id, 'alice');
    await service.transition(n, 'mitigate', '', 'alice');
    await service.transition(n, 'resolve', '', 'alice');
    expect((await rejectionOf(() => service.transition(n, 'close', '', 'alice'))).code).toBe('open_action_items');

    github.close(1);
    const res = await githubDelivery(app.url, 'issues', closedPayload(1));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: 1 });
    expect((await followUps.actionItemsOf(n)).find((a) => a.id === item.id)).toMatchObject({ state: 'done', doneBy: 'github:octocat' });
    await service.transition(n, 'close', '', 'alice');
    // A second delivery of the same event changes nothing.
    expect(await (await githubDelivery(app.url, 'issues', closedPayload(1))).json()).toEqual({ done: 0 });
  });

  it('takes a delivery sent as GitHub’s default form content type (the JSON in a `payload` field)', async () => {
    // https://docs.github.com/en/webhooks/using-webhooks/creating-webhooks: application/x-www-form-urlencoded "will
    // send the JSON payload as a form parameter called payload"; the signature covers the form body as sent.
    const { app, github, n } = await start({ GITHUB_WEBHOOK_SECRET: SECRET });
    const item = await app.sitroom.followUps.addActionItem(n, { text: 'Canary', owner: null, due: null, issue: true }, 'alice');
    await app.sitroom.deliverDue();
    github.close(1);
    const body = new URLSearchParams({ payload: JSON.stringify(closedPayload(1)) }).toString();
    const res = await fetch(`${app.url}/github/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-github-event': 'issues', 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
      body,
    });
    expect(res.status).toBe(200);
    expect((await app.sitroom.followUps.actionItemsOf(n)).find((a) => a.id === item.id)).toMatchObject({ state: 'done', doneBy: 'github:octocat' });
  });

  it('refuses forged or oversized deliveries and ignores other events and repositories', async () => {
    const { app, n } = await start({ GITHUB_WEBHOOK_SECRET: SECRET });
    await app.sitroom.followUps.addActionItem(n, { text: 'Canary', owner: null, due: null, issue: true }, 'alice');
    await app.sitroom.deliverDue();
    expect((await githubDelivery(app.url, 'issues', closedPayload(1), 'not-the-secret')).status).toBe(401);
    const unsigned = await fetch(`${app.url}/github/webhook`, { method: 'POST', headers: { 'x-github-event': 'issues' }, body: JSON.stringify(closedPayload(1)) });
    expect(unsigned.status).toBe(401);
    // Bounded before buffering: a 2 MiB declared body is refused before it is read.
    expect(await declaredTooLarge(`${app.url}/github/webhook`)).toBe(413);
    expect((await githubDelivery(app.url, 'ping', { zen: 'Keep it logically awesome.' })).status).toBe(202);
    expect((await githubDelivery(app.url, 'issues', { ...closedPayload(1), action: 'reopened' })).status).toBe(202);
    expect((await githubDelivery(app.url, 'issues', closedPayload(1, 'acme/other'))).status).toBe(202);
    expect((await app.sitroom.followUps.actionItemsOf(n))[0]?.state).toBe('open');
  });

  it('finds closed issues by a periodic check when no webhook secret is set', async () => {
    const { app, github, n } = await start({ ACTION_ITEMS_TO_GITHUB: 'true', GITHUB_CHECK_MINUTES: '5' });
    const item = await app.sitroom.followUps.addActionItem(n, { text: 'Every item gets one', owner: null, due: null }, 'alice');
    await app.sitroom.deliverDue();
    expect(github.issues).toHaveLength(1);
    expect((await fetch(`${app.url}/github/webhook`, { method: 'POST', body: '{}' })).status).toBe(404);
    await tickAndCheck(app);
    expect((await app.sitroom.followUps.actionItemsOf(n))[0]?.state).toBe('open');
    github.close(1, 'carol');
    await tickAndCheck(app);
    // Checked at most every GITHUB_CHECK_MINUTES.
    expect((await app.sitroom.followUps.actionItemsOf(n))[0]?.state).toBe('open');
    app.clock.advance(5 * MINUTE);
    await tickAndCheck(app);
    expect((await app.sitroom.followUps.actionItemsOf(n))[0]).toMatchObject({ id: item.id, state: 'done', doneBy: 'github:carol' });
  });

  it('with a webhook, still catches an issue closed while no delivery reached sitroom (GitHub never redelivers)', async () => {
    // https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries: "GitHub does not
    // automatically redeliver failed deliveries": a close during a restart would otherwise leave the item open for ever.
    const { app, github, n } = await start({ GITHUB_WEBHOOK_SECRET: SECRET, GITHUB_CHECK_MINUTES: '5' });
    const item = await app.sitroom.followUps.addActionItem(n, { text: 'Canary', owner: null, due: null, issue: true }, 'alice');
    await app.sitroom.deliverDue();
    await tickAndCheck(app);
    github.close(1, 'dave');
    const reads = () => github.calls.filter((c) => c.method === 'GET' && c.path.endsWith('/issues/1')).length;
    const before = reads();
    // The webhook is the fast path: the catch-up reads GitHub far less often than the check without one.
    app.clock.advance(5 * MINUTE);
    await tickAndCheck(app);
    expect(reads()).toBe(before);
    expect((await app.sitroom.followUps.actionItemsOf(n))[0]?.state).toBe('open');
    app.clock.advance(HOUR);
    await tickAndCheck(app);
    expect((await app.sitroom.followUps.actionItemsOf(n))[0]).toMatchObject({ id: item.id, state: 'done', doneBy: 'github:dave' });
  });

  it('checks in the background: a hanging GitHub holds up no scheduler tick (reminders, page re-posts)', async () => {
    const { app, github, n } = await start({ GITHUB_CHECK_MINUTES: '1' });
    await app.sitroom.followUps.addActionItem(n, { text: 'Canary', owner: null, due: null, issue: true }, 'alice');
    await app.sitroom.deliverDue();
    github.holdReads = true;
    const tick = app.sitroom.scheduler.tick();
    await github.readHeld();
    await tick;
    // The tick ended while GitHub still had not answered (it used to wait for GitHub's time-out, 15 s per item).
    expect(github.stillHeld()).toBe(true);
    // A later tick does not start a second check while the first is still waiting.
    app.clock.advance(2 * MINUTE);
    await app.sitroom.scheduler.tick();
    expect(github.calls.filter((c) => c.path.endsWith('/issues/1'))).toHaveLength(0);
    github.close(1, 'erin');
    github.release();
    await app.sitroom.settled();
    expect((await app.sitroom.followUps.actionItemsOf(n))[0]).toMatchObject({ state: 'done', doneBy: 'github:erin' });
  });

  it('retries while GitHub is down, and gives up at once when it refuses the token', async () => {
    const { app, github, n } = await start();
    github.down = true;
    await app.sitroom.followUps.addActionItem(n, { text: 'Canary', owner: null, due: null, issue: true }, 'alice');
    await app.sitroom.deliverDue();
    expect(github.calls.map((c) => c.status)).toEqual([503]);
    github.down = false;
    app.clock.advance(10 * MINUTE);
    await app.sitroom.deliverDue();
    expect(github.issues).toHaveLength(1);
    expect((await app.sitroom.followUps.actionItemsOf(n))[0]?.issue).toEqual({ number: 1, url: `https://github.example/${REPO}/issues/1` });

    const refused = await start({}, 'a-revoked-token');
    await refused.app.sitroom.followUps.addActionItem(refused.n, { text: 'Canary', owner: null, due: null, issue: true }, 'alice');
    await refused.app.sitroom.deliverDue();
    refused.app.clock.advance(10 * MINUTE);
    await refused.app.sitroom.deliverDue();
    expect(refused.github.calls.map((c) => c.status)).toEqual([401]);
    expect((await refused.app.sitroom.followUps.actionItemsOf(refused.n))[0]?.issue).toBeUndefined();
    // Said where people look.
    expect((await refused.app.sitroom.service.timeline(refused.n)).at(-1)?.text).toBe('Action item #1: its GitHub issue could not be opened (GitHub answered 401: Bad credentials - https://docs.github.com/rest)');
  });

  it('does not open a second issue when the answer to the first was lost', async () => {
    const { app, github, n } = await start();
    github.loseNextAnswer = true;
    await app.sitroom.followUps.addActionItem(n, { text: 'Canary', owner: null, due: null, issue: true }, 'alice');
    await app.sitroom.deliverDue();
    app.clock.advance(10 * MINUTE);
    await app.sitroom.deliverDue();
    expect(github.calls.map((c) => `${c.method} ${c.status}`)).toEqual(['GET 200', 'POST 0', 'GET 200']);
    expect(github.issues).toHaveLength(1);
    expect((await app.sitroom.followUps.actionItemsOf(n))[0]?.issue).toEqual({ number: 1, url: `https://github.example/${REPO}/issues/1` });
  });

  it('refuses --issue with a clear error when GitHub is not configured', async () => {
    const app = new SitroomUnderTest({});
    await app.start();
    cleanup.push(() => app.stop());
    const n = (await app.sitroom.service.declare({ title: 'x', severity: 'sev3', isPrivate: false, platform: 'web', declaredBy: 'alice' })).incident.number;
    expect((await rejectionOf(() => app.sitroom.followUps.addActionItem(n, { text: 'Canary', owner: null, due: null, issue: true }, 'alice'))).code).toBe('issues_unavailable');
    expect(await app.sitroom.followUps.actionItemsOf(n)).toEqual([]);
  });
});

describe('the fake GitHub API, driven by the real @octokit/rest', () => {
  it('refuses bad credentials, unknown repositories and invalid issues as GitHub does', async () => {
    const github = await FakeGithubApi.start(TOKEN, REPO);
    cleanup.push(() => github.stop());
    const quiet = () => undefined;
    const log = { debug: quiet, info: quiet, warn: quiet, error: quiet };
    const ok = new Octokit({ auth: TOKEN, baseUrl: github.url, log });
    const status = (work: Promise<unknown>) => work.then(() => 200, (e: { status?: number }) => e.status);
    expect(await status(new Octokit({ auth: 'wrong', baseUrl: github.url, log }).rest.issues.create({ owner: 'acme', repo: 'follow-ups', title: 'x' }))).toBe(401);
    expect(await status(ok.rest.issues.create({ owner: 'acme', repo: 'nope', title: 'x' }))).toBe(404);
    expect(await status(ok.rest.issues.create({ owner: 'acme', repo: 'follow-ups', title: '' }))).toBe(422);
    expect(await status(ok.rest.issues.create({ owner: 'acme', repo: 'follow-ups', title: 'x'.repeat(257) }))).toBe(422);
    expect(await status(ok.rest.issues.get({ owner: 'acme', repo: 'follow-ups', issue_number: 9 }))).toBe(404);
    const { data } = await ok.rest.issues.create({ owner: 'acme', repo: 'follow-ups', title: 'x' });
    expect(data).toMatchObject({ number: 1, state: 'open' });
  });
});

describe('an issue of a private incident', () => {
  it('does not carry the incident’s title', async () => {
    const { app, github } = await start();
    const n = (await app.sitroom.service.declare({ title: 'Suspicious admin logins', severity: 'sev2', isPrivate: true, platform: 'web', declaredBy: 'alice' })).incident.number;
    await app.sitroom.followUps.addActionItem(n, { text: 'Rotate the admin keys', owner: null, due: null, issue: true }, 'alice');
    await app.sitroom.deliverDue();
    expect(github.issues[0]?.body).toContain(`Follow-up of incident #${n} (private)`);
    expect(JSON.stringify(github.issues)).not.toContain('Suspicious');
  });
});
