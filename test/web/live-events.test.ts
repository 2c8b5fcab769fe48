/**
 * GET /events over real HTTP with fake timers and clock: a change in the store, and a due time passing with no
 * write at all, are each pushed once; the number of streams is bounded; stop() ends every stream.
 */
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/incidents/incident.ts';
import { LiveEvents } from '../../src/web/live-events.ts';
import { FakeTimers } from '../fakes/fake-timers.ts';
import { HOUR, MINUTE, SECOND, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';
import { closeServer, listenOnLoopback } from '../fakes/local-server.ts';

/** Yields to the event loop (socket I/O) until `ok()` holds: no timers, bounded. */
async function waitFor(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 5000 && !ok(); i += 1) await new Promise((resolve) => setImmediate(resolve));
  if (!ok()) throw new Error('condition never held');
}

let server: Server | undefined;
afterEach(async () => {
  if (server) await closeServer(server);
  server = undefined;
});

function setUp(maxClients = 5) {
  const timers = new FakeTimers(T0);
  let version = 1;
  let open: Incident[] = [anIncident({ number: 1, nextUpdateDue: T0 + HOUR })];
  const live = new LiveEvents({ version: () => Promise.resolve(String(version)), openIncidents: () => Promise.resolve(open), now: () => timers.now(), timers, maxClients, pollMs: SECOND });
  return {
    timers,
    live,
    write(next: Incident[]) {
      open = next;
      version += 1;
    },
  };
}

/** Opens a stream and collects what arrives. */
async function stream(url: string): Promise<{ res: IncomingMessage; text: () => string; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    get(`${url}/events`, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      resolve({ res, text: () => text, ended });
    }).on('error', reject);
  });
}

async function serve(live: LiveEvents): Promise<string> {
  server = createServer((req, res) => live.connect(req, res));
  return listenOnLoopback(server);
}

const changes = (text: string) => text.split('\n\n').filter((e) => e.startsWith('event: change'));

describe('LiveEvents', () => {
  it('pushes a change when the store changes, and nothing while it does not', async () => {
    const { timers, live, write } = setUp();
    const url = await serve(live);
    const s = await stream(url);
    expect(s.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await waitFor(() => live.clients === 1);
    // A poll reads the store asynchronously and schedules the next once it is done: each second is let settle.
    const poll = async (seconds: number) => {
      for (let n = 0; n < seconds; n += 1) {
        timers.advance(SECOND);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await poll(5);
    expect(changes(s.text())).toEqual([]);

    write([anIncident({ number: 1, phase: 'mitigated', nextUpdateDue: T0 + HOUR })]);
    await poll(1);
    await waitFor(() => changes(s.text()).length === 1);
    expect(changes(s.text())).toEqual(['event: change\ndata: {}']);
  });

  it('pushes the moment an update lapses, with no write at all', async () => {
    const { timers, live } = setUp();
    const url = await serve(live);
    const s = await stream(url);
    await waitFor(() => live.clients === 1);
    timers.advance(HOUR);
    expect(changes(s.text())).toEqual([]);
    timers.advance(SECOND);
    await waitFor(() => changes(s.text()).length === 1);
    expect(changes(s.text())).toEqual(['event: change\ndata: {}']);
    expect(await live.overdue()).toEqual([1]);
    // Once: still overdue a minute later is no news.
    timers.advance(MINUTE);
    expect(changes(s.text())).toHaveLength(1);
  });

  it('tells every viewer only when to refresh, never how many updates are overdue: a private incident lapses too', async () => {
    const { timers, live, write } = setUp();
    write([anIncident({ number: 7, isPrivate: true, nextUpdateDue: T0 + HOUR })]);
    const url = await serve(live);
    const s = await stream(url);
    await waitFor(() => live.clients === 1);
    timers.advance(HOUR + SECOND);
    await waitFor(() => changes(s.text()).length === 1);
    // One stream for every signed-in viewer: what it carries must be the same whoever may see the private incident.
    expect(changes(s.text())).toEqual(['event: change\ndata: {}']);
  });

  it('refuses streams past the limit with 503, and stop() ends every stream and its timer', async () => {
    const { timers, live } = setUp(1);
    const url = await serve(live);
    const first = await stream(url);
    await waitFor(() => live.clients === 1);
    const second = await stream(url);
    expect(second.res.statusCode).toBe(503);
    expect(second.res.headers['retry-after']).toBe('30');
    live.stop();
    await first.ended;
    expect(live.clients).toBe(0);
    expect(timers.pending).toBe(0);
  });

  it('stops its timer when the last stream goes', async () => {
    const { timers, live } = setUp();
    const url = await serve(live);
    const s = await stream(url);
    await waitFor(() => live.clients === 1);
    expect(timers.pending).toBe(1);
    s.res.destroy();
    await waitFor(() => live.clients === 0);
    expect(timers.pending).toBe(0);
  });
});
