/**
 * The web routes over real HTTP against a real sitroom (createSitroom on a temp database): who may see what
 * (loopback, WEB_AUTH_TOKEN, WEB_USERS), the board's actions through the same rules and wording as the chat,
 * the JSON API against its published zod schemas, escaping, private incidents and the security headers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorText } from '../../src/presentation/error-text.ts';
import { IncidentError } from '../../src/incidents/errors.ts';
import { incidentDetailSchema, incidentListSchema } from '../../src/web/api-schema.ts';
import { escapeHtml } from '../../src/web/pages/html.ts';
import { LOOPBACK_ACCESS_NOTE } from '../../src/web/pages/layout.ts';
import { SitroomUnderTest } from '../chat/scenarios/sitroom-under-test.ts';
import { rawRequest } from '../e2e/raw-http.ts';
import { MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { basic, declared, signIn, WebClient } from './web-client.ts';

const TOKEN = 'a-web-token-of-24-chars!';
const USERS = 'alice:wonder-land,bob:b:uild:er';

let app: SitroomUnderTest;
async function start(env: Record<string, string> = {}): Promise<WebClient> {
  app = new SitroomUnderTest(env);
  await app.start();
  return new WebClient(app);
}
afterEach(async () => {
  await app?.stop();
});

/** What the chat says for a broken rule, as the page shows it (HTML-escaped). */
const said = (...args: ConstructorParameters<typeof IncidentError>) => escapeHtml(errorText(new IncidentError(...args)));
const incident = (n: number) => app.sitroom.service.get(n);
const timelineKinds = async (n: number) => (await app.sitroom.service.timeline(n)).map((e) => e.kind);
/** The id the pages give a column section's heading, and the card links inside it. */
function cardsIn(page: string, phase: string): number[] {
  const section = new RegExp(`<section class="column" aria-labelledby="col-${phase}">([\\s\\S]*?)</section>`).exec(page)?.[1] ?? '';
  return [...section.matchAll(/<a href="\/incidents\/(\d+)">/g)].map((m) => Number(m[1]));
}

