/**
 * The web UI in real headless Chromium (Debian's /usr/bin/chromium via playwright-core) against a real sitroom:
 * the board refreshing itself, the public status page, the web-only incident desk driven by labelled fields and
 * buttons, escaping, the keyboard, and screenshots of every page (test-artifacts/screenshots/, gitignored).
 * One browser for the file, a fresh context per test.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE } from '../fakes/fixed-clock.ts';
import { rawAlert, rawPayload } from '../fakes/alert-fixtures.ts';
import { AlertmanagerProcess } from '../fakes/alertmanager-process.ts';
import { SitroomUnderTest } from '../chat/scenarios/sitroom-under-test.ts';
import { SlackDriver } from '../chat/scenarios/slack-driver.ts';
import { REPO_ROOT } from '../e2e/bot-process.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(REPO_ROOT, 'test-artifacts', 'screenshots');
/** Waits for things the page does by itself (a fetch, a navigation): generous, but nothing here sleeps. */
const SOON = 10_000;

let browser: Browser;
let context: BrowserContext | undefined;
let app: SitroomUnderTest | undefined;
let slack: SlackDriver | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterEach(async () => {
  await context?.close();
  context = undefined;
  await app?.stop();
  app = undefined;
  await slack?.stop();
  slack = undefined;
});
afterAll(async () => {
  await browser?.close();
});

/** A fresh browser context (no cookies, no cache) and a page in it; JS errors on the page fail the test. */
async function newPage(options: BrowserContextOptions = {}): Promise<{ page: Page; errors: string[] }> {
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  context.setDefaultTimeout(SOON);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return { page, errors };
}

/** A web-only sitroom (no chat platform), on loopback without web sign-in. */
async function webOnly(env: Record<string, string> = {}): Promise<SitroomUnderTest> {
  app = new SitroomUnderTest(env);
  await app.start();
  return app;
}

/** A board column: `<section aria-labelledby="col-<phase>">` is a region named after its heading. */
const column = (page: Page, phase: string): Locator => page.locator(`section[aria-labelledby="col-${phase}"]`);
const cardLinks = (page: Page, phase: string) => column(page, phase).locator('.card h3 a').allTextContents();

/**
 * The board's script refreshes the columns every 15 s and whenever the tab becomes visible again
 * (`visibilitychange` with `document.hidden` false). A visible headless page reports `hidden === false`, so
 * dispatching the event is the script's own trigger, with no 15 s wait.
 */
const refreshBoard = (page: Page) => page.evaluate("document.dispatchEvent(new Event('visibilitychange'))");

describe('the board', () => {
  it('shows an incident declared in chat under Active, then under Mitigated after /incident mitigate, refreshing itself', async () => {
    slack = await SlackDriver.start();
    expect(await slack.command('declare sev2 Checkout latency spike')).toContain('Declared incident #1');
    const room = (await slack.sitroom().service.get(1)).room?.channelId ?? '';

    const { page, errors } = await newPage();
    await page.goto(`${slack.url}/`);
    expect(await cardLinks(page, 'active')).toEqual(['#1 Checkout latency spike']);
    expect(await column(page, 'mitigated').getByText('No incidents').isVisible()).toBe(true);
    // The war room link goes to Slack.
    expect(await column(page, 'active').getByRole('link', { name: /War room/ }).getAttribute('href')).toContain('slack.com/app_redirect?channel=');

    expect(await slack.command('mitigate', { in: room })).toContain('mitigated');
    await page.evaluate('window.__sameDocument = true');
    await refreshBoard(page);
    await column(page, 'mitigated').getByRole('link', { name: '#1 Checkout latency spike' }).waitFor();
    expect(await cardLinks(page, 'active')).toEqual([]);
    expect(await column(page, 'active').locator('h2').textContent()).toBe('active (0)');
    expect(await column(page, 'mitigated').locator('h2').textContent()).toBe('mitigated (1)');
    // Swapped in place: the same document, not a reload.
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    expect(errors).toEqual([]);
  });

  it('waits with the swap while focus is inside the columns, then refreshes', async () => {
    await webOnly();
    await app?.sitroom.service.declare({ title: 'Search is slow', severity: 'sev3', isPrivate: false, platform: 'web', declaredBy: 'alice' });
    const { page } = await newPage();
    await page.goto(`${app?.url}/`);
    // Count the script's fetches (it looks `fetch` up on each call).
    await page.evaluate('window.__fetches = 0; const f = window.fetch; window.fetch = (...a) => { window.__fetches++; return f(...a); }');
    await column(page, 'active').getByRole('link', { name: '#1 Search is slow' }).focus();
    await app?.sitroom.service.transition(1, 'mitigate', '', 'alice');
    await refreshBoard(page);
    expect(await page.evaluate('window.__fetches')).toBe(0);
    expect(await cardLinks(page, 'active')).toEqual(['#1 Search is slow']);
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('#1 Search is slow');

    await page.evaluate('document.activeElement.blur()');
    await refreshBoard(page);
    await column(page, 'mitigated').getByRole('link', { name: '#1 Search is slow' }).waitFor();
    // The refresh, and perhaps one more the live stream asked for once focus had left.
    expect(await page.evaluate('window.__fetches')).toBeGreaterThanOrEqual(1);
  });
});

