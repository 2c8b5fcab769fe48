/**
 * The web UI in real headless Chromium (Debian's /usr/bin/chromium via playwright-core) against a real sitroom:
 * the board refreshing itself, the public status page, the web-only incident desk driven by labelled fields and
 * buttons, escaping, the keyboard, and screenshots of every page (test-artifacts/screenshots/, gitignored).
 * One browser for the file, a fresh context per test.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE } from '../fakes/fixed-clock.ts';
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
async function webOnly(): Promise<SitroomUnderTest> {
  app = new SitroomUnderTest({});
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
    const room = slack.sitroom().service.get(1).room?.channelId ?? '';

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
    expect(await page.evaluate('window.__fetches')).toBe(1);
  });
});

describe('the status page', () => {
  it('says "All systems operational" with no incident, then shows a public incident and hides a private one', async () => {
    const sitroom = await webOnly();
    const { page, errors } = await newPage();
    await page.goto(`${sitroom.url}/status`);
    expect(await page.getByRole('status').textContent()).toBe('All systems operational');

    const { service } = sitroom.sitroom;
    await service.declare({ title: 'Suspicious admin logins', severity: 'sev1', isPrivate: true, platform: 'web', declaredBy: 'alice' });
    await service.postUpdate(1, 'Rotating every credential', 'alice');
    expect((await page.reload())?.status()).toBe(200);
    expect(await page.getByText('All systems operational').count()).toBe(1);

    await service.declare({ title: 'Search is slow', severity: 'sev3', isPrivate: false, platform: 'web', declaredBy: 'alice' });
    await service.postUpdate(2, 'A reindex is running', 'alice');
    await page.reload();
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).toEqual(['Search is slow']);
    expect(await page.getByText('A reindex is running').isVisible()).toBe(true);
    const text = await page.locator('body').innerText();
    expect(text).not.toContain('Suspicious');
    expect(text).not.toContain('Rotating');
    expect(await page.getByText('All systems operational').count()).toBe(0);
    // Public: no link to the board or any incident.
    expect(await page.locator('a[href="/"], a[href^="/incidents"]').count()).toBe(0);
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
    await page.getByLabel('Access token (WEB_AUTH_TOKEN)').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${app.url}/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Incident board');
    const cookies = await context?.cookies();
    expect(cookies?.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite }))).toEqual([{ name: 'sitroom_session', httpOnly: true, sameSite: 'Strict' }]);
    expect(cookies?.[0]?.value).not.toContain(token);

    await page.getByLabel('Title').fill('Signed-in declare');
    await page.getByRole('button', { name: 'Declare' }).click();
    await page.waitForURL(`${app.url}/incidents/1`);
    expect(app.sitroom.service.get(1)).toMatchObject({ declaredBy: 'web:web' });

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

    await page.getByLabel('Title').fill('Payments failing at checkout');
    await page.getByLabel('Severity').selectOption('sev2');
    await page.getByRole('button', { name: 'Declare' }).click();
    await page.waitForURL(`${sitroom.url}/incidents/1`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('#1 Payments failing at checkout');
    expect(sitroom.sitroom.service.get(1)).toMatchObject({ platform: 'web', severity: 'sev2', declaredBy: 'web:local' });

    await page.getByLabel('Role', { exact: true }).selectOption('commander');
    await page.getByRole('button', { name: 'Take role' }).click();
    await page.getByRole('region', { name: 'Roles' }).getByText('IC: web:local').waitFor();

    await page.getByLabel(/^Note \(optional\)/).fill('Rolled back release 42');
    await page.getByRole('button', { name: /^Mitigate/ }).click();
    await page.locator('.meta .phase-name').filter({ hasText: 'mitigated' }).waitFor();
    expect(await page.getByRole('region', { name: 'Phase history' }).getByRole('row').nth(1).innerText()).toMatch(/web:local\s+active → mitigated\s+Rolled back release 42/);
    // Resolve is the next step now; mitigate is gone.
    expect(await page.getByRole('button', { name: /^Resolve/ }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: /^Mitigate/ }).count()).toBe(0);

    sitroom.clock.advance(10 * MINUTE);
    await page.getByLabel(/^Update/).fill('Payments are flowing again; watching error rates.');
    await page.getByRole('button', { name: 'Post update' }).click();
    await page.getByRole('region', { name: 'Stakeholder updates' }).getByText('Payments are flowing again; watching error rates.').waitFor();
    expect(sitroom.sitroom.service.get(1)).toMatchObject({ phase: 'mitigated', roles: { commander: 'web:local' }, lastUpdate: { text: 'Payments are flowing again; watching error rates.' } });
    expect(await page.locator('.banner').count()).toBe(0);

    await page.goto(`${sitroom.url}/`);
    expect(await cardLinks(page, 'mitigated')).toEqual(['#1 Payments failing at checkout']);
    expect(await column(page, 'mitigated').getByText('web:local').isVisible()).toBe(true);
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
    await page.getByText('This incident is closed: nothing more to do here.').waitFor();
    expect(sitroom.sitroom.service.get(1).phase).toBe('closed');
  });
});

describe('escaping', () => {
  it('renders a <script> title as text: nothing runs', async () => {
    const sitroom = await webOnly();
    const title = '<script>window.__pwned=1</script>';
    const { page, errors } = await newPage();
    await page.goto(`${sitroom.url}/`);
    await page.getByLabel('Title').fill(title);
    await page.getByRole('button', { name: 'Declare' }).click();
    await page.waitForURL(`${sitroom.url}/incidents/1`);
    expect(sitroom.sitroom.service.get(1).title).toBe(title);

    const onlyOurScripts = "[...document.scripts].map((s) => s.src.replace(location.origin, '') || 'inline:' + s.textContent)";
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`#1 ${title}`);
    expect(await page.title()).toBe(`#1 ${title} · sitroom`);
    expect(await page.evaluate(onlyOurScripts)).toEqual([]);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');

    await page.goto(`${sitroom.url}/`);
    expect(await cardLinks(page, 'active')).toEqual([`#1 ${title}`]);
    const refreshed = page.waitForResponse((r) => r.url().endsWith('/?fragment=columns'));
    await refreshBoard(page);
    await refreshed;
    expect(await cardLinks(page, 'active')).toEqual([`#1 ${title}`]);
    expect(await page.evaluate(onlyOurScripts)).toEqual(['/assets/board.js']);

    await page.goto(`${sitroom.url}/status`);
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe(title);
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
    expect(sitroom.sitroom.service.get(1)).toMatchObject({ title: 'Typed without a mouse', severity: 'sev2', isPrivate: true, drill: false });
  });
});

describe('screenshots', () => {
  /** A board with something in every column, an overdue banner, a private incident and a long title. */
  async function busySitroom(): Promise<SitroomUnderTest> {
    const sitroom = await webOnly();
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
    sitroom.clock.advance(45 * MINUTE);
    return sitroom;
  }

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
    await shoot(phone.page, 'status-phone-dark');
    expect(phone.errors).toEqual([]);
  });
});

describe('on a phone', () => {
  it('nothing on the board or an incident page makes a phone scroll sideways', async () => {
    const sitroom = await webOnly();
    await sitroom.sitroom.service.declare({ title: 'Checkout down', severity: 'sev1', isPrivate: false, platform: 'web', declaredBy: 'alice' });
    const { page } = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const widths: Record<string, string> = {};
    for (const path of ['/', '/incidents/1', '/status']) {
      await page.goto(`${sitroom.url}${path}`);
      widths[path] = String(await page.evaluate("document.documentElement.scrollWidth + ' of ' + document.documentElement.clientWidth"));
    }
    expect(widths).toEqual({ '/': '390 of 390', '/incidents/1': '390 of 390', '/status': '390 of 390' });
  });
});