describe('with no web sign-in configured (loopback only)', () => {
  let web: WebClient;
  beforeEach(async () => {
    web = await start();
  });

  it('answers the board, its columns, the incident page, the script and the API on loopback', async () => {
    await declared(app, { title: 'Checkout down' });
    const board = await web.get('/');
    expect(board.status).toBe(200);
    expect(board.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(board.text).toContain('<h1>Incident board</h1>');
    expect(cardsIn(board.text, 'active')).toEqual([1]);

    const columns = await web.get('/?fragment=columns');
    expect(columns.status).toBe(200);
    expect(columns.text).toMatch(/^<div id="board-live" data-live="\/\?fragment=columns"/);
    expect(columns.text).toContain('<div id="board-columns" class="columns">');
    expect(columns.text).not.toContain('<html');

    const page = await web.get('/incidents/1');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1><span class="num">#1</span> Checkout down</h1>');

    const script = await web.get('/assets/board.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.text).toContain("new EventSource('/events')");

    expect((await web.get('/api/incidents')).status).toBe(200);
    expect((await web.get('/api/incidents/1')).status).toBe(200);
  });

  it('orders each column by what matters: severity, then an overdue update, then age (never newest first)', async () => {
    const at = (minutes: number) => app.clock.set(T0 + minutes * MINUTE);
    at(0);
    await declared(app, { title: 'Typo on the pricing page', severity: 'sev5' });
    at(1);
    await declared(app, { title: 'Search slow', severity: 'sev2' });
    at(2);
    await declared(app, { title: 'Checkout down', severity: 'sev1' });
    at(3);
    await declared(app, { title: 'Payments down', severity: 'sev1' });
    at(4);
    await declared(app, { title: 'Login slow', severity: 'sev2' });
    // #3 promises its next update at 50 min; #4's (due at 33 min) has lapsed by 40: the younger SEV1 goes first.
    at(20);
    await app.sitroom.service.postUpdate(3, 'Rolling back', 'alice');
    at(40);
    const expected = [4, 3, 2, 5, 1];
    expect(cardsIn((await web.get('/')).text, 'active')).toEqual(expected);
    expect(cardsIn((await web.get('/?fragment=columns')).text, 'active')).toEqual(expected);
  });

  it('says on the board that only this machine may use it, and how to open it up', async () => {
    const board = await web.get('/');
    expect(board.text).toContain(`<p class="access-note" role="note">${LOOPBACK_ACCESS_NOTE}</p>`);
    expect(LOOPBACK_ACCESS_NOTE).toContain('WEB_AUTH_TOKEN or WEB_USERS');
    await declared(app, { title: 'x' });
    expect((await web.get('/incidents/1')).text).toContain('class="access-note"');
  });

  it('answers 404 for an unknown incident, on the page and in the API', async () => {
    const page = await web.get('/incidents/42');
    expect(page.status).toBe(404);
    expect(page.text).toContain('There is no incident #42.');
    const api = await web.json('/api/incidents/42');
    expect(api).toEqual({ status: 404, body: { error: 'no incident #42' } });
  });

  it('sends CSP, X-Frame-Options, nosniff and no-store on every page, the columns fragment included', async () => {
    await declared(app, { title: 'Checkout down' });
    for (const path of ['/', '/?fragment=columns', '/incidents/1', '/status', '/incidents/99']) {
      expect((await web.get(path)).headers.get('x-frame-options'), path).toBe('DENY');
      const { headers } = await web.get(path);
      const csp = headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("form-action 'self'");
      expect(headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(headers.get('cache-control'), path).toBe('no-store');
      expect(headers.get('referrer-policy'), path).toBe('same-origin');
    }
    expect((await web.get('/assets/board.js')).headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('with WEB_AUTH_TOKEN', () => {
  let web: WebClient;
  beforeEach(async () => {
    web = await start({ WEB_AUTH_TOKEN: TOKEN });
    await declared(app, { title: 'Checkout down' });
  });

  it('answers 401 without the token, on pages and in the API', async () => {
    for (const path of ['/', '/?fragment=columns', '/incidents/1', '/api/incidents', '/api/incidents/1']) {
      const answer = await web.get(path);
      expect(answer.status, path).toBe(401);
      expect(answer.headers.get('www-authenticate'), path).toBeNull();
      expect(answer.text, path).toContain('WEB_AUTH_TOKEN');
      expect(answer.text, path).not.toContain('Checkout down');
    }
    expect(JSON.parse((await web.get('/api/incidents')).text)).toEqual({ error: expect.stringContaining('Sign in') });
    expect((await web.get('/', { authorization: 'Bearer not-the-token-at-all' })).status).toBe(401);
  });

  it('answers 200 with the token as a bearer', async () => {
    const bearer = new WebClient(app, { authorization: `Bearer ${TOKEN}` });
    for (const path of ['/', '/incidents/1', '/api/incidents', '/api/incidents/1']) expect((await bearer.get(path)).status, path).toBe(200);
    // Signed in: no loopback note.
    expect((await bearer.get('/')).text).not.toContain('class="access-note"');
  });

  it('signs in on /signin with the token: a session cookie (not the token), HttpOnly, SameSite=Strict, and a redirect to the board', async () => {
    const form = await web.get('/signin');
    expect(form.status).toBe(200);
    expect(form.text).toContain('<form method="post" action="/signin"');
    const signin = await web.post('/signin', { token: TOKEN });
    expect(signin.status).toBe(303);
    expect(signin.headers.get('location')).toBe('/');
    const cookie = signin.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^sitroom_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).not.toContain(encodeURIComponent(TOKEN));
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Strict/i);
    expect(cookie).toMatch(/;\s*Path=\//);
    expect(cookie).not.toMatch(/Secure/);

    const withCookie = new WebClient(app, { cookie: cookie.split(';')[0] ?? '' });
    const board = await withCookie.get('/');
    expect(board.status).toBe(200);
    expect(board.text).toContain('Checkout down');
    expect(board.text).toContain('action="/signout"');
    expect((await withCookie.get('/api/incidents/1')).status).toBe(200);
    // The session's viewer may act too (its CSRF token is bound to the session).
    expect((await withCookie.act('/incidents/1/note', { text: 'from the session' })).status).toBe(303);
    // Another session's CSRF token does not work for this one.
    const other = new WebClient(app, { cookie: await signIn(app, TOKEN) });
    expect((await withCookie.post('/incidents/1/note', { text: 'x', csrf: await other.csrf() })).status).toBe(403);
  });

  it('shares sessions through the database: a restarted sitroom still knows them', async () => {
    const cookie = await signIn(app, TOKEN);
    await app.restart();
    expect((await new WebClient(app, { cookie }).get('/')).status).toBe(200);
  });

  it('signs out: the session ends and the cookie is cleared', async () => {
    const cookie = await signIn(app, TOKEN);
    const session = new WebClient(app, { cookie });
    const out = await session.act('/signout', {});
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/signin');
    expect(out.headers.get('set-cookie')).toMatch(/^sitroom_session=; .*Max-Age=0/);
    expect((await session.get('/')).status).toBe(401);
  });

  it('ends a session after 12 hours unused', async () => {
    const session = new WebClient(app, { cookie: await signIn(app, TOKEN) });
    app.clock.advance(12 * 3_600_000 + 1);
    expect((await session.get('/')).status).toBe(401);
  });

  it('marks the session cookie Secure when PUBLIC_URL is https', async () => {
    await app.stop();
    await start({ WEB_AUTH_TOKEN: TOKEN, PUBLIC_URL: 'https://sitroom.example.com' });
    expect(await signIn(app, TOKEN)).toMatch(/^sitroom_session=/);
    const signin = await new WebClient(app).post('/signin', { token: TOKEN });
    expect(signin.headers.get('set-cookie')).toMatch(/; Secure$/);
  });

  it('refuses a wrong token on /signin and sets no cookie; the token is not taken in the URL or a cookie', async () => {
    const signin = await web.post('/signin', { token: 'wrong-token-wrong-token' });
    expect(signin.status).toBe(401);
    expect(signin.headers.get('set-cookie')).toBeNull();
    expect(signin.text).toContain('not this sitroom’s access token');
    expect((await web.get(`/?token=${encodeURIComponent(TOKEN)}`)).status).toBe(401);
    expect((await web.get(`/login?token=${encodeURIComponent(TOKEN)}`)).status).toBe(404);
    expect((await web.get('/', { cookie: `sitroom_token=${encodeURIComponent(TOKEN)}` })).status).toBe(401);
  });

  it('refuses a sign-in posted from another site (login CSRF), or naming no origin', async () => {
    for (const origin of ['http://evil.example', 'null']) {
      const signin = await web.post('/signin', { token: TOKEN }, { origin });
      expect(signin.status, origin).toBe(403);
      expect(signin.headers.get('set-cookie'), origin).toBeNull();
    }
    const bare = await fetch(`${app.url}/signin`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${TOKEN}`, redirect: 'manual' });
    expect(bare.status).toBe(403);
    // Under a host name it does not answer to (DNS rebinding), not even the form is shown.
    expect((await rawRequest(app.url, 'GET', '/signin', { host: 'attacker.example' })).status).toBe(421);
    const body = `token=${encodeURIComponent(TOKEN)}`;
    const rebound = await rawRequest(app.url, 'POST', '/signin', { host: 'attacker.example', origin: 'http://attacker.example', 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) }, body);
    expect(rebound.status).toBe(421);
    expect(rebound.headers['set-cookie']).toBeUndefined();
  });

  it('shows the sign-in form on a page answered 401', async () => {
    const answer = await web.get('/incidents/1');
    expect(answer.status).toBe(401);
    expect(answer.text).toContain('action="/signin"');
  });

  it('keeps /status and /healthz public', async () => {
    const status = await web.get('/status');
    expect(status.status).toBe(200);
    // Not published, so not there: an internal title never reaches the public page on its own.
    expect(status.text).toContain('All systems operational');
    expect(status.text).not.toContain('Checkout down');
    expect(await web.json('/healthz')).toEqual({ status: 200, body: { status: 'ok', database: 'ok' } });
  });

  it('refuses actions without the token, changing nothing', async () => {
    const before = await timelineKinds(1);
    expect((await web.post('/incidents/1/note', { text: 'sneaky', csrf: 'x' })).status).toBe(401);
    expect((await web.post('/incidents', { title: 'sneaky', csrf: 'x' })).status).toBe(401);
    expect(await timelineKinds(1)).toEqual(before);
    expect(await app.sitroom.service.listOpen()).toHaveLength(1);
  });
});

describe('with WEB_USERS', () => {
  let web: WebClient;
  beforeEach(async () => {
    web = await start({ WEB_USERS: USERS });
    await declared(app, { title: 'Checkout down' });
  });

  it('answers 401 with a Basic challenge without credentials', async () => {
    for (const path of ['/', '/incidents/1', '/api/incidents']) {
      const answer = await web.get(path);
      expect(answer.status, path).toBe(401);
      expect(answer.headers.get('www-authenticate'), path).toMatch(/^Basic realm="sitroom"/);
    }
  });

  it('answers 200 with correct basic credentials (a password may contain colons), 401 with a wrong one', async () => {
    expect((await web.get('/', { authorization: basic('alice', 'wonder-land') })).status).toBe(200);
    expect((await web.get('/api/incidents', { authorization: basic('bob', 'b:uild:er') })).status).toBe(200);
    const wrong = await web.get('/', { authorization: basic('alice', 'wonder-lan') });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect((await web.get('/', { authorization: basic('mallory', 'wonder-land') })).status).toBe(401);
    expect((await web.get('/', { authorization: basic('', 'wonder-land') })).status).toBe(401);
  });

  it('records web actions as the signed-in user', async () => {
    const alice = new WebClient(app, { authorization: basic('alice', 'wonder-land') });
    expect((await alice.act('/incidents/1/role', { role: 'commander' })).status).toBe(303);
    expect((await incident(1)).roles['commander']).toBe('alice');
    expect((await alice.get('/incidents/1')).text).toContain('You are <strong>alice</strong>.');
  });

  it('binds the CSRF token to the user: bob cannot post with alice’s', async () => {
    const alice = new WebClient(app, { authorization: basic('alice', 'wonder-land') });
    const bob = new WebClient(app, { authorization: basic('bob', 'b:uild:er') });
    const token = await alice.csrf();
    expect(await bob.csrf()).not.toBe(token);
    expect((await bob.post('/incidents/1/note', { csrf: token, text: 'as bob' })).status).toBe(403);
    expect((await alice.post('/incidents/1/note', { csrf: token, text: 'as alice' })).status).toBe(303);
  });

  it('keeps /status and /healthz public', async () => {
    expect((await web.get('/status')).status).toBe(200);
    expect((await web.get('/status')).headers.get('www-authenticate')).toBeNull();
    expect((await web.get('/healthz')).status).toBe(200);
  });
});

describe('actions', () => {
  let web: WebClient;
  beforeEach(async () => {
    web = await start();
  });

  it('refuses a POST without the CSRF token with 403, changing nothing', async () => {
    await declared(app, { title: 'Checkout down' });
    const before = await timelineKinds(1);
    for (const [path, form] of [
      ['/incidents', { title: 'Forged' }],
      ['/incidents/1/note', { text: 'forged' }],
      ['/incidents/1/phase', { action: 'mitigate' }],
      ['/incidents/1/severity', { severity: 'sev1' }],
      ['/incidents/1/role', { role: 'commander' }],
      ['/incidents/1/update', { text: 'forged' }],
    ] as const) {
      const answer = await web.post(path, form);
      expect(answer.status, path).toBe(403);
      expect(answer.text, path).toContain('This form has expired or did not come from this page.');
      expect((await web.post(path, { ...form, csrf: 'not-the-token' })).status, path).toBe(403);
    }
    expect(await app.sitroom.service.listOpen()).toHaveLength(1);
    expect(await incident(1)).toMatchObject({ phase: 'active', severity: 'sev2', roles: {}, lastUpdate: null });
    expect(await timelineKinds(1)).toEqual(before);
  });

  it('refuses a POST from a foreign Origin with 403, even with the token', async () => {
    await declared(app, { title: 'Checkout down' });
    const before = await timelineKinds(1);
    const answer = await web.act('/incidents/1/phase', { action: 'mitigate' }, { origin: 'http://evil.example' });
    expect(answer.status).toBe(403);
    expect((await incident(1)).phase).toBe('active');
    expect((await web.act('/incidents', { title: 'x' }, { origin: 'http://127.0.0.1:1' })).status).toBe(403);
    expect(await timelineKinds(1)).toEqual(before);
    // The `null` origin (a sandboxed frame, a cross-site redirect) is not this site either; its own origin is.
    expect((await web.act('/incidents/1/note', { text: 'null origin' }, { origin: 'null' })).status).toBe(403);
    expect((await web.act('/incidents/1/note', { text: 'same site' }, { origin: app.url })).status).toBe(303);
  });

  it('refuses a POST with a malformed Origin with 403', async () => {
    await declared(app, { title: 'Checkout down' });
    const answer = await web.act('/incidents/1/note', { text: 'x' }, { origin: 'not a url' });
    expect(answer.status).toBe(403);
  });

  it('answers an oversized form with 413, not a server error', async () => {
    const answer = await web.post('/incidents', { csrf: await web.csrf(), title: 'x'.repeat(70 * 1024) });
    expect(answer.status).toBe(413);
    expect(await app.sitroom.service.listOpen()).toHaveLength(0);
  });

  it('declares from the web: incident #1 on the web platform (web-only mode), then its page', async () => {
    const answer = await web.act('/incidents', { title: 'Checkout down', severity: 'sev1' });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/incidents/1');
    expect(await incident(1)).toMatchObject({ number: 1, title: 'Checkout down', severity: 'sev1', platform: 'web', declaredBy: 'local', isPrivate: false, room: null });
    const page = await web.get('/incidents/1');
    expect(page.text).toContain('Checkout down');
    expect(page.text).toMatch(/<span class="muted">\(web\)<\/span>/);

    // No severity: the default, as /incident declare; one that is none: refused, the title kept.
    expect((await web.act('/incidents', { title: 'Second' })).headers.get('location')).toBe('/incidents/2');
    expect((await incident(2)).severity).toBe('sev3');
    const bogus = await web.act('/incidents', { title: 'Third', severity: 'bogus' });
    expect(bogus.status).toBe(409);
    expect(bogus.text).toContain(said('invalid_severity'));
    expect(bogus.text).toContain('value="Third"');
  });

  it('refuses to declare without a title, with the chat’s wording', async () => {
    const answer = await web.act('/incidents', { title: '   ' });
    expect(answer.status).toBe(409);
    // Beside the title field, on the board again.
    expect(answer.text).toContain(`<p class="field-error" id="declare-title-error" role="alert">${said('empty_text')}</p>`);
    expect(answer.text).toContain('<h1>Incident board</h1>');
    expect(await app.sitroom.service.listOpen()).toHaveLength(0);
  });

  it('refuses a phase skip with 409 and the chat’s wording, naming mitigate', async () => {
    await declared(app, { title: 'Checkout down' });
    const answer = await web.act('/incidents/1/phase', { action: 'resolve' });
    expect(answer.status).toBe(409);
    const skip = errorText(new IncidentError('phase_skip', { phase: 'active', wanted: 'resolved', next: 'mitigate', nextPhase: 'mitigated', nextMeaning: 'impact on production reduced' }));
    expect(skip).toBe('Can’t go from active to resolved: phases are never skipped. Next is mitigated (impact on production reduced): `/incident mitigate`.');
    expect(answer.text).toContain(`<p class="field-error" id="phase-action-error" role="alert">${escapeHtml(skip)}</p>`);
    // The page is the incident page again, forms and all.
    expect(answer.text).toContain('<h1><span class="num">#1</span> Checkout down</h1>');
    expect(answer.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await incident(1)).phase).toBe('active');
  });

  it('takes a role through the same rules as the chat', async () => {
    await declared(app, { title: 'Checkout down' });
    expect((await web.act('/incidents/1/role', { role: 'commander' })).status).toBe(303);
    expect((await incident(1)).roles).toEqual({ commander: 'local' });
    expect((await web.get('/incidents/1')).text).toContain('<li>IC: <span class="user">local</span></li>');
    const refused = await web.act('/incidents/1/role', { role: 'wizard' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain(said('unknown_role', { role: 'wizard', known: 'commander, comms, scribe, tech' }));
  });

  it('posts a stakeholder update: last update, next one due, on the timeline', async () => {
    await declared(app, { title: 'Checkout down', severity: 'sev2' });
    app.clock.advance(10 * 60_000);
    expect((await web.act('/incidents/1/update', { text: 'Rolled back the deploy' })).status).toBe(303);
    expect((await incident(1)).lastUpdate).toEqual({ text: 'Rolled back the deploy', at: app.clock.now(), by: 'local' });
    expect((await incident(1)).nextUpdateDue).toBe(app.clock.now() + 60 * 60_000);
    expect(await timelineKinds(1)).toContain('update_posted');
    const empty = await web.act('/incidents/1/update', { text: '' });
    expect(empty.status).toBe(409);
    expect(empty.text).toContain(said('empty_text'));
  });

  it('changes severity (and the cadence with it), refusing the same or no severity', async () => {
    await declared(app, { title: 'Checkout down', severity: 'sev3' });
    expect((await web.act('/incidents/1/severity', { severity: 'sev1' })).status).toBe(303);
    expect(await incident(1)).toMatchObject({ severity: 'sev1', cadence: 30 * 60 });
    const same = await web.act('/incidents/1/severity', { severity: 'sev1' });
    expect(same.status).toBe(409);
    expect(same.text).toContain(said('same_severity', { severity: 'sev1' }));
    const bogus = await web.act('/incidents/1/severity', { severity: 'sev9' });
    expect(bogus.status).toBe(409);
    expect(bogus.text).toContain(said('invalid_severity'));
  });

  it('walks the phases; close is refused while action items are open, unless waived', async () => {
    await declared(app, { title: 'Checkout down' });
    expect((await web.act('/incidents/1/phase', { action: 'mitigate', note: 'rolled back' })).status).toBe(303);
    expect((await incident(1)).phase).toBe('mitigated');
    expect((await web.act('/incidents/1/phase', { action: 'resolve' })).status).toBe(303);
    expect((await incident(1)).phase).toBe('resolved');
    await app.sitroom.followUps.addActionItem(1, { text: 'Add a canary stage', owner: null, due: null }, 'alice');

    const page = (await web.get('/incidents/1')).text;
    expect(page).toContain('needed to close while 1 action item is open');
    const refused = await web.act('/incidents/1/phase', { action: 'close' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain(said('open_action_items', { count: '1', items: '#1 Add a canary stage' }));
    expect((await incident(1)).phase).toBe('resolved');

    expect((await web.act('/incidents/1/phase', { action: 'close', waiver: '  ' })).status).toBe(409);
    expect((await web.act('/incidents/1/phase', { action: 'close', waiver: 'tracked in JIRA-1' })).status).toBe(303);
    expect((await incident(1)).phase).toBe('closed');
    const detail = incidentDetailSchema.parse((await web.json('/api/incidents/1')).body);
    expect(detail.phaseHistory.map((p) => [p.from, p.to])).toEqual([['active', 'mitigated'], ['mitigated', 'resolved'], ['resolved', 'closed']]);
    expect(detail.phaseHistory[0]?.note).toBe('rolled back');
    expect(detail.phaseHistory[2]?.note).toBe('waived open action items: tracked in JIRA-1');
    expect((await web.get('/incidents/1')).text).toContain('This incident is closed: only its action items and postmortem are still written, below.');

    const again = await web.act('/incidents/1/phase', { action: 'reopen' });
    expect(again.status).toBe(409);
    expect(again.text).toContain(said('incident_closed'));
  });

  it('reopens a mitigated incident, and refuses a phase action that is none', async () => {
    await declared(app, { title: 'Checkout down' });
    await web.act('/incidents/1/phase', { action: 'mitigate' });
    expect((await web.act('/incidents/1/phase', { action: 'reopen', note: 'it is back' })).status).toBe(303);
    expect((await incident(1)).phase).toBe('active');
    const bogus = await web.act('/incidents/1/phase', { action: 'explode' });
    expect(bogus.status).toBe(409);
    expect(bogus.text).toContain(said('invalid_phase_action', { action: 'explode' }));
  });

  it('adds a note to the timeline', async () => {
    await declared(app, { title: 'Checkout down' });
    expect((await web.act('/incidents/1/note', { text: 'Paged the DB team' })).status).toBe(303);
    const note = (await app.sitroom.service.timeline(1)).at(-1);
    expect(note).toMatchObject({ kind: 'note', actor: 'local', text: expect.stringContaining('Paged the DB team') });
    expect((await web.get('/incidents/1')).text).toContain('Paged the DB team');
  });

  it('gives a refused form back as it was typed, the error beside the field, with its limit and counter', async () => {
    await declared(app, { title: 'Checkout down' });
    await app.sitroom.service.transition(1, 'mitigate', '', 'alice');
    await app.sitroom.service.transition(1, 'resolve', '', 'alice');
    await app.sitroom.followUps.addActionItem(1, { text: 'Canary', owner: null, due: null }, 'alice');
    // Closing with an open item: refused beside the waiver, the note typed kept (HTML-escaped).
    const refused = await web.act('/incidents/1/phase', { action: 'close', note: 'All <clear> & "quiet"', waiver: '' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('<input type="text" id="phase-note" name="note" maxlength="3000" aria-describedby="phase-note-count" value="All &lt;clear&gt; &amp; &quot;quiet&quot;" autocomplete="off">');
    expect(refused.text).toContain('<output class="counter" id="phase-note-count" data-counter-for="phase-note" aria-live="polite">21 / 3000</output>');
    expect(refused.text).toMatch(/id="phase-waiver" name="waiver" maxlength="3000" aria-describedby="phase-waiver-count phase-waiver-error" aria-invalid="true"/);
    expect(refused.text).toContain(`<p class="field-error" id="phase-waiver-error" role="alert">${said('open_action_items', { count: '1', items: '#1 Canary' })}</p>`);
    expect(refused.text).toContain('<script src="/assets/desk.js" defer></script>');
    // Other forms are not refilled with it.
    expect(refused.text).not.toMatch(/id="update-text"[^>]*aria-invalid/);

    // A stakeholder update over the limit keeps its text too, with the chat's wording.
    await app.sitroom.service.transition(1, 'reopen', 'not over', 'alice');
    const long = 'y'.repeat(3001);
    const tooLong = await web.act('/incidents/1/update', { text: long });
    expect(tooLong.status).toBe(409);
    expect(tooLong.text).toContain(`>${long}</textarea>`);
    expect(tooLong.text).toContain(`<p class="field-error" id="update-text-error" role="alert">${said('text_too_long', { max: '3000' })}</p>`);
    expect((await web.get('/assets/desk.js')).text).toContain('data-counter-for');
  });

  it('answers an action on an unknown incident with the chat’s wording', async () => {
    const answer = await web.act('/incidents/9/note', { text: 'hello' });
    expect(answer.status).toBe(404);
    expect(answer.text).toContain('There is no incident #9.');
  });
});

describe('the JSON API', () => {
  let web: WebClient;
  beforeEach(async () => {
    web = await start();
    for (const [title, severity] of [['One', 'sev1'], ['Two', 'sev2'], ['Three', 'sev3'], ['Four', 'sev1'], ['Five', 'sev2']] as const) {
      await declared(app, { title, severity });
      app.clock.advance(60_000);
    }
    await app.sitroom.service.transition(2, 'mitigate', '', 'alice');
    await app.sitroom.service.transition(4, 'mitigate', '', 'alice');
  });

  const list = async (query: string) => {
    const answer = await web.json(`/api/incidents${query}`);
    expect(answer.status, query).toBe(200);
    return incidentListSchema.parse(answer.body);
  };
  const numbers = (l: { incidents: { number: number }[] }) => l.incidents.map((i) => i.number);

  it('lists incidents newest first, as the schema says', async () => {
    const all = await list('');
    expect(numbers(all)).toEqual([5, 4, 3, 2, 1]);
    expect(all.nextBefore).toBeNull();
    expect(all.incidents[0]).toMatchObject({ number: 5, title: 'Five', severity: 'sev2', phase: 'active', platform: 'web', url: '/incidents/5', private: false });
  });

  it('filters by phase and severity (sevN or N)', async () => {
    expect(numbers(await list('?phase=mitigated'))).toEqual([4, 2]);
    expect(numbers(await list('?severity=sev1'))).toEqual([4, 1]);
    expect(numbers(await list('?severity=2'))).toEqual([5, 2]);
    expect(numbers(await list('?phase=active&severity=sev1'))).toEqual([1]);
    expect(numbers(await list('?phase=closed'))).toEqual([]);
  });

  it('pages with limit and nextBefore until nextBefore is null', async () => {
    const first = await list('?limit=2');
    expect([numbers(first), first.nextBefore]).toEqual([[5, 4], 4]);
    const second = await list(`?limit=2&before=${first.nextBefore}`);
    expect([numbers(second), second.nextBefore]).toEqual([[3, 2], 2]);
    const last = await list(`?limit=2&before=${second.nextBefore}`);
    expect([numbers(last), last.nextBefore]).toEqual([[1], null]);
    // Exactly a full last page: no empty page after it.
    expect((await list('?limit=2&before=3')).nextBefore).toBeNull();
    expect(numbers(await list('?limit=0'))).toEqual([5]);
    expect(numbers(await list('?phase=mitigated&limit=1&before=4'))).toEqual([2]);
  });

  it('answers 400 for a bad phase, severity, before or limit, naming the problem', async () => {
    for (const [query, issue] of [
      ['?phase=open', 'phase must be one of active, mitigated, resolved, closed'],
      ['?severity=sev9', 'severity must be one of sev1, sev2, sev3, sev4, sev5'],
      ['?before=abc', 'before must be an incident number'],
      ['?before=-1', 'before must be an incident number'],
      ['?before=', 'before must be an incident number'],
      ['?limit=ten', 'limit must be a whole number'],
    ] as const) {
      const answer = await web.json(`/api/incidents${query}`);
      expect(answer, query).toEqual({ status: 400, body: { error: 'bad query', issues: [issue] } });
    }
    expect((await web.json('/api/incidents?phase=x&severity=y')).body).toMatchObject({ issues: [expect.stringMatching(/^phase/), expect.stringMatching(/^severity/)] });
  });

  it('answers an incident’s detail as the schema says, 404 for an unknown one', async () => {
    await web.act('/incidents/2/update', { text: 'Cache warmed' });
    const answer = await web.json('/api/incidents/2');
    expect(answer.status).toBe(200);
    const detail = incidentDetailSchema.parse(answer.body);
    expect(detail).toMatchObject({ number: 2, phase: 'mitigated', lastUpdate: { text: 'Cache warmed', by: 'local' } });
    expect(detail.updates.map((u) => u.text)).toEqual(['Cache warmed']);
    expect(detail.timeline.length).toBeGreaterThan(0);
    expect((await web.json('/api/incidents/77')).status).toBe(404);
  });
});

describe('escaping and privacy', () => {
  let web: WebClient;
  beforeEach(async () => {
    web = await start();
  });

  it('escapes a <script> title in the HTML and returns it raw, as data, in the JSON', async () => {
    const title = `<script>alert("x")</script> & 'quotes'`;
    await web.act('/incidents', { title });
    const escaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;';
    await web.act('/incidents/1/status/publish', { title });
    for (const path of ['/', '/incidents/1', '/status', '/?fragment=columns', '/incidents/1?fragment=live']) {
      const page = await web.get(path);
      expect(page.text, path).toContain(escaped);
      expect(page.text, path).not.toContain('<script>alert');
    }
    expect((await web.get('/incidents/1')).text).toContain(`<title>#1 ${escaped} · sitroom</title>`);
    const api = await web.get('/api/incidents/1');
    expect(api.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(incidentDetailSchema.parse(JSON.parse(api.text)).title).toBe(title);
    expect(incidentListSchema.parse(JSON.parse((await web.get('/api/incidents')).text)).incidents[0]?.title).toBe(title);
  });

  it('escapes update and note text on the incident page', async () => {
    await declared(app, { title: 'Checkout down' });
    await web.act('/incidents/1/update', { text: '<img src=x onerror=alert(1)>' });
    await web.act('/incidents/1/note', { text: '<b>bold</b>' });
    const page = (await web.get('/incidents/1')).text;
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain('<b>bold</b>');
    await web.act('/incidents/1/status/publish', { title: 'Checkout problems' });
    await web.act('/incidents/1/status/update', { text: '<img src=x onerror=alert(2)>' });
    const status = (await web.get('/status')).text;
    expect(status).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(status).not.toContain('<img src=x');
    // The internal update is not public.
    expect(status).not.toContain('alert(1)');
  });

  it('never shows a private incident on /status, but shows it on the board to signed-in viewers', async () => {
    await web.act('/incidents', { title: 'Suspicious admin logins', severity: 'sev1', private: 'on' });
    await declared(app, { title: 'Search is slow', severity: 'sev3' });
    expect((await incident(1)).isPrivate).toBe(true);
    await app.sitroom.service.postUpdate(1, 'Rotating credentials', 'alice');

    expect((await web.act('/incidents/1/status/publish', { title: 'Login problems' })).status).toBe(409);
    expect(await app.sitroom.publishing.publish(2, 'Search is slower than usual', 'alice')).toBeTruthy();
    const status = (await web.get('/status')).text;
    expect(status).toContain('Search is slower than usual');
    expect(status).not.toContain('Search is slow<');
    expect(status).not.toContain('Suspicious');
    expect(status).not.toContain('Login problems');
    expect(status).not.toContain('Rotating credentials');

    const board = (await web.get('/')).text;
    // Most severe first.
    expect(cardsIn(board, 'active')).toEqual([1, 2]);
    expect(board).toContain('Suspicious admin logins');
    expect(board).toMatch(/Suspicious admin logins<\/a><\/h3>\s*<p class="meta">.*<span class="tag">private<\/span>/);
    expect(incidentListSchema.parse((await web.json('/api/incidents')).body).incidents.find((i) => i.number === 1)?.private).toBe(true);

    // Still not on /status once resolved (recently resolved incidents are listed there).
    await app.sitroom.service.transition(1, 'mitigate', '', 'alice');
    await app.sitroom.service.transition(1, 'resolve', '', 'alice');
    expect((await web.get('/status')).text).not.toContain('Suspicious');
  });

  it('shows a private incident to an admin token viewer, never to the public', async () => {
    await app.stop();
    await start({ WEB_AUTH_TOKEN: TOKEN, WEB_ADMINS: 'token' });
    const signedIn = new WebClient(app, { authorization: `Bearer ${TOKEN}` });
    await declared(app, { title: 'Suspicious admin logins', isPrivate: true });
    expect((await signedIn.get('/')).text).toContain('Suspicious admin logins');
    const status = await signedIn.get('/status');
    expect(status.text).not.toContain('Suspicious');
    expect(status.text).toContain('All systems operational');
  });

  it('says "All systems operational" on /status with no public incident', async () => {
    expect((await web.get('/status')).text).toContain('<p class="all-ok" role="status">All systems operational</p>');
  });
});