describe('the status page', () => {
  it('shows nothing until an incident is published from its page, then only its public wording, on /status, in /status.json and in the feed', async () => {
    const token = 'a-web-token-of-24-chars!';
    app = new SitroomUnderTest({ WEB_AUTH_TOKEN: token, STATUS_COMPONENTS: 'api,checkout' });
    await app.start();
    const { service } = app.sitroom;
    const { page, errors } = await newPage();
    await page.goto(`${app.url}/status`);
    expect(await page.getByRole('status').textContent()).toBe('All systems operational');

    await page.goto(`${app.url}/signin`);
    await page.getByLabel('Access token (WEB_AUTH_TOKEN)').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${app.url}/`);
    // Declared by the signed-in viewer (a token sign-in with no name is `token`), so its private page is theirs to see.
    await service.declare({ title: 'ZQX Suspicious admin logins', severity: 'sev1', isPrivate: true, platform: 'web', declaredBy: 'token' });
    await page.getByLabel('Title', { exact: true }).fill('Primary DB failover stuck in eu-west-1b');
    await page.getByLabel('Severity').selectOption('sev2');
    await page.getByRole('button', { name: 'Declare' }).click();
    await page.waitForURL(`${app.url}/incidents/2`);
    await page.getByLabel(/^Update/).fill('Internal: replica lag is 40 minutes');
    await page.getByRole('button', { name: 'Post update' }).click();
    await page.getByRole('region', { name: 'Stakeholder updates' }).getByText('replica lag').waitFor();

    // Declared and updated, but not published: the public page still says nothing.
    await page.goto(`${app.url}/status`);
    expect(await page.getByRole('status').textContent()).toBe('All systems operational');
    expect(await page.locator('body').innerText()).not.toContain('Primary DB');

    await page.goto(`${app.url}/incidents/2`);
    const statusSection = page.getByRole('region', { name: 'Status page' });
    expect(await statusSection.getByText('Not on the status page').isVisible()).toBe(true);
    await page.getByLabel(/^Public title/).fill('Checkout is slow for some customers');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.waitForURL(`${app.url}/incidents/2`);
    await page.getByLabel(/^Public update/).fill('We have found the cause and are rolling out a fix');
    await page.getByRole('button', { name: 'Post public update' }).click();
    await statusSection.getByText('We have found the cause').waitFor();
    await page.getByLabel(/^Components/).fill('checkout');
    await page.getByRole('button', { name: 'Set components' }).click();
    await statusSection.getByText('checkout', { exact: true }).waitFor();

    await page.goto(`${app.url}/status`);
    expect(await page.getByRole('heading', { level: 3 }).allTextContents()).toEqual(['Checkout is slow for some customers']);
    expect(await page.getByRole('status').textContent()).toBe('Partial outage');
    expect(await page.getByText('We have found the cause and are rolling out a fix').isVisible()).toBe(true);
    const text = await page.locator('body').innerText();
    for (const secret of ['Primary DB', 'replica lag', 'ZQX', 'web:web']) expect(text, secret).not.toContain(secret);
    // Public: no link to the board or any incident.
    expect(await page.locator('a[href="/"], a[href^="/incidents"]').count()).toBe(0);

    const json = await (await page.request.get(`${app.url}/status.json`)).text();
    const feed = await (await page.request.get(`${app.url}/status/feed.atom`)).text();
    for (const body of [json, feed]) {
      expect(body).toContain('Checkout is slow for some customers');
      for (const secret of ['Primary DB', 'replica lag', 'ZQX', 'web:web']) expect(body, secret).not.toContain(secret);
    }

    // A private incident's page explains why it has no publish form.
    await page.goto(`${app.url}/incidents/1`);
    expect(await page.getByRole('region', { name: 'Status page' }).innerText()).toContain('Private incidents never go on the public status page.');
    expect(await page.getByRole('button', { name: 'Publish' }).count()).toBe(0);
    expect(errors.filter((e) => !e.includes('status of 401'))).toEqual([]);
  });
});

describe('live pages', () => {
  it('show a lapsed update as overdue without a reload — banner, card and tab title — on the board and the incident page', async () => {
    const sitroom = await webOnly();
    await sitroom.sitroom.service.declare({ title: 'Payments failing at checkout', severity: 'sev2', isPrivate: false, platform: 'web', declaredBy: 'alice' });
    const { page: board, errors } = await newPage();
    await board.goto(`${sitroom.url}/`);
    const incident = await context?.newPage();
    if (!incident) throw new Error('no second page');
    await incident.goto(`${sitroom.url}/incidents/1`);
    await board.evaluate('window.__sameDocument = true');
    await incident.evaluate('window.__sameDocument = true');
    expect(await board.title()).toBe('Incident board · sitroom');
    expect(await board.locator('.banner').count()).toBe(0);
    // Both pages are listening before the clock moves.
    await expect.poll(() => sitroom.sitroom.live.clients, { timeout: SOON }).toBe(2);

    // sev2 promises an update every hour; no write happens, only time passes.
    sitroom.clock.advance(61 * MINUTE);
    await board.locator('.banners .banner').waitFor();
    expect(await board.locator('.banners .banner').innerText()).toBe('Update for #1 Payments failing at checkout is overdue since 15:00 UTC');
    expect(await column(board, 'active').locator('.overdue').innerText()).toBe('overdue since 15:00 UTC');
    await expect.poll(() => board.title(), { timeout: SOON }).toBe('(1 overdue) Incident board · sitroom');
    await incident.locator('p.banner').waitFor();
    expect(await incident.locator('p.banner').innerText()).toBe('Update for #1 is overdue since 15:00 UTC — post one');
    await expect.poll(() => incident.title(), { timeout: SOON }).toBe('(overdue) #1 Payments failing at checkout · sitroom');
    // Swapped in place: the same documents, not reloads.
    expect(await board.evaluate('window.__sameDocument')).toBe(true);
    expect(await incident.evaluate('window.__sameDocument')).toBe(true);

    // An update clears it, again without a reload.
    await sitroom.sitroom.service.postUpdate(1, 'Payments are flowing again', 'alice');
    await expect.poll(() => board.locator('.banner').count(), { timeout: SOON }).toBe(0);
    await expect.poll(() => board.title(), { timeout: SOON }).toBe('Incident board · sitroom');
    expect(errors).toEqual([]);
  });
});

describe('signing in with WEB_AUTH_TOKEN', () => {
  it('signs in on /signin, acts on the board with the session, and signs out', async () => {
    const token = 'a-web-token-of-24-chars!';
    app = new SitroomUnderTest({ WEB_AUTH_TOKEN: token });
    await app.start();
    const { page, errors } = await newPage();
    const board = await page.goto(`${app.url}/`);
    expect(board?.status()).toBe(401);
    await page.getByLabel(/^Your name/).fill('Dana');
    await page.getByLabel('Access token (WEB_AUTH_TOKEN)').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${app.url}/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Incident board');
    const cookies = await context?.cookies();
    expect(cookies?.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite }))).toEqual([{ name: 'sitroom_session', httpOnly: true, sameSite: 'Strict' }]);
    expect(cookies?.[0]?.value).not.toContain(token);

    await page.getByLabel('Title', { exact: true }).fill('Signed-in declare');
    await page.getByRole('button', { name: 'Declare' }).click();
    await page.waitForURL(`${app.url}/incidents/1`);
    expect(await app.sitroom.service.get(1)).toMatchObject({ declaredBy: 'Dana (token)' });

    await page.goto(`${app.url}/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${app.url}/signin`);
    expect((await page.goto(`${app.url}/`))?.status()).toBe(401);
    // The two 401 pages are logged by Chromium as failed loads; nothing else went wrong.
    expect(errors.filter((e) => !e.includes('status of 401'))).toEqual([]);
  });
});

describe('web-only mode', () => {
  it('declares, takes the IC role, mitigates and updates an incident from the browser; an overdue update shows a banner', async () => {
    const sitroom = await webOnly();
    const { page, errors } = await newPage();
    await page.goto(`${sitroom.url}/`);
    expect(await page.getByRole('note').textContent()).toContain('Only this machine can use the board');

    await page.getByLabel('Title', { exact: true }).fill('Payments failing at checkout');
    await page.getByLabel('Severity').selectOption('sev2');
    await page.getByRole('button', { name: 'Declare' }).click();
    await page.waitForURL(`${sitroom.url}/incidents/1`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('#1 Payments failing at checkout');
    expect(await sitroom.sitroom.service.get(1)).toMatchObject({ platform: 'web', severity: 'sev2', declaredBy: 'local' });

    await page.getByLabel('Role', { exact: true }).selectOption('commander');
    await page.getByRole('button', { name: 'Assign role' }).click();
    await page.getByRole('region', { name: 'Roles' }).getByText('IC: local').waitFor();

    await page.getByLabel(/^Note \(optional\)/).fill('Rolled back release 42');
    await page.getByRole('button', { name: /^Mitigate/ }).click();
    await page.locator('.meta .phase-name').filter({ hasText: 'mitigated' }).waitFor();
    expect(await page.getByRole('region', { name: 'Phase history' }).getByRole('row').nth(1).innerText()).toMatch(/local\s+active → mitigated\s+Rolled back release 42/);
    // Resolve is the next step now; mitigate is gone.
    expect(await page.getByRole('button', { name: /^Resolve/ }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: /^Mitigate/ }).count()).toBe(0);

    sitroom.clock.advance(10 * MINUTE);
    await page.getByLabel(/^Update/).fill('Payments are flowing again; watching error rates.');
    await page.getByRole('button', { name: 'Post update' }).click();
    await page.getByRole('region', { name: 'Stakeholder updates' }).getByText('Payments are flowing again; watching error rates.').waitFor();
    expect(await sitroom.sitroom.service.get(1)).toMatchObject({ phase: 'mitigated', roles: { commander: 'local' }, lastUpdate: { text: 'Payments are flowing again; watching error rates.' } });
    expect(await page.locator('.banner').count()).toBe(0);

    await page.goto(`${sitroom.url}/`);
    expect(await cardLinks(page, 'mitigated')).toEqual(['#1 Payments failing at checkout']);
    expect(await column(page, 'mitigated').getByText('local').isVisible()).toBe(true);
    expect(await page.locator('.banner').count()).toBe(0);

    // sev2 promises an update every hour: 61 minutes later it is overdue, on the incident page and the board.
    sitroom.clock.advance(61 * MINUTE);
    await page.reload();
    expect(await page.locator('.banners .banner').innerText()).toBe('Update for #1 Payments failing at checkout is overdue since 15:10 UTC');
    expect(await column(page, 'mitigated').locator('.overdue').innerText()).toBe('overdue since 15:10 UTC');
    await page.locator('.banners .banner').getByRole('link').click();
    await page.waitForURL(`${sitroom.url}/incidents/1`);
    expect(await page.locator('p.banner').innerText()).toBe('Update for #1 is overdue since 15:10 UTC — post one');
    await page.locator('p.banner').getByRole('link', { name: 'post one' }).click();
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('update-text');
    expect(errors).toEqual([]);
  });

  it('shows a refused phase step with the chat’s wording, on the incident page', async () => {
    const sitroom = await webOnly();
    await sitroom.sitroom.service.declare({ title: 'Disk full', severity: 'sev3', isPrivate: false, platform: 'web', declaredBy: 'alice' });
    await sitroom.sitroom.service.transition(1, 'mitigate', '', 'alice');
    await sitroom.sitroom.service.transition(1, 'resolve', '', 'alice');
    await sitroom.sitroom.followUps.addActionItem(1, { text: 'Alert on 80% disk', owner: null, due: null }, 'alice');
    const { page } = await newPage();
    await page.goto(`${sitroom.url}/incidents/1`);
    await page.getByRole('button', { name: /^Close/ }).click();
    expect(await page.getByRole('alert').innerText()).toContain('Can’t close: 1 action item is still open (#1 Alert on 80% disk)');
    await page.getByLabel(/^Waive open action items/).fill('Tracked in OPS-7');
    await page.getByRole('button', { name: /^Close/ }).click();
    await page.getByText('This incident is closed: only its action items and postmortem are still written, below.').waitFor();
    expect((await sitroom.sitroom.service.get(1)).phase).toBe('closed');
  });
});

describe('the web desk alone', () => {
  it('runs an incident from declare to close: roles, cadence, snooze, rename, visibility, action items, postmortem sections; a refused form keeps its text', async () => {
    const sitroom = await webOnly();
    const { page, errors } = await newPage();
    await page.goto(`${sitroom.url}/`);
    await page.getByLabel('Title', { exact: true }).fill('Payments failing');
    await page.getByLabel('Severity').selectOption('sev2');
    await page.getByRole('button', { name: 'Declare' }).click();
    await page.waitForURL(`${sitroom.url}/incidents/1`);

    // Any role to anyone.
    await page.getByLabel('Role', { exact: true }).selectOption('commander');
    await page.getByLabel(/^Person/).fill('alice');
    await page.getByRole('button', { name: 'Assign role' }).click();
    await page.getByRole('region', { name: 'Roles' }).getByText('IC: alice').waitFor();

    // A refused cadence: the error beside the field, what was typed still there; then a good one.
    await page.getByLabel(/^Promise an update every/).fill('soonish');
    await page.getByRole('button', { name: 'Set cadence' }).click();
    const cadence = page.getByLabel(/^Promise an update every/);
    expect(await cadence.inputValue()).toBe('soonish');
    expect(await cadence.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#cadence-value-error').innerText()).toContain('soonish');
    await cadence.fill('30m');
    await page.getByRole('button', { name: 'Set cadence' }).click();
    await page.locator('dl.facts').getByText('every 30m').waitFor();

    await page.getByRole('button', { name: 'Snooze 15 minutes' }).click();
    await page.getByRole('region', { name: 'Timeline' }).getByText('Update reminder snoozed for 15m').waitFor();

    await page.getByLabel('Title', { exact: true }).fill('Card payments failing at checkout');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('heading', { level: 1, name: '#1 Card payments failing at checkout' }).waitFor();

    await page.getByRole('button', { name: 'Make private' }).click();
    await page.locator('.meta .tag').filter({ hasText: 'private' }).waitFor();
    expect(await page.getByRole('button', { name: 'Make public' }).isVisible()).toBe(true);

    // The live counter follows typing (the script is our own, allowed by the CSP).
    const update = page.getByLabel(/^Update \(/);
    await update.fill('Card payments fail for some customers.');
    expect(await page.locator('#update-text-count').innerText()).toBe('38 / 3000');
    await page.getByRole('button', { name: 'Post update' }).click();
    await page.getByRole('region', { name: 'Stakeholder updates' }).getByText('Card payments fail for some customers.').waitFor();

    // Action items: add with owner and due date, then give it another owner.
    await page.getByLabel('What must happen').fill('Add a synthetic checkout probe');
    await page.getByLabel(/^Owner \(optional\)/).fill('bob');
    await page.getByLabel(/^Due \(optional\)/).fill('2025-04-01');
    await page.getByRole('button', { name: 'Add action item' }).click();
    const items = page.getByRole('region', { name: 'Action items' });
    await items.getByText('Add a synthetic checkout probe').waitFor();
    await items.getByText('Change').click();
    await page.locator('#item-1-owner').fill('carol');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('region', { name: 'Action items' }).getByRole('cell', { name: 'carol' }).waitFor();

    await page.getByRole('button', { name: /^Mitigate/ }).click();
    await page.locator('.meta .phase-name').filter({ hasText: 'mitigated' }).waitFor();
    await page.getByRole('button', { name: /^Resolve/ }).click();
    await page.locator('.meta .phase-name').filter({ hasText: 'resolved' }).waitFor();

    // The postmortem's human sections: stored, shown, and in the document.
    await page.getByLabel('Summary').fill('A bad deploy broke card payments.');
    await page.getByLabel('What went well').fill('Rollback took two minutes.');
    await page.getByRole('button', { name: 'Save sections' }).click();
    await page.getByRole('article', { name: 'Postmortem document' }).getByText('A bad deploy broke card payments.').waitFor();
    expect(await page.getByLabel('What went well').inputValue()).toBe('Rollback took two minutes.');
    const markdown = (await sitroom.sitroom.followUps.postmortem(1))?.markdown ?? '';
    expect(markdown).toContain('## Summary\n\nA bad deploy broke card payments.');
    expect(markdown).toContain('## What went wrong\n\n_To be written._');

    // Close with the item open: refused beside the waiver field, the note typed is kept.
    await page.getByLabel(/^Note \(optional\)/).fill('All clear since 15:40');
    await page.getByRole('button', { name: /^Close/ }).click();
    expect(await page.locator('#phase-waiver-error').innerText()).toContain('1 action item is still open');
    expect(await page.getByLabel(/^Note \(optional\)/).inputValue()).toBe('All clear since 15:40');
    await items.getByRole('button', { name: 'Done' }).click();
    await items.getByText(/^done/).waitFor();
    await page.getByRole('button', { name: /^Close/ }).click();
    await page.getByText('This incident is closed: only its action items and postmortem are still written, below.').waitFor();

    const incident = await sitroom.sitroom.service.get(1);
    expect(incident).toMatchObject({ phase: 'closed', title: 'Card payments failing at checkout', isPrivate: true, cadence: 1800, roles: { commander: 'alice' } });
    // Everything done on the web is recorded as its viewer; sitroom itself only wrote the postmortem on resolve.
    const timeline = await sitroom.sitroom.service.timeline(1);
    expect(new Set(timeline.filter((e) => e.kind !== 'postmortem_written').map((e) => e.actor))).toEqual(new Set(['local']));
    expect(timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['role_assigned', 'cadence_changed', 'reminder_snoozed', 'renamed', 'visibility_changed', 'action_added', 'action_updated', 'action_done', 'postmortem_edited']));
    // The two refused forms (409) are logged by Chromium as failed loads; nothing else went wrong.
    expect(errors.filter((e) => !e.includes('status of 409'))).toEqual([]);
  });

  it('shows Alertmanager’s groups in the alert inbox, with the card’s actions', async () => {
    const sitroom = await webOnly();
    await sitroom.webhook(rawPayload([rawAlert(1), rawAlert(2)]));
    const { page, errors } = await newPage();
    await page.goto(`${sitroom.url}/alerts`);
    const item = page.locator('.alert-item').first();
    expect(await item.getByRole('heading', { level: 2 }).innerText()).toContain('HighErrorRate');
    expect(await item.innerText()).toContain('2 firing');
    await item.getByRole('button', { name: 'Acknowledge' }).click();
    await page.locator('.alert-item').first().getByText(/acknowledged by local/).waitFor();
    await page.locator('.alert-item').first().getByRole('button', { name: 'Declare incident' }).click();
    await page.waitForURL(`${sitroom.url}/incidents/1`);
    expect(await page.locator('section[aria-labelledby="alerts-h"]').innerText()).toContain('HighErrorRate');
    expect(errors).toEqual([]);
  });
});

describe('the alert inbox with a real Alertmanager', () => {
  let am: AlertmanagerProcess | undefined;
  afterEach(async () => {
    await am?.stop();
    am = undefined;
  });

  it('silences one group in Alertmanager and marks another not actionable, from the inbox’s buttons', async () => {
    // Alertmanager only posts to this sitroom's webhook if asked; here it is the silence API that matters.
    am = await AlertmanagerProcess.start({ webhookUrl: 'http://127.0.0.1:9/alertmanager' });
    const sitroom = await webOnly({ ALERTMANAGER_URL: am.url });
    // Alertmanager refuses a silence that has already ended: sitroom's clock is the real one here.
    sitroom.clock.set(Date.now());
    const group = (name: string) => rawPayload([rawAlert(1, { labels: { alertname: name, service: 'checkout', severity: 'critical' } })], { groupKey: `{}:{alertname="${name}"}`, groupLabels: { alertname: name } });
    await sitroom.webhook(group('DiskFull'));
    await sitroom.webhook(group('CertExpiring'));
    const { page, errors } = await newPage();
    await page.goto(`${sitroom.url}/alerts`);
    const item = (name: string) => page.locator('.alert-item').filter({ has: page.getByRole('heading', { level: 2, name: new RegExp(name) }) });

    await item('DiskFull').getByRole('button', { name: 'Silence 1h' }).click();
    await item('DiskFull').getByText(/silenced until/).waitFor();
    expect(await item('DiskFull').getByRole('button', { name: /^Silence/ }).count()).toBe(0);
    const silences = await am.silences();
    expect(silences).toHaveLength(1);
    expect(silences[0]?.status.state).toBe('active');
    expect(silences[0]?.matchers).toEqual([expect.objectContaining({ name: 'alertname', value: 'DiskFull', isEqual: true })]);

    await item('CertExpiring').getByRole('button', { name: 'Not actionable' }).click();
    await item('CertExpiring').getByText('marked not actionable by local').waitFor();
    expect(await item('CertExpiring').getByRole('button', { name: 'Not actionable' }).count()).toBe(0);
    expect(await am.silences()).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});

describe('escaping', () => {
  it('renders a <script> title as text: nothing runs', async () => {
    const sitroom = await webOnly();
    const title = '<script>window.__pwned=1</script>';
    const { page, errors } = await newPage();
    await page.goto(`${sitroom.url}/`);
    await page.getByLabel('Title', { exact: true }).fill(title);
    await page.getByRole('button', { name: 'Declare' }).click();
    await page.waitForURL(`${sitroom.url}/incidents/1`);
    expect((await sitroom.sitroom.service.get(1)).title).toBe(title);

    const onlyOurScripts = "[...document.scripts].map((s) => s.src.replace(location.origin, '') || 'inline:' + s.textContent)";
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`#1 ${title}`);
    expect(await page.title()).toBe(`#1 ${title} · sitroom`);
    // The incident page's scripts: its live refresh and the forms' length counter.
    expect(await page.evaluate(onlyOurScripts)).toEqual(['/assets/board.js', '/assets/desk.js']);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    await page.getByLabel(/^Public title/).fill(title);
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('region', { name: 'Status page' }).getByText('On the status page', { exact: true }).waitFor();

    await page.goto(`${sitroom.url}/`);
    expect(await cardLinks(page, 'active')).toEqual([`#1 ${title}`]);
    const refreshed = page.waitForResponse((r) => r.url().endsWith('/?fragment=columns'));
    await refreshBoard(page);
    await refreshed;
    expect(await cardLinks(page, 'active')).toEqual([`#1 ${title}`]);
    expect(await page.evaluate(onlyOurScripts)).toEqual(['/assets/board.js', '/assets/desk.js']);

    await page.goto(`${sitroom.url}/status`);
    expect(await page.getByRole('heading', { level: 3 }).textContent()).toBe(title);
    expect(await page.evaluate(onlyOurScripts)).toEqual([]);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(errors).toEqual([]);
  });
});

