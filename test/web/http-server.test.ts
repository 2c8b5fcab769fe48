/**
 * What the server does for every route: a handler that throws (at once or later) gets a 500 without a stack trace
 * and a log line, never a crash; bodies are refused above the route's limit before the handler runs; every answer
 * carries the security headers; /healthz proves the database takes writes.
 */
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { openDatabase, proveWritable } from '../../src/storage/database.ts';
import { createHttpServer, DEFAULT_MAX_BODY_BYTES, healthRoute, type Route, sendJson } from '../../src/http/http-server.ts';
import { readBody } from '../../src/http/read-body.ts';
import { closeServer, listenOnLoopback } from '../fakes/local-server.ts';
import { withPgClient } from '../support/pg-client.ts';

let server: Server | undefined;
afterEach(async () => {
  if (server) await closeServer(server);
  server = undefined;
});

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

async function serve(routes: Route[], logger = createLogger('silent')): Promise<string> {
  server = createHttpServer(routes, logger);
  return listenOnLoopback(server);
}

/** Sends `head` (and `body`) on a raw socket; resolves with everything the server wrote before closing or 2 s. */
function raw(url: string, text: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.write(text);
    setTimeout(() => socket.destroy(), 2000).unref();
  });
}

describe('a handler that throws', () => {
  it('answers 500 JSON with no stack trace when it throws synchronously, logs it, and keeps serving', async () => {
    const { logger, lines } = capture();
    const url = await serve(
      [
        { method: 'GET', path: '/boom', handler: () => decodeURIComponent('%') as unknown as void },
        { method: 'GET', path: '/ok', handler: (_req, res) => sendJson(res, 200, { ok: true }) },
      ],
      logger,
    );
    const res = await fetch(`${url}/boom`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: 'internal error' });
    expect(text).not.toContain('URIError');
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request failed', path: '/boom' }));
    expect((await fetch(`${url}/ok`)).status).toBe(200);
  });

  it('answers 500 when it rejects later, and closes a response already started', async () => {
    const url = await serve([
      {
        method: 'GET',
        path: '/later',
        handler: async () => {
          await Promise.resolve();
          throw new Error('secret detail');
        },
      },
      {
        method: 'GET',
        path: '/half',
        handler: async (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('partial');
          await Promise.resolve();
          throw new Error('after headers');
        },
      },
    ]);
    const res = await fetch(`${url}/later`);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret detail');
    await expect(fetch(`${url}/half`).then((r) => r.text())).rejects.toThrow();
  });
});

