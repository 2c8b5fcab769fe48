/**
 * The read side of sitroom with a large history: GET /metrics (Prometheus scrapes it every 15-60 s) and the web
 * board and JSON API (the board refreshes its columns every 15 s per open tab). Each against the real
 * `node dist/main.js` in web-only mode (no chat settings at all; loopback needs no sign-in) on a database built the
 * way scheduler-tick.ts builds its own (bench/incident-db.ts: the real migrations, bulk SQL in one transaction).
 *
 * Requests are sequential on one keep-alive connection, after a warm-up, so each figure is one request's latency on
 * an otherwise idle server (plus whatever else the machine runs); the bot's CPU time per request is reported
 * alongside, which other processes cannot inflate.
 */
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { createIncidentDb, describeIncidentDb, type PopulatedDb } from './incident-db.ts';
import { cpuMs, freePort, MAIN_ARGS, removeTempDir, rssBytes, spawnNode, stopProcess, tempDir, waitHealthy, webOnlyEnv, type Spawned } from './processes.ts';
import { mb, ms, type Row, summarize, type Summary } from './stats.ts';

/** The p99 every read endpoint is held to. */
const TARGET_MS = 50;

export interface MetricsOptions {
  total: number;
  open: number;
  warmup: number;
  scrapes: number;
}

export interface WebOptions {
  open: number;
  closed: number;
  /** Closed incidents' closed_at spread over this many days before now. */
  closedOverDays: number;
  /** update_posted events per open incident (its page shows them all). */
  openUpdates: number;
  warmup: number;
  requests: number;
}

/** One endpoint, requested `n` times in a row. */
export interface EndpointResult {
  path: string;
  latency: Summary;
  /** Statuses other than 200, by status (0: no answer). */
  non200: Record<string, number>;
  /** The first answer's body. */
  body: string;
  bytes: number;
  /** The bot's CPU time per request (user + system, from /proc). */
  botCpuMsPerRequest: number;
}

export interface ServedResult {
  db: PopulatedDb;
  endpoints: EndpointResult[];
  startMs: number;
  rssAfter: number;
  shutdown: { code: number | null; signal: string | null; ms: number; killed: boolean };
  botOutput: string;
}

/** GET on a keep-alive agent; resolves when the whole body has been read. */
function get(agent: Agent, url: string): Promise<{ status: number; ms: number; body: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve({ status: 0, ms: Number.NaN, body: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', (e) => resolve({ status: 0, ms: Number.NaN, body: String(e) }));
    req.end();
  });
}

/** `warmup` unrecorded GETs of `path`, then `n` recorded ones, one after the other. */
async function timeGets(agent: Agent, bot: Spawned, base: string, path: string, warmup: number, n: number): Promise<EndpointResult> {
  let body: string | undefined;
  const non200: Record<string, number> = {};
  for (let i = 0; i < warmup; i++) await get(agent, `${base}${path}`);
  const samples: number[] = [];
  const cpuBefore = cpuMs(bot.pid);
  for (let i = 0; i < n; i++) {
    const res = await get(agent, `${base}${path}`);
    body ??= res.body;
    if (res.status === 200) samples.push(res.ms);
    else non200[String(res.status)] = (non200[String(res.status)] ?? 0) + 1;
  }
  const botCpu = cpuMs(bot.pid) - cpuBefore;
  return {
    path,
    latency: summarize(samples),
    non200,
    body: body ?? '',
    bytes: Buffer.byteLength(body ?? ''),
    botCpuMsPerRequest: botCpu / Math.max(1, n),
  };
}

/**
 * Builds the database, starts a web-only `node dist/main.js` on it, and times GETs of each of `paths(db)` in turn;
 * then stops the bot (SIGTERM) and removes everything.
 */
