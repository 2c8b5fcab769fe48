/**
 * WebAuth on hand-built requests: loopback-only without configuration (and never through a proxy), the Host check,
 * bearer token and sessions, basic users, the Origin/Referer check and CSRF tokens, and the cookie parser.
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { WebConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { SqliteSessionStore } from '../../src/storage/sqlite-session-store.ts';
import { Sessions } from '../../src/web/sessions.ts';
import { cookie, isForwarded, isLoopback, SESSION_COOKIE, WebAuth } from '../../src/web/web-auth.ts';
import { FixedClock } from '../fakes/fixed-clock.ts';
import { basic } from './web-client.ts';

const TOKEN = 'a-web-token-of-24-chars!';

function request(remoteAddress: string | undefined, headers: Record<string, string> = {}): IncomingMessage {
  return { headers: { host: 'localhost:3000', ...headers }, socket: { remoteAddress } } as unknown as IncomingMessage;
}

const clock = new FixedClock();
const sessions = () => new Sessions(new SqliteSessionStore(openDatabase(':memory:')), clock);
const auth = (web: Partial<WebConfig> = {}, s = sessions()) => new WebAuth({ authToken: undefined, users: new Map(), allowedHosts: [], httpsPublicUrl: false, proxyHeader: undefined, trustedProxies: [], admins: [], ...web }, s);

describe('WebAuth with nothing configured', () => {
  const open = auth();

  it('is not configured', () => {
    expect(open.configured).toBe(false);
  });

  it.each(['127.0.0.1', '127.10.20.30', '::1', '::ffff:127.0.0.1'])('lets loopback client %s in as "local"', async (address) => {
    expect(await open.check(request(address))).toEqual({ ok: true, viewer: { name: 'local', via: 'loopback', admin: true } });
  });

  it.each(['10.0.0.5', '::ffff:192.168.1.2', '192.168.1.127', '2001:db8::1', '::ffff:10.0.0.5', '128.0.0.1'])('refuses %s with 403, saying how to open the board up', async (address) => {
    const access = await open.check(request(address));
    expect(access).toMatchObject({ ok: false, status: 403 });
    expect(access.ok === false && access.reason).toContain('Set WEB_AUTH_TOKEN or WEB_USERS');
    expect(access.ok === false && access.challenge).toBeUndefined();
  });

  it('refuses a request whose address is unknown', async () => {
    expect(await open.check(request(undefined))).toMatchObject({ ok: false, status: 403 });
  });

  it('ignores credentials nobody configured: a remote client stays out', async () => {
    expect(await open.check(request('10.0.0.5', { authorization: `Bearer ${TOKEN}` }))).toMatchObject({ ok: false, status: 403 });
    expect(await open.check(request('10.0.0.5', { authorization: basic('alice', 'x') }))).toMatchObject({ ok: false, status: 403 });
  });

  it.each([
    ['x-forwarded-for', '203.0.113.9'],
    ['forwarded', 'for=203.0.113.9;proto=https'],
    ['x-real-ip', '203.0.113.9'],
    ['x-forwarded-host', 'sitroom.example.com'],
    ['x-forwarded-proto', 'https'],
    ['via', '1.1 nginx'],
    ['true-client-ip', '203.0.113.9'],
  ])('refuses a loopback request carrying %s: it came through a proxy', async (name, value) => {
    const access = await open.check(request('127.0.0.1', { [name]: value }));
    expect(access).toMatchObject({ ok: false, status: 403 });
    expect(access.ok === false && access.reason).toContain('proxy');
  });
});

describe('the Host check (DNS rebinding)', () => {
  it.each(['localhost', 'localhost:3000', 'LocalHost:1', '127.0.0.1:80', '[::1]', '[::1]:3000'])('answers to loopback name %s on any port', async (host) => {
    expect((await auth().check(request('127.0.0.1', { host }))).ok).toBe(true);
  });

  it.each(['attacker.example', 'attacker.example:3000', '127.0.0.1.nip.io', 'localhost.attacker.example', '', '[::2]'])('refuses Host %s with 421 naming WEB_ALLOWED_HOSTS', async (host) => {
    const access = await auth().check(request('127.0.0.1', { host }));
    expect(access).toMatchObject({ ok: false, status: 421 });
    expect(access.ok === false && access.reason).toContain('WEB_ALLOWED_HOSTS');
  });

  it('refuses a wrong Host even with valid credentials, and answers to the configured names', async () => {
    const web = auth({ authToken: TOKEN, allowedHosts: ['sitroom.example.com', '10.0.0.5'] });
    const bearer = { authorization: `Bearer ${TOKEN}` };
    expect(await web.check(request('10.0.0.9', { ...bearer, host: 'attacker.example' }))).toMatchObject({ ok: false, status: 421 });
    expect((await web.check(request('10.0.0.9', { ...bearer, host: 'sitroom.example.com' }))).ok).toBe(true);
    expect((await web.check(request('10.0.0.9', { ...bearer, host: 'SITROOM.example.com:443' }))).ok).toBe(true);
    expect((await web.check(request('10.0.0.9', { ...bearer, host: '10.0.0.5:3000' }))).ok).toBe(true);
  });
});

describe('isLoopback and isForwarded', () => {
  it('knows 127.0.0.0/8 and ::1, also IPv4-mapped, and nothing else', () => {
    expect(['127.0.0.1', '127.255.255.254', '::1', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['10.0.0.5', '::ffff:192.168.1.2', '0.0.0.0', '::', 'localhost', '', undefined, '127.0.0.1.evil'].map(isLoopback)).toEqual([
      false, false, false, false, false, false, false, false,
    ]);
  });

  it('sees no proxy in an ordinary browser request', () => {
    expect(isForwarded(request('127.0.0.1', { 'user-agent': 'x', accept: '*/*', cookie: 'a=b', origin: 'http://localhost' }))).toBe(false);
    expect(isForwarded(Object.assign(request('127.0.0.1'), { httpVersion: '1.1' }))).toBe(false);
  });

  it('sees a proxy in an HTTP/1.0 request with no forwarding header (what a bare nginx proxy_pass sends)', () => {
    expect(isForwarded(Object.assign(request('127.0.0.1', { host: '127.0.0.1:3000', connection: 'close' }), { httpVersion: '1.0' }))).toBe(true);
  });
});