describe('request bodies', () => {
  const echo = (limit?: number): Route => ({
    method: 'POST',
    path: '/echo',
    ...(limit !== undefined ? { maxBodyBytes: limit } : {}),
    handler: async (req, res) => sendJson(res, 200, { bytes: (await readBody(req, limit ?? DEFAULT_MAX_BODY_BYTES)).length }),
  });

  it('refuses a declared body above the route’s limit with 413 before the handler runs', async () => {
    let ran = 0;
    const url = await serve([
      {
        method: 'POST',
        path: '/small',
        maxBodyBytes: 10,
        handler: (_req, res) => {
          ran++;
          sendJson(res, 200, {});
        },
      },
    ]);
    const res = await fetch(`${url}/small`, { method: 'POST', body: 'x'.repeat(11) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'the request body is larger than 10 bytes' });
    expect(ran).toBe(0);
    expect((await fetch(`${url}/small`, { method: 'POST', body: 'x'.repeat(10) })).status).toBe(200);
  });

  it('defaults to 64 KiB', async () => {
    const url = await serve([echo()]);
    expect((await fetch(`${url}/echo`, { method: 'POST', body: 'x'.repeat(DEFAULT_MAX_BODY_BYTES) })).status).toBe(200);
    expect((await fetch(`${url}/echo`, { method: 'POST', body: 'x'.repeat(DEFAULT_MAX_BODY_BYTES + 1) })).status).toBe(413);
  });

  it('answers 413 to a chunked body that grows above the limit while it is read', async () => {
    const url = await serve([echo(100)]);
    const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
    const answer = await raw(url, `POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk('x'.repeat(60))}${chunk('y'.repeat(60))}0\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    const small = await raw(url, `POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk('x'.repeat(60))}0\r\n\r\n`);
    expect(small).toMatch(/^HTTP\/1\.1 200 /);
    expect(small).toContain('{"bytes":60}');
  });

  it('refuses an invalid or negative Content-Length with 400 and no crash', async () => {
    const url = await serve([echo()]);
    for (const length of ['-1', 'abc', '1e3', '99999999999999999999']) {
      const answer = await raw(url, `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\nxx`);
      expect(answer, length).toMatch(/^HTTP\/1\.1 (400|413) /);
    }
    expect((await fetch(`${url}/echo`, { method: 'POST', body: 'ok' })).status).toBe(200);
  });

  it('rejects readBody when the client goes away mid-body, instead of waiting forever', async () => {
    let outcome: Promise<string> | undefined;
    let reached: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (reached = resolve));
    const url = await serve([
      {
        method: 'POST',
        path: '/slow',
        handler: (req) => {
          outcome = readBody(req, 1000).then(
            () => 'read',
            (e: Error) => e.message,
          );
          reached();
        },
      },
    ]);
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.write('POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\nonly a little');
    await started;
    socket.destroy();
    expect(await outcome).toBe('the client went away before the body was complete');
  });
});

describe('security headers', () => {
  it('are on every answer, whatever the handler sends', async () => {
    const url = await serve([{ method: 'GET', path: '/fragment', handler: (_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<div></div>') }]);
    for (const path of ['/fragment', '/nowhere']) {
      const res = await fetch(`${url}${path}`);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });
});

describe('GET /healthz', () => {
  it('answers 200 when the database takes a write', async () => {
    const db = openDatabase(':memory:');
    const url = await serve([healthRoute({ database: () => proveWritable(db, 1) })]);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok', database: 'ok' });
    expect(db.$client.prepare('SELECT at FROM health_heartbeat').get()).toEqual({ at: 1 });
  });

  it('answers 503 naming the database when it can be read but not written', async () => {
    const db = openDatabase(':memory:');
    // What a read-only file system looks like to SQLite: reads work, writes fail with SQLITE_READONLY.
    db.$client.pragma('query_only = ON');
    db.$client.prepare('SELECT 1').get();
    const url = await serve([healthRoute({ database: () => proveWritable(db, 1) })]);
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable', database: 'read-only' });
  });

  it('names a full disk and a lost database', async () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const url = await serve([healthRoute({ database: () => { throw full; } })]);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'unavailable', database: 'disk full' });
    await closeServer(server as Server);
    const db = openDatabase(':memory:');
    db.$client.close();
    const url2 = await serve([healthRoute({ database: () => proveWritable(db, 1) })]);
    expect(await (await fetch(`${url2}/healthz`)).json()).toEqual({ status: 'unavailable', database: 'unreachable' });
  });

  it('waits for a database check that answers later (PostgreSQL), and answers 503 when it fails', async () => {
    const lost = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const url = await serve([healthRoute({ database: () => Promise.reject(lost) })]);
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable', database: 'unreachable' });
  });

  it('names a read-only PostgreSQL (a standby after a failover) "read-only", not "unreachable"', async () => {
    // The real error: an INSERT on a connection whose transactions are read-only, as on a hot standby (SQLSTATE 25006).
    // (A temporary table would not do: read-only transactions may still write those.)
    const table = `heartbeat_probe_${process.pid}`;
    const readOnly = await withPgClient(inject('pgAdminUrl'), async (c) => {
      await c.query(`CREATE TABLE ${table} (id int)`);
      try {
        await c.query('SET default_transaction_read_only = on');
        return await c.query(`INSERT INTO ${table} VALUES (1)`).then(() => undefined, (e: unknown) => e);
      } finally {
        await c.query('SET default_transaction_read_only = off');
        await c.query(`DROP TABLE ${table}`);
      }
    });
    expect(readOnly).toMatchObject({ code: '25006' });
    const url = await serve([healthRoute({ database: () => Promise.reject(readOnly) })]);
    const res = await fetch(`${url}/healthz`);
    expect([res.status, await res.json()]).toEqual([503, { status: 'unavailable', database: 'read-only' }]);
  });

  it.each([
    ['53100', 'disk full'],
    ['55P03', 'locked'],
    ['40P01', 'locked'],
  ])('names PostgreSQL SQLSTATE %s "%s"', async (code, named) => {
    // PostgreSQL's error codes (https://www.postgresql.org/docs/current/errcodes-appendix.html), as pg reports them.
    const err = Object.assign(new Error('from PostgreSQL'), { code });
    const url = await serve([healthRoute({ database: () => Promise.reject(err) })]);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'unavailable', database: named });
  });

  it('lists the platforms when told them; one unreachable is "degraded" but still 200', async () => {
    let slack: 'ok' | 'unreachable' = 'ok';
    const url = await serve([healthRoute({ database: () => undefined, platforms: () => ({ slack, mattermost: 'ok' }) })]);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok', database: 'ok', platforms: { slack: 'ok', mattermost: 'ok' } });
    slack = 'unreachable';
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'degraded', database: 'ok', platforms: { slack: 'unreachable', mattermost: 'ok' } });
  });
});
