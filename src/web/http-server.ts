/**
 * The one HTTP port: /healthz, Slack's /slack/events (handed to Bolt's verified receiver), Mattermost's routes,
 * the Alertmanager webhook, /metrics, the web board, status page and JSON API. Routing only; every handler
 * lives with its adapter.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../logger.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse, params: readonly string[]) => void | Promise<void>;

export interface Route {
  method: 'GET' | 'POST';
  /** An exact path, or a pattern whose capture groups become the handler's params (e.g. /^\/incidents\/(\d+)$/). */
  path: string | RegExp;
  handler: Handler;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json), 'x-content-type-options': 'nosniff' });
  res.end(json);
}

/**
 * GET /healthz: 200 when the database answers, 503 otherwise. Chat platforms are reported in the body
 * (`slack: 'ok' | 'unreachable'`) but do not fail the check: sitroom keeps working without them.
 */
export function healthRoute(ping: () => void, platforms: () => Record<string, string> = () => ({})): Route {
  return {
    method: 'GET',
    path: '/healthz',
    handler: (_req, res) => {
      try {
        ping();
        sendJson(res, 200, { status: 'ok', database: 'ok', ...platforms() });
      } catch {
        sendJson(res, 503, { status: 'unavailable', database: 'unreachable', ...platforms() });
      }
    },
  };
}

export function createHttpServer(routes: readonly Route[], logger: Logger): Server {
  const exact = new Map(routes.filter((r) => typeof r.path === 'string').map((r) => [`${r.method} ${String(r.path)}`, r.handler]));
  const patterns = routes.filter((r): r is Route & { path: RegExp } => r.path instanceof RegExp);
  const paths = new Set(routes.map((r) => r.path).filter((p): p is string => typeof p === 'string'));
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let handler = exact.get(`${req.method} ${path}`);
    let params: string[] = [];
    let known = paths.has(path);
    if (!handler) {
      for (const route of patterns) {
        const match = route.path.exec(path);
        if (!match) continue;
        known = true;
        if (route.method !== req.method) continue;
        handler = route.handler;
        params = match.slice(1).map((p) => p ?? '');
        break;
      }
    }
    if (handler) {
      Promise.resolve(handler(req, res, params)).catch((err: unknown) => {
        logger.error({ err, path }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.end();
      });
      return;
    }
    if (known) sendJson(res, 405, { error: `method ${req.method} not allowed on ${path}` });
    else sendJson(res, 404, { error: `no such path: ${path}` });
  });
}