describe('the keyboard', () => {
  it('fills and submits the declare form with Tab, arrows, Space and Enter', async () => {
    const sitroom = await webOnly();
    const { page } = await newPage();
    await page.goto(`${sitroom.url}/`);
    const focused = () => page.evaluate("document.activeElement && (document.activeElement.id || document.activeElement.textContent)");

    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Skip to content');
    for (let i = 0; i < 10 && (await focused()) !== 'declare-title'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('declare-title');
    await page.keyboard.type('Typed without a mouse');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('declare-severity');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('declare-private');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('declare-drill');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Declare');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${sitroom.url}/incidents/1`);
    expect(await sitroom.sitroom.service.get(1)).toMatchObject({ title: 'Typed without a mouse', severity: 'sev2', isPrivate: true, drill: false });
  });
});

/** A board with something in every column, an overdue banner, a private incident and a long title. */
async function busySitroom(): Promise<SitroomUnderTest> {
  const sitroom = await webOnly({ STATUS_COMPONENTS: 'api,checkout,search' });
  const { service, followUps } = sitroom.sitroom;
  const declare = (title: string, severity: 'sev1' | 'sev2' | 'sev3' | 'sev4' | 'sev5', isPrivate = false) =>
    service.declare({ title, severity, isPrivate, platform: 'web', declaredBy: 'web:alice' });
  await declare('Old login bug', 'sev4');
  for (const step of ['mitigate', 'resolve', 'close'] as const) await service.transition(1, step, '', 'web:alice');
  sitroom.clock.advance(20 * MINUTE);
  await declare('Emails delayed by up to an hour for EU customers', 'sev3');
  await service.postUpdate(2, 'Queue drained; delivery back to normal.', 'web:carol');
  await service.transition(2, 'mitigate', 'Scaled the mail workers', 'web:carol');
  await service.transition(2, 'resolve', '', 'web:carol');
  sitroom.clock.advance(10 * MINUTE);
  await declare('Search results are slow', 'sev3');
  await service.assignRole(3, 'commander', 'web:dan', 'web:dan');
  await service.transition(3, 'mitigate', 'Turned off fuzzy matching', 'web:dan');
  sitroom.clock.advance(5 * MINUTE);
  await declare('Checkout returns 502 for all card payments', 'sev1');
  await service.assignRole(4, 'commander', 'web:alice', 'web:alice');
  await service.assignRole(4, 'comms', 'web:bob', 'web:bob');
  await service.postUpdate(4, 'We are investigating failed card payments at checkout.', 'web:bob');
  await service.addNote(4, 'Payment provider status page is green.', 'web:alice');
  await followUps.addActionItem(4, { text: 'Add a synthetic checkout probe', owner: 'web:alice', due: '2025-03-28' }, 'web:alice');
  await declare('Suspicious admin logins from a new ASN', 'sev2', true);
  await declare('Averyveryveryverylongwordwithoutanyspacesthatmightoverflowacardonaphone-and-more-more-more', 'sev5');
  await sitroom.webhook(rawPayload([rawAlert(1), rawAlert(2)]));
  const { publishing } = sitroom.sitroom;
  await publishing.publish(4, 'Card payments are failing at checkout', 'web:bob');
  await publishing.postPublicUpdate(4, 'We are investigating failed card payments and will update within 30 minutes.', 'web:bob');
  await publishing.setComponents(4, 'checkout,api', 'web:bob');
  await publishing.publish(2, 'Some emails were delayed', 'web:carol');
  await publishing.publish(6, 'Averyveryveryverylongpublictitlewithoutanyspacesthatmightoverflowaphone-and-more', 'web:bob');
  sitroom.clock.advance(45 * MINUTE);
  return sitroom;
}

describe('screenshots', () => {
  async function shoot(page: Page, name: string): Promise<string> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const path = join(SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  }

  const PHONE_DARK: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme: 'dark' };

  it('of the board, an incident and the status page, and of the board on a phone in dark mode', async () => {
    const sitroom = await busySitroom();
    const { page, errors } = await newPage();
    await page.goto(`${sitroom.url}/`);
    expect(await page.locator('.banners .banner').count()).toBe(1);
    await shoot(page, 'board');
    await page.goto(`${sitroom.url}/incidents/4`);
    await shoot(page, 'incident');
    await page.goto(`${sitroom.url}/status`);
    expect(await page.getByRole('heading', { level: 3 }).allTextContents()).toHaveLength(3);
    await shoot(page, 'status');
    expect(errors).toEqual([]);
    await context?.close();

    const phone = await newPage(PHONE_DARK);
    await phone.page.goto(`${sitroom.url}/`);
    expect(await phone.page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")).toBe(true);
    expect(await phone.page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(18, 20, 23)');
    await shoot(phone.page, 'board-phone-dark');
    await phone.page.goto(`${sitroom.url}/incidents/4`);
    await shoot(phone.page, 'incident-phone-dark');
    await phone.page.goto(`${sitroom.url}/status`);
    expect(await phone.page.evaluate("document.documentElement.scrollWidth + ' of ' + document.documentElement.clientWidth")).toBe('390 of 390');
    expect(await phone.page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(18, 20, 23)');
    await shoot(phone.page, 'status-phone-dark');
    await phone.page.goto(`${sitroom.url}/alerts`);
    await shoot(phone.page, 'alerts-phone-dark');
    expect(phone.errors).toEqual([]);
  });
});

describe('on a phone', () => {
  it('nothing on the board or an incident page makes a phone scroll sideways', async () => {
    const sitroom = await webOnly();
    await sitroom.sitroom.service.declare({ title: 'Checkout down', severity: 'sev1', isPrivate: false, platform: 'web', declaredBy: 'alice' });
    await sitroom.sitroom.followUps.addActionItem(1, { text: 'Add a synthetic checkout probe with a long name', owner: 'alice@example.com', due: '2025-03-28' }, 'alice');
    await sitroom.webhook(rawPayload([rawAlert(1), rawAlert(2)]));
    await sitroom.sitroom.publishing.publish(1, 'Checkoutisdownforeveryonewhotriestopayrightnow-and-longer-still', 'alice');
    await sitroom.sitroom.publishing.postPublicUpdate(1, 'https://example.com/a-very-long-link-without-any-break-points-at-all-in-it-whatsoever', 'alice');
    const { page } = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const widths: Record<string, string> = {};
    for (const path of ['/', '/incidents/1', '/status', '/alerts']) {
      await page.goto(`${sitroom.url}${path}`);
      widths[path] = String(await page.evaluate("document.documentElement.scrollWidth + ' of ' + document.documentElement.clientWidth"));
    }
    expect(widths).toEqual({ '/': '390 of 390', '/incidents/1': '390 of 390', '/status': '390 of 390', '/alerts': '390 of 390' });
  });
});

/** axe-core's own source, injected into each page as it is (no network). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
}

/**
 * What axe-core finds on the page that is serious or critical, as `rule: help (selectors)`. Run through the
 * DevTools protocol (page.evaluate), which the pages' Content-Security-Policy does not apply to.
 */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const result = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as AxeResult;
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`);
}

describe('accessibility (axe-core)', () => {
  const LAYOUTS: [string, BrowserContextOptions][] = [
    ['on a desktop', {}],
    ['at 390 px in dark mode', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, colorScheme: 'dark' }],
  ];
  // axe walks every node of six pages: allow for a busy machine.
  it.each(LAYOUTS)('finds no serious or critical violation on the board, incidents with their desk forms, the status page, the alert inbox and a refused form, %s', async (_name, options) => {
    const sitroom = await busySitroom();
    const found: Record<string, string[]> = {};
    const { page } = await newPage(options);
    for (const path of ['/', '/incidents/4', '/incidents/5', '/incidents/1', '/status', '/alerts']) {
      await page.goto(`${sitroom.url}${path}`);
      found[path] = await seriousViolations(page);
    }
    // A refused form: the error beside its field, what was typed kept.
    await page.goto(`${sitroom.url}/incidents/4`);
    await page.getByLabel(/^Promise an update every/).fill('soonish');
    await page.getByRole('button', { name: 'Set cadence' }).click();
    await page.locator('#cadence-value-error').waitFor();
    found['refused cadence'] = await seriousViolations(page);
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
    // The check itself finds a planted violation (an image with no text alternative is critical).
    await page.evaluate(`document.querySelector('main').insertAdjacentHTML('beforeend', '<img src="/nothing.png">')`);
    expect((await seriousViolations(page)).map((v) => v.split(':')[0])).toContain('image-alt');
  }, 120_000);
});
