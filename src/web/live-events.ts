/**
 * GET /events: Server-Sent Events that tell open board and incident pages when to refresh — when anything they
 * show changes (an incident or a publication, in this process or another on the same database) and the moment a
 * promised update lapses (the overdue predicate flips with the clock, not with a write). The pages' script then
 * fetches its fragment, which shows only what its viewer may see. The stream is the same for every viewer, so it
 * carries nothing about incidents, not even a count: `{}` (a count of overdue updates would include private ones).
 * One timer polls the cheap version() while anyone listens; the clock and timers are injected so tests need no sleeps.
 * The number of streams is bounded (a stream holds a socket), and stop() ends them all so shutdown is not held up.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { realTimers, type Timers } from '../timers.ts';
import type { Incident } from '../incidents/incident.ts';
import { isUpdateOverdue, nextOverdueAt } from '../incidents/overdue.ts';

type OpenIncident = Pick<Incident, 'number' | 'phase' | 'nextUpdateDue'>;

export interface LiveOptions {
  /** Changes whenever anything a live page shows changes. */
  version: () => Promise<string>;
  /** Incidents not yet closed. */
  openIncidents: () => Promise<readonly OpenIncident[]>;
  now: () => number;
  /** At most this many open streams; more are answered 503. */
  maxClients: number;
  timers?: Timers;
  /** How often a change is looked for while anyone listens. */
  pollMs?: number;
  /** A comment line this often keeps proxies from closing a quiet stream. */
  heartbeatMs?: number;
}

export class LiveEvents {
  private readonly o: Required<LiveOptions>;
  private readonly streams = new Set<ServerResponse>();
  private cancel: (() => void) | undefined;
  private lastKey = '';
  private lastBeat = 0;
  private cached: { version: string; open: readonly OpenIncident[]; flipAt: number | null; overdue: number[] } | undefined;
  private stopped = false;

  constructor(options: LiveOptions) {
    this.o = { timers: realTimers, pollMs: 1000, heartbeatMs: 20_000, ...options };
  }

  /** Open streams. */
  get clients(): number {
    return this.streams.size;
  }

  /** Numbers of the open incidents whose update is overdue now. */
  async overdue(): Promise<readonly number[]> {
    await this.refreshState();
    return this.cached?.overdue ?? [];
  }

  /** Moves whenever what a live page shows does: the version, or the set of overdue incidents. */
  async key(): Promise<string> {
    await this.refreshState();
    return `${this.cached?.version ?? ''}|${(this.cached?.overdue ?? []).join(',')}`;
  }

  /** Answers a GET /events (already authorised): a stream, or 503 when too many are open or sitroom is stopping. */
  connect(req: IncomingMessage, res: ServerResponse): void {
    if (this.stopped || this.streams.size >= this.o.maxClients) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '30', 'cache-control': 'no-store' });
      res.end('Too many live pages are open; this page will refresh itself less often.\n');
      return;
    }
    // A stream is quiet between events: the server's idle timeout must not cut it (heartbeats keep proxies happy).
    req.socket.setTimeout(0);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    // `retry` tells EventSource how long to wait before reconnecting after a drop.
    res.write(`retry: 5000\n: connected\n\n`);
    this.streams.add(res);
    const gone = () => {
      this.streams.delete(res);
      if (this.streams.size === 0) this.stopTimer();
    };
    res.on('close', gone);
    if (this.streams.size === 1) void this.firstStream();
  }

  /** The first stream starts the timer, from the state as it is now. */
  private async firstStream(): Promise<void> {
    this.lastKey = await this.key();
    this.lastBeat = this.o.now();
    if (this.streams.size > 0 && !this.stopped && !this.cancel) this.schedule();
  }

  /** Looks for a change now and tells every stream if there is one (the timer calls this). */
  async check(): Promise<void> {
    const key = await this.key();
    const now = this.o.now();
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.lastBeat = now;
      // EventSource dispatches no event whose data is empty: `{}` is the smallest that is dispatched.
      this.broadcast('event: change\ndata: {}\n\n');
    } else if (now - this.lastBeat >= this.o.heartbeatMs) {
      this.lastBeat = now;
      this.broadcast(': keep-alive\n\n');
    }
  }

  /** Ends every stream and refuses new ones (shutdown). */
  stop(): void {
    this.stopped = true;
    this.stopTimer();
    for (const res of this.streams) res.end();
    this.streams.clear();
  }

  private broadcast(chunk: string): void {
    for (const res of this.streams) res.write(chunk);
  }

  private schedule(): void {
    this.cancel = this.o.timers.after(this.o.pollMs, () => {
      this.cancel = undefined;
      if (this.streams.size === 0 || this.stopped) return;
      // The next look is scheduled once this one is done (the reads are asynchronous), so looks never overlap.
      const next = () => {
        if (this.streams.size > 0 && !this.stopped && !this.cancel) this.schedule();
      };
      this.check().then(next, next);
    });
  }

  private stopTimer(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  /** Re-reads open incidents when the version moved; recomputes who is overdue when a due time passed. */
  private async refreshState(): Promise<void> {
    const version = await this.o.version();
    const now = this.o.now();
    const c = this.cached;
    if (c && c.version === version && (c.flipAt === null || now < c.flipAt)) return;
    const open = c && c.version === version ? c.open : await this.o.openIncidents();
    this.cached = { version, open, flipAt: nextOverdueAt(open, now), overdue: open.filter((i) => isUpdateOverdue(i, now)).map((i) => i.number) };
  }
}
