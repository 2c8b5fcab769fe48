/**
 * The one HTTP port: /healthz, Slack's /slack/events (handed to Bolt's verified receiver), Mattermost's routes,
 * the Alertmanager webhook, /metrics, the web board, status page and JSON API. Routing, plus what every route
 * needs whatever it does: a bounded body, security headers, an answer (never a crash) when a handler throws,
 * and connections that cannot be held open forever.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../logger.ts';
import { BodyError, declaredLength } from './read-body.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse, params: readonly string[]) => void | Promise<void>;

export interface Route {
  method: 'GET' | 'POST';
  /** An exact path, or a pattern whose capture groups become the handler's params (e.g. /^\/incidents\/(\d+)$/). */
  path: string | RegExp;
  handler: Handler;
  /**
   * The largest request body this route takes (default DEFAULT_MAX_BODY_BYTES). The server answers 413 on the
   * declared Content-Length before the handler runs; handlers read with readBody(req, the same limit), which also
   * stops a chunked body (no Content-Length) as soon as it passes the limit.
   */
  maxBodyBytes?: number;
}

/** Web forms and API calls: far more than any form sitroom shows. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/**
 * Headers on every answer, set before the handler runs (a handler may override them). The CSP lets pages use only
 * their own inline styles and the board's own script, and no page may be framed (clickjacking).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json), 'x-content-type-options': 'nosniff', ...headers });
  res.end(json);
}

export type PlatformHealth = 'ok' | 'unreachable';

export interface HealthChecks {
  /** Throws (or rejects) when the database cannot take a write (a read-only file system, a full disk, a lost file or server). */
  database: () => void | Promise<void>;
  /** Each chat platform's last known state; reported, but only the database makes sitroom unhealthy. */
  platforms?: () => Readonly<Record<string, PlatformHealth>>;
}

/**
 * What went wrong with the database, in the words an operator searches for: SQLite's result codes (better-sqlite3's
 * `code`), or PostgreSQL's SQLSTATE (pg's `code`; https://www.postgresql.org/docs/current/errcodes-appendix.html):
 * 25006 read_only_sql_transaction (a hot standby after a failover, default_transaction_read_only), 53100 disk_full,
 * 55P03 lock_not_available and 40P01 deadlock_detected.
 */
function databaseProblem(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (code.startsWith('SQLITE_READONLY') || code === '25006') return 'read-only';
  if (code.startsWith('SQLITE_FULL') || code === '53100') return 'disk full';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code === '55P03' || code === '40P01') return 'locked';
  return 'unreachable';
}

/**
 * GET /healthz: 200 when the database takes a write, else 503 naming the failing part. Platforms are listed when
 * known; one being unreachable makes the status "degraded" but still 200, so an orchestrator does not restart
 * sitroom for Slack's outage.
 */
export function healthRoute(checks: HealthChecks, logger?: Logger): Route {
  return {
    method: 'GET',
    path: '/healthz',
    handler: async (_req, res) => {
      let database = 'ok';
      try {
        await checks.database();
      } catch (err) {
        database = databaseProblem(err);
        logger?.error({ err }, 'health check: the database cannot be written');
      }
      const platforms = checks.platforms?.();
      const degraded = platforms !== undefined && Object.values(platforms).some((p) => p !== 'ok');
      const status = database !== 'ok' ? 'unavailable' : degraded ? 'degraded' : 'ok';
      sendJson(res, database === 'ok' ? 200 : 503, { status, database, ...(platforms ? { platforms } : {}) }, { 'cache-control': 'no-store' });
    },
  };
}

export interface ServerLimits {
  /** Open connections at most; more are closed at once, so sitroom never runs out of file descriptors. */
  maxConnections: number;
  /** A connection that sends nothing (or not a whole request's headers) for this long is closed. */
  idleTimeoutMs: number;
  /** A whole request (headers and body) must arrive within this. */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = { maxConnections: 512, idleTimeoutMs: 30_000, requestTimeoutMs: 120_000 };

interface Match {
  route: Route | undefined;
  params: string[];
  known: boolean;
}

export function createHttpServer(routes: readonly Route[], logger: Logger, limits: ServerLimits = DEFAULT_LIMITS): Server {
  const exact = new Map(routes.filter((r) => typeof r.path === 'string').map((r) => [`${r.method} ${String(r.path)}`, r]));
  const patterns = routes.filter((r): r is Route & { path: RegExp } => r.path instanceof RegExp);
  const paths = new Set(routes.map((r) => r.path).filter((p): p is string => typeof p === 'string'));

  function find(method: string | undefined, path: string): Match {
    const route = exact.get(`${method} ${path}`);
    if (route) return { route, params: [], known: true };
    let known = paths.has(path);
    for (const candidate of patterns) {
      const match = candidate.path.exec(path);
      if (!match) continue;
      known = true;
      if (candidate.method !== method) continue;
      return { route: candidate, params: match.slice(1).map((p) => p ?? ''), known };
    }
    return { route: undefined, params: [], known };
  }

  /** A handler failed: log it, answer 500 (or the body's own status) without a stack trace, never crash. */
  function failed(err: unknown, req: IncomingMessage, res: ServerResponse, path: string): void {
    if (err instanceof BodyError) {
      if (!res.headersSent) sendJson(res, err.status, { error: err.message }, { connection: 'close' });
      return;
    }
    logger.error({ err, method: req.method, path }, 'request failed');
    if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    else res.destroy();
  }

  const server = createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: Math.min(limits.idleTimeoutMs, limits.requestTimeoutMs),
      keepAliveTimeout: Math.min(5000, limits.idleTimeoutMs),
      // How often Node checks the two timeouts above (default 30 s); short timeouts need a shorter look.
      connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(limits.idleTimeoutMs / 2))),
    },
    (req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      try {
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
        const { route, params, known } = find(req.method, path);
        if (!route) {
          req.resume();
          if (known) sendJson(res, 405, { error: `method ${req.method} not allowed on ${path}` });
          else sendJson(res, 404, { error: `no such path: ${path}` });
          return;
        }
        const limit = route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
        const declared = declaredLength(req);
        if (declared === null) return sendJson(res, 400, { error: 'the Content-Length header is not a valid length' }, { connection: 'close' });
        if (declared !== undefined && declared > limit) {
          req.resume();
          return sendJson(res, 413, { error: `the request body is larger than ${limit} bytes` }, { connection: 'close' });
        }
        const result = route.handler(req, res, params);
        if (result instanceof Promise) result.catch((err: unknown) => failed(err, req, res, path));
      } catch (err) {
        failed(err, req, res, path);
      }
    },
  );
  server.maxConnections = limits.maxConnections;
  // A socket silent for this long is destroyed (no 'timeout' listener on the server): this is what ends
  // connections that never send a request at all.
  server.setTimeout(limits.idleTimeoutMs);
  return server;
}
