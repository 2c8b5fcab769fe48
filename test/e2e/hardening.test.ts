/**
 * What an attacker did to the real process (`src/main.ts` in a child process, on 127.0.0.1), replayed:
 * a malformed cookie on every web route, a loopback request that really came through a reverse proxy or under
 * a rebound DNS name, and a pile of silent TCP connections. Each must leave sitroom up and answering.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BotProcess } from './bot-process.ts';
import { idleSocket, rawRequest, settlesWithin } from './raw-http.ts';
import { sendRaw } from './raw-socket.ts';

const dir = mkdtempSync(join(tmpdir(), 'sitroom-hardening-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let bot: BotProcess | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});
let databases = 0;
const start = async (env: Record<string, string> = {}) => {
  bot = await BotProcess.start({ DATABASE_PATH: join(dir, `bot-${++databases}.db`), LOG_LEVEL: 'info', ...env });
  return bot;
};

describe('a malformed cookie', () => {
  it('is refused with 401 on every web route, and the process stays up', async () => {
    const b = await start({ WEB_AUTH_TOKEN: 'a-web-token-of-24-chars!' });
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/incidents/1'],
      ['GET', '/api/incidents'],
      ['GET', '/api/incidents/1'],
      ['POST', '/incidents/1/note'],
    ] as const) {
      const answer = await rawRequest(b.url, method, path, { cookie: 'sitroom_token=%; sitroom_session=%E0%A4%A', 'content-length': '0' });
      expect(answer.status, `${method} ${path}`).toBe(401);
    }
    expect((await rawRequest(b.url, 'GET', '/healthz')).status).toBe(200);
    expect(b.child.exitCode).toBeNull();
  });
});

describe('"only this machine" with no web sign-in configured', () => {
  it('refuses a loopback request that carries a forwarding header: it came through a proxy', async () => {
    const b = await start();
    expect((await rawRequest(b.url, 'GET', '/')).status).toBe(200);
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host']) {
      const answer = await rawRequest(b.url, 'GET', '/api/incidents', { [header]: header === 'forwarded' ? 'for=203.0.113.9' : '203.0.113.9' });
      expect(answer.status, header).toBe(403);
      expect(answer.text, header).toContain('proxy');
    }
    expect((await rawRequest(b.url, 'GET', '/status', { 'x-forwarded-for': '203.0.113.9' })).status).toBe(200);
  });

  it('refuses what nginx sends by default: HTTP/1.0, Host rewritten to the upstream, no forwarding header', async () => {
    // A bare `location / { proxy_pass http://127.0.0.1:<port>; }`: nginx speaks HTTP/1.0 to the upstream
    // (proxy_http_version defaults to 1.0) and redefines only Host ($proxy_host) and Connection (close), adding no
    // X-Forwarded-* (https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_http_version, #proxy_set_header).
    const b = await start();
    const { port } = new URL(b.url);
    const proxied = (target: string) => sendRaw(Number(port), Buffer.from(`GET ${target} HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nUser-Agent: Mozilla/5.0\r\n\r\n`), 5000);
    for (const target of ['/', '/api/incidents']) {
      const answer = await proxied(target);
      expect(answer.status, target).toBe(403);
      expect(answer.raw, target).toContain('proxy');
    }
    // What stays public stays public through it.
    expect((await proxied('/status')).status).toBe(200);
    expect((await proxied('/healthz')).status).toBe(200);
    // The same request as a browser or curl on this machine sends it (HTTP/1.1) is this machine.
    expect((await rawRequest(b.url, 'GET', '/api/incidents')).status).toBe(200);
  });

  it('refuses a Host it does not answer to (DNS rebinding), with a message naming the setting', async () => {
    const b = await start();
    const answer = await rawRequest(b.url, 'GET', '/api/incidents', { host: 'attacker.example:3000' });
    expect(answer.status).toBe(421);
    expect(answer.text).toContain('WEB_ALLOWED_HOSTS');
    const page = await rawRequest(b.url, 'GET', '/', { host: 'attacker.example' });
    expect(page.status).toBe(421);
    for (const host of ['localhost:1234', '127.0.0.1', '[::1]:80', 'LOCALHOST']) expect((await rawRequest(b.url, 'GET', '/', { host })).status, host).toBe(200);
    expect((await rawRequest(b.url, 'GET', '/healthz', { host: 'attacker.example' })).status).toBe(200);
  });

  it('refuses a form POSTed from another origin', async () => {
    const b = await start();
    const board = await rawRequest(b.url, 'GET', '/');
    const csrf = /name="csrf" value="([^"]+)"/.exec(board.text)?.[1] ?? '';
    const form = new URLSearchParams({ csrf, title: 'From elsewhere', severity: 'sev3' }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(form)) };
    expect((await rawRequest(b.url, 'POST', '/incidents', { ...headers, origin: 'http://attacker.example' }, form)).status).toBe(403);
    expect((await rawRequest(b.url, 'POST', '/incidents', headers, form)).status).toBe(403);
    expect((await rawRequest(b.url, 'POST', '/incidents', { ...headers, origin: b.url }, form)).status).toBe(303);
  });
});

describe('silent TCP connections', () => {
  it('are closed after the idle timeout, connections beyond the cap are refused at once, and /healthz answers again', async () => {
    const b = await start({ HTTP_MAX_CONNECTIONS: '20', HTTP_IDLE_TIMEOUT_SECONDS: '1' });
    const idle = await Promise.all(Array.from({ length: 20 }, () => idleSocket(b.url)));
    try {
      // One more than the cap: closed straight away rather than held open.
      const extra = await idleSocket(b.url);
      expect(await settlesWithin(extra.closed, 1000)).toBe(true);
      // The silent ones are hung up on by the idle timeout (1 s here).
      expect(await settlesWithin(Promise.all(idle.map((s) => s.closed)), 5000)).toBe(true);
      const health = await rawRequest(b.url, 'GET', '/healthz');
      expect(health.status).toBe(200);
      expect(b.child.exitCode).toBeNull();
    } finally {
      for (const s of idle) s.socket.destroy();
    }
  });

  it('closes a connection that trickles its headers forever (slowloris), though it is never silent', async () => {
    const b = await start({ HTTP_IDLE_TIMEOUT_SECONDS: '1' });
    const slow = await idleSocket(b.url);
    slow.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
    // A header line every 200 ms: the socket is never idle for 1 s, but the headers never end.
    let n = 0;
    const drip = setInterval(() => slow.socket.write(`X-Drip-${n++}: x\r\n`), 200);
    try {
      expect(await settlesWithin(slow.closed, 5000)).toBe(true);
    } finally {
      clearInterval(drip);
      slow.socket.destroy();
    }
    expect((await rawRequest(b.url, 'GET', '/healthz')).status).toBe(200);
  });
});
