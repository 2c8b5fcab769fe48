/** WebAuth on hand-built requests: loopback-only without configuration, bearer/cookie/query token, basic users, CSRF. */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { WebConfig } from '../../src/config.ts';
import { isLoopback, TOKEN_COOKIE, WebAuth } from '../../src/web/web-auth.ts';
import { basic } from './web-client.ts';

const TOKEN = 'a-web-token-of-24-chars!';

function request(remoteAddress: string | undefined, headers: Record<string, string> = {}): IncomingMessage {
  return { headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

const auth = (web: Partial<WebConfig> = {}) => new WebAuth({ authToken: undefined, users: new Map(), ...web });

describe('WebAuth with nothing configured', () => {
  const open = auth();

  it('is not configured', () => {
    expect(open.configured).toBe(false);
  });

  it.each(['127.0.0.1', '127.10.20.30', '::1', '::ffff:127.0.0.1'])('lets loopback client %s in as "local"', (address) => {
    expect(open.check(request(address))).toEqual({ ok: true, viewer: { name: 'local', via: 'loopback' } });
  });

  it.each(['10.0.0.5', '::ffff:192.168.1.2', '192.168.1.127', '2001:db8::1', '::ffff:10.0.0.5', '128.0.0.1'])('refuses %s with 403, saying how to open the board up', (address) => {
    const access = open.check(request(address));
    expect(access).toMatchObject({ ok: false, status: 403 });
    expect(access.ok === false && access.reason).toContain('Set WEB_AUTH_TOKEN or WEB_USERS');
    expect(access.ok === false && access.challenge).toBeUndefined();
  });

  it('refuses a request whose address is unknown', () => {
    expect(open.check(request(undefined))).toMatchObject({ ok: false, status: 403 });
  });

  it('ignores credentials nobody configured: a remote client stays out', () => {
    expect(open.check(request('10.0.0.5', { authorization: `Bearer ${TOKEN}` }), TOKEN)).toMatchObject({ ok: false, status: 403 });
    expect(open.check(request('10.0.0.5', { authorization: basic('alice', 'x') }))).toMatchObject({ ok: false, status: 403 });
  });
});

describe('isLoopback', () => {
  it('knows 127.0.0.0/8 and ::1, also IPv4-mapped, and nothing else', () => {
    expect(['127.0.0.1', '127.255.255.254', '::1', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['10.0.0.5', '::ffff:192.168.1.2', '0.0.0.0', '::', 'localhost', '', undefined, '127.0.0.1.evil'].map(isLoopback)).toEqual([
      false, false, false, false, false, false, false, false,
    ]);
  });
});

describe('WebAuth with WEB_AUTH_TOKEN', () => {
  const web = auth({ authToken: TOKEN });

  it('accepts the token as a bearer, in ?token= and in the cookie, from anywhere', () => {
    const viewer = { ok: true, viewer: { name: 'web', via: 'token' } };
    expect(web.check(request('10.0.0.5', { authorization: `Bearer ${TOKEN}` }))).toEqual(viewer);
    expect(web.check(request('10.0.0.5'), TOKEN)).toEqual(viewer);
    expect(web.check(request('10.0.0.5', { cookie: `other=1; ${TOKEN_COOKIE}=${encodeURIComponent(TOKEN)}` }))).toEqual(viewer);
  });

  it('refuses everyone else with 401 and no Basic challenge, loopback included', () => {
    for (const req of [request('10.0.0.5'), request('127.0.0.1'), request('10.0.0.5', { authorization: `Bearer ${TOKEN}x` }), request('10.0.0.5', { cookie: `${TOKEN_COOKIE}=nope` })]) {
      const access = web.check(req);
      expect(access).toMatchObject({ ok: false, status: 401 });
      expect(access.ok === false && access.challenge).toBeUndefined();
    }
    expect(web.check(request('127.0.0.1'), 'wrong-token')).toMatchObject({ ok: false, status: 401 });
  });
});

describe('WebAuth with WEB_USERS', () => {
  const web = auth({ users: new Map([['alice', 'wonder-land'], ['bob', 'b:uild:er']]) });

  it('lets users in by name with the right password', () => {
    expect(web.check(request('10.0.0.5', { authorization: basic('alice', 'wonder-land') }))).toEqual({ ok: true, viewer: { name: 'alice', via: 'user' } });
    expect(web.check(request('10.0.0.5', { authorization: basic('bob', 'b:uild:er') }))).toEqual({ ok: true, viewer: { name: 'bob', via: 'user' } });
  });

  it('refuses a wrong password, an unknown user or no credentials with 401 and a Basic challenge', () => {
    for (const header of [basic('alice', 'wrong'), basic('carol', 'wonder-land'), basic('', 'wonder-land'), 'Basic !!!', '']) {
      const access = web.check(request('127.0.0.1', header ? { authorization: header } : {}));
      expect(access, header).toMatchObject({ ok: false, status: 401, challenge: expect.stringMatching(/^Basic realm="sitroom"/) });
    }
  });
});

describe('csrfOk', () => {
  const web = auth({ users: new Map([['alice', 'a'], ['bob', 'b']]) });
  const alice = { name: 'alice', via: 'user' } as const;
  const bob = { name: 'bob', via: 'user' } as const;
  const post = (headers: Record<string, string> = {}) => request('10.0.0.5', { host: 'sitroom.example:8080', ...headers });

  it('accepts the viewer’s own token, with no Origin, its own Origin or the null Origin', () => {
    const token = web.csrfToken(alice);
    expect(web.csrfToken(alice)).toBe(token);
    expect(web.csrfOk(post(), alice, token)).toBe(true);
    expect(web.csrfOk(post({ origin: 'http://sitroom.example:8080' }), alice, token)).toBe(true);
    expect(web.csrfOk(post({ origin: 'null' }), alice, token)).toBe(true);
  });

  it('refuses no token, a wrong one, another viewer’s, or another process’s', () => {
    const token = web.csrfToken(alice);
    expect(web.csrfOk(post(), alice, null)).toBe(false);
    expect(web.csrfOk(post(), alice, '')).toBe(false);
    expect(web.csrfOk(post(), alice, `${token}x`)).toBe(false);
    expect(web.csrfOk(post(), bob, token)).toBe(false);
    expect(web.csrfOk(post(), { name: 'alice', via: 'token' }, token)).toBe(false);
    expect(auth().csrfOk(post(), alice, token)).toBe(false);
  });

  it('refuses a foreign Origin even with the right token', () => {
    const token = web.csrfToken(alice);
    for (const origin of ['http://evil.example', 'http://sitroom.example', 'http://sitroom.example:8081', 'https://evil.sitroom.example:8080']) {
      expect(web.csrfOk(post({ origin }), alice, token), origin).toBe(false);
    }
  });

  it('refuses a malformed Origin rather than throwing', () => {
    const token = web.csrfToken(alice);
    expect(() => web.csrfOk(post({ origin: 'not a url' }), alice, token)).not.toThrow();
  });
});