async function serveAndTime(
  label: string,
  build: (path: string) => PopulatedDb,
  paths: (db: PopulatedDb) => readonly string[],
  warmup: number,
  n: number,
): Promise<ServedResult> {
  const dir = tempDir(label);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let proc: Spawned | undefined;
  try {
    const databasePath = join(dir, 'sitroom.db');
    const db = build(databasePath);
    const port = await freePort();
    proc = spawnNode(MAIN_ARGS, webOnlyEnv({ port, databasePath }));
    const base = `http://127.0.0.1:${port}`;
    const startMs = await waitHealthy(proc, base, { timeoutMs: 30_000 });
    const endpoints: EndpointResult[] = [];
    for (const path of paths(db)) endpoints.push(await timeGets(agent, proc, base, path, warmup, n));
    const rssAfter = rssBytes(proc.pid);
    const shutdown = await stopProcess(proc);
    return { db, endpoints, startMs, rssAfter, shutdown, botOutput: proc.output.join('') };
  } finally {
    agent.destroy();
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) await stopProcess(proc, 2000).catch(() => undefined);
    removeTempDir(dir);
  }
}

/** Without ANALYZE: sitroom never runs it, so a real database has no planner statistics either. */
const AS_IN_PRODUCTION = { analyze: false } as const;

export function measureMetrics(opts: MetricsOptions): Promise<ServedResult> {
  return serveAndTime(
    'metrics',
    (path) => createIncidentDb(path, { total: opts.total, open: opts.open, now: Date.now(), ...AS_IN_PRODUCTION }),
    () => ['/metrics'],
    opts.warmup,
    opts.scrapes,
  );
}