describe('the cookie parser', () => {
  it('reads a cookie and treats a malformed percent-encoding as no cookie, never a throw', () => {
    expect(cookie(request('1.2.3.4', { cookie: `a=1; ${SESSION_COOKIE}=abc%20d; b=2` }), SESSION_COOKIE)).toBe('abc d');
    for (const bad of ['%', '%E0%A4%A', '%zz', 'a%']) {
      expect(() => cookie(request('1.2.3.4', { cookie: `${SESSION_COOKIE}=${bad}` }), SESSION_COOKIE), bad).not.toThrow();
      expect(cookie(request('1.2.3.4', { cookie: `${SESSION_COOKIE}=${bad}` }), SESSION_COOKIE), bad).toBeUndefined();
    }
    expect(cookie(request('1.2.3.4', { cookie: 'novalue; =x' }), SESSION_COOKIE)).toBeUndefined();
  });
});

describe('WebAuth with WEB_AUTH_TOKEN', () => {
  const web = auth({ authToken: TOKEN });

  it('accepts the token as a bearer, from anywhere', async () => {
    expect(await web.check(request('10.0.0.5', { authorization: `Bearer ${TOKEN}` }))).toEqual({ ok: true, viewer: { name: 'token', via: 'token', admin: false } });
  });

  it('no longer accepts the raw token in a cookie', async () => {
    expect(await web.check(request('10.0.0.5', { cookie: `sitroom_token=${encodeURIComponent(TOKEN)}` }))).toMatchObject({ ok: false, status: 401 });
    expect(await web.check(request('10.0.0.5', { cookie: `${SESSION_COOKIE}=${encodeURIComponent(TOKEN)}` }))).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses everyone else with 401 and no Basic challenge, loopback included', async () => {
    for (const req of [request('10.0.0.5'), request('127.0.0.1'), request('10.0.0.5', { authorization: `Bearer ${TOKEN}x` }), request('10.0.0.5', { cookie: `${SESSION_COOKIE}=nope` })]) {
      const access = await web.check(req);
      expect(access).toMatchObject({ ok: false, status: 401 });
      expect(access.ok === false && access.challenge).toBeUndefined();
    }
  });

  it('starts a session whose cookie holds a random id (not the token), HttpOnly, SameSite=Strict, Path=/', async () => {
    const setCookie = await web.startSession(request('10.0.0.5'));
    expect(setCookie).not.toContain(TOKEN);
    expect(setCookie).not.toContain(encodeURIComponent(TOKEN));
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800$`));
    const id = /=([^;]+);/.exec(setCookie)?.[1] ?? '';
    const access = await web.check(request('10.0.0.5', { cookie: `${SESSION_COOKIE}=${id}` }));
    expect(access).toEqual({ ok: true, viewer: { name: 'token', via: 'session', admin: false, session: id } });
  });

  it('marks the cookie Secure when PUBLIC_URL is https, or a proxy on this machine says https', async () => {
    expect(await auth({ authToken: TOKEN, httpsPublicUrl: true }).startSession(request('10.0.0.5'))).toMatch(/; Secure$/);
    expect(await web.startSession(request('127.0.0.1', { 'x-forwarded-proto': 'https' }))).toMatch(/; Secure$/);
    // From elsewhere the header proves nothing.
    expect(await web.startSession(request('10.0.0.5', { 'x-forwarded-proto': 'https' }))).not.toContain('Secure');
  });

  it('ends a session after 12 h unused or 7 days after sign-in, and on sign-out', async () => {
    const s = sessions();
    const web2 = auth({ authToken: TOKEN }, s);
    const idOf = (setCookie: string) => /=([^;]+);/.exec(setCookie)?.[1] ?? '';
    const viewerWith = async (id: string) => (await web2.check(request('10.0.0.5', { cookie: `${SESSION_COOKIE}=${id}` }))).ok;

    const idle = idOf(await web2.startSession(request('10.0.0.5')));
    clock.advance(12 * 3_600_000 - 1);
    expect(await viewerWith(idle)).toBe(true);
    clock.advance(12 * 3_600_000);
    expect(await viewerWith(idle)).toBe(true);
    clock.advance(12 * 3_600_000 + 1);
    expect(await viewerWith(idle)).toBe(false);

    const busy = idOf(await web2.startSession(request('10.0.0.5')));
    for (let hour = 0; hour < 7 * 24; hour += 6) {
      clock.advance(6 * 3_600_000);
      expect(await viewerWith(busy), `hour ${hour}`).toBe(hour + 6 <= 7 * 24);
    }
    // Used every 6 h, but 7 days are up.
    clock.advance(1);
    expect(await viewerWith(busy)).toBe(false);

    const out = idOf(await web2.startSession(request('10.0.0.5')));
    expect(await viewerWith(out)).toBe(true);
    const cleared = await web2.endSession(request('10.0.0.5'), { name: 'token', via: 'session', admin: false, session: out });
    expect(cleared).toMatch(new RegExp(`^${SESSION_COOKIE}=; .*Max-Age=0`));
    expect(await viewerWith(out)).toBe(false);
  });
});

describe('WebAuth with WEB_USERS', () => {
  const web = auth({ users: new Map([['alice', 'wonder-land'], ['bob', 'b:uild:er']]) });

  it('lets users in by name with the right password', async () => {
    expect(await web.check(request('10.0.0.5', { authorization: basic('alice', 'wonder-land') }))).toEqual({ ok: true, viewer: { name: 'alice', via: 'user', admin: false } });
    expect(await web.check(request('10.0.0.5', { authorization: basic('bob', 'b:uild:er') }))).toEqual({ ok: true, viewer: { name: 'bob', via: 'user', admin: false } });
  });

  it('refuses a wrong password, an unknown user or no credentials with 401 and a Basic challenge', async () => {
    for (const header of [basic('alice', 'wrong'), basic('carol', 'wonder-land'), basic('', 'wonder-land'), 'Basic !!!', '']) {
      const access = await web.check(request('127.0.0.1', header ? { authorization: header } : {}));
      expect(access, header).toMatchObject({ ok: false, status: 401, challenge: expect.stringMatching(/^Basic realm="sitroom"/) });
    }
  });
});

describe('csrfOk', () => {
  const web = auth({ users: new Map([['alice', 'a'], ['bob', 'b']]), allowedHosts: ['sitroom.example'] });
  const alice = { name: 'alice', via: 'user', admin: false } as const;
  const bob = { name: 'bob', via: 'user', admin: false } as const;
  const post = (headers: Record<string, string> = {}) => request('10.0.0.5', { host: 'sitroom.example:8080', ...headers });
  const ours = { origin: 'http://sitroom.example:8080' };

  it('accepts the viewer’s own token from our Origin, or our Referer when there is no Origin', () => {
    const token = web.csrfToken(alice);
    expect(web.csrfToken(alice)).toBe(token);
    expect(web.csrfOk(post(ours), alice, token)).toBe(true);
    expect(web.csrfOk(post({ origin: 'https://sitroom.example' }), alice, token)).toBe(true);
    expect(web.csrfOk(post({ referer: 'http://sitroom.example:8080/incidents/1' }), alice, token)).toBe(true);
  });

  it('refuses a browser-credentialed form naming neither Origin nor Referer, or the null Origin', () => {
    const token = web.csrfToken(alice);
    expect(web.csrfOk(post(), alice, token)).toBe(false);
    expect(web.csrfOk(post({ origin: 'null' }), alice, token)).toBe(false);
    expect(web.csrfOk(post({ origin: 'null', referer: 'http://sitroom.example/' }), alice, token)).toBe(false);
  });

  it('lets a bearer-token client (never sent by a browser on its own) omit Origin', () => {
    const script = { name: 'token', via: 'token', admin: false } as const;
    expect(web.csrfOk(post(), script, web.csrfToken(script))).toBe(true);
    expect(web.csrfOk(post({ origin: 'http://evil.example' }), script, web.csrfToken(script))).toBe(false);
  });

  it('refuses no token, a wrong one, another viewer’s, another session’s, or another process’s', () => {
    const token = web.csrfToken(alice);
    expect(web.csrfOk(post(ours), alice, null)).toBe(false);
    expect(web.csrfOk(post(ours), alice, '')).toBe(false);
    expect(web.csrfOk(post(ours), alice, `${token}x`)).toBe(false);
    expect(web.csrfOk(post(ours), bob, token)).toBe(false);
    expect(web.csrfOk(post(ours), { name: 'alice', via: 'token', admin: false }, token)).toBe(false);
    const one = { name: 'token', via: 'session', admin: false, session: 'one' } as const;
    expect(web.csrfOk(post(ours), { ...one, session: 'two' }, web.csrfToken(one))).toBe(false);
    expect(auth({ allowedHosts: ['sitroom.example'] }).csrfOk(post(ours), alice, token)).toBe(false);
  });

  it('refuses a foreign Origin or Referer even with the right token', () => {
    const token = web.csrfToken(alice);
    for (const origin of ['http://evil.example', 'http://sitroom.example.evil', 'https://evil.sitroom.example:8080', 'file:///sitroom.example', 'javascript:sitroom.example']) {
      expect(web.csrfOk(post({ origin }), alice, token), origin).toBe(false);
      expect(web.csrfOk(post({ referer: `${origin}/` }), alice, token), origin).toBe(false);
    }
  });

  it('refuses a malformed Origin rather than throwing', () => {
    const token = web.csrfToken(alice);
    expect(() => web.csrfOk(post({ origin: 'not a url' }), alice, token)).not.toThrow();
    expect(web.csrfOk(post({ origin: 'not a url' }), alice, token)).toBe(false);
  });
});