export function measureWeb(opts: WebOptions): Promise<ServedResult> {
  return serveAndTime(
    'web',
    (path) =>
      createIncidentDb(path, {
        total: opts.open + opts.closed,
        open: opts.open,
        now: Date.now(),
        closedOverDays: opts.closedOverDays,
        openUpdates: opts.openUpdates,
        ...AS_IN_PRODUCTION,
      }),
    (db) => [
      '/',
      '/?fragment=columns',
      '/api/incidents',
      '/api/incidents?phase=closed&limit=100',
      `/api/incidents/${db.facts.latestActive}`,
      `/incidents/${db.facts.latestActive}`,
    ],
    opts.warmup,
    opts.requests,
  );
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** A row per endpoint: p50 / p99 against the target, with its size and the bot's CPU per request. */
function endpointRow(section: string, e: EndpointResult): Row {
  const failed = Object.entries(e.non200);
  return {
    section,
    metric: `GET ${e.path}: p50 / p99 (${e.latency.n})`,
    value: `${ms(e.latency.p50)} / ${ms(e.latency.p99)} (max ${ms(e.latency.max)}; ${kb(e.bytes)}; bot CPU ${ms(e.botCpuMsPerRequest)}/req)${failed.length ? `; non-200: ${failed.map(([s, c]) => `${s} x${c}`).join(', ')}` : ''}`,
    target: `p99 <= ${TARGET_MS} ms, all 200`,
    pass: e.latency.p99 <= TARGET_MS && failed.length === 0 && e.latency.n > 0,
  };
}

/** The rows every served section ends with: start-up on the big database, memory afterwards, a clean stop. */
function processRows(section: string, r: ServedResult): Row[] {
  return [
    { section, metric: 'spawn -> healthy on this database', value: ms(r.startMs), target: '-' },
    { section, metric: 'bot RSS after the requests', value: mb(r.rssAfter), target: '-' },
    {
      section,
      metric: 'SIGTERM -> exit',
      value: `code ${r.shutdown.code ?? r.shutdown.signal} in ${ms(r.shutdown.ms)}${r.shutdown.killed ? ' (SIGKILLed)' : ''}`,
      target: 'code 0, < 10 s',
      pass: r.shutdown.code === 0 && !r.shutdown.killed,
    },
  ];
}

/** Sum of the sitroom_open_incidents samples in an exposition body. */
function openIncidentsExposed(body: string): number {
  return [...body.matchAll(/^sitroom_open_incidents(?:\{[^}]*\})? (\d+(?:\.\d+)?)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

export function metricsRows(r: ServedResult, opts: MetricsOptions): Row[] {
  const s = 'metrics';
  const scrape = r.endpoints[0];
  if (!scrape) throw new Error('no /metrics measurement');
  const exposed = openIncidentsExposed(scrape.body);
  return [
    { section: s, metric: 'database', value: describeIncidentDb(r.db), target: `${opts.total} incidents, ${opts.open} open`, pass: r.db.facts.total === opts.total && r.db.facts.open === opts.open },
    endpointRow(s, scrape),
    {
      section: s,
      metric: 'body has sitroom_open_incidents (sum of its samples)',
      value: scrape.body.includes('sitroom_open_incidents') ? `yes (${exposed})` : 'no',
      target: `yes (${r.db.facts.open})`,
      pass: scrape.body.includes('sitroom_open_incidents') && exposed === r.db.facts.open,
    },
    ...processRows(s, r),
  ];
}

/** The count in each board column's heading: `<h2 id="col-active">active <span class="muted">(250)</span></h2>`. */
function boardCounts(body: string): Record<string, number> {
  return Object.fromEntries([...body.matchAll(/<h2 id="col-(\w+)">[^<]*<span class="muted">\((\d+)\)<\/span>/g)].map((m) => [m[1] ?? '?', Number(m[2])]));
}

export function webRows(r: ServedResult, opts: WebOptions): Row[] {
  const s = 'web';
  const f = r.db.facts;
  const rows: Row[] = [
    {
      section: s,
      metric: 'database',
      value: describeIncidentDb(r.db),
      target: `${opts.open} open, ${opts.closed} closed`,
      pass: f.open === opts.open && f.closed === opts.closed,
    },
  ];
  const board = r.endpoints.find((e) => e.path === '/');
  if (board) {
    const counts = boardCounts(board.body);
    const open = (counts['active'] ?? 0) + (counts['mitigated'] ?? 0) + (counts['resolved'] ?? 0);
    const closedShown = Math.min(200, f.closedLast14Days);
    rows.push({
      section: s,
      metric: 'board columns (active / mitigated / resolved / closed)',
      value: `${counts['active'] ?? '?'} / ${counts['mitigated'] ?? '?'} / ${counts['resolved'] ?? '?'} / ${counts['closed'] ?? '?'}`,
      target: `${f.open} open, ${closedShown} closed`,
      pass: open === f.open && counts['closed'] === closedShown,
    });
  }
  const api = r.endpoints.find((e) => e.path === '/api/incidents?phase=closed&limit=100');
  if (api) {
    let listed = -1;
    let allClosed = false;
    try {
      const page = JSON.parse(api.body) as { incidents: { phase: string }[] };
      listed = page.incidents.length;
      allClosed = page.incidents.every((i) => i.phase === 'closed');
    } catch {
      // left at -1: reported as a failure
    }
    rows.push({ section: s, metric: 'API page of closed incidents', value: `${listed} incidents${allClosed ? ', all closed' : ''}`, target: '100, all closed', pass: listed === 100 && allClosed });
  }
  rows.push(...r.endpoints.map((e) => endpointRow(s, e)), ...processRows(s, r));
  return rows;
}

/** The bot's log lines at warn and above, but the one web-only mode always says at start-up. */
export function servedNotes(section: string, r: ServedResult): string[] {
  const logged = r.botOutput
    .trim()
    .split('\n')
    .filter((l) => l && !l.includes('no chat platform is configured'));
  if (!logged.length) return [];
  const shown = logged.slice(0, 5).map((l) => (l.length > 300 ? `${l.slice(0, 300)}… (${l.length} chars)` : l));
  return [`${section}: sitroom logged ${logged.length} line(s) at LOG_LEVEL=warn besides the web-only notice, first ${shown.length}:\n${shown.join('\n')}`];
}

