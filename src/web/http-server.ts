/**
 * The one HTTP port: /healthz, Slack's /slack/events (handed to Bolt's verified receiver), and later the
 * web board, API, metrics and webhooks. Routing only; every handler lives with its adapter.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../logger.ts';

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handler: RequestListener;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/** GET /healthz: 200 when the database answers, 503 otherwise. */
export function healthRoute(ping: () => void): Route {
  return {
    method: 'GET',
    path: '/healthz',
    handler: (_req, res) => {
      try {
        ping();
        sendJson(res, 200, { status: 'ok', database: 'ok' });
      } catch {
        sendJson(res, 503, { status: 'unavailable', database: 'unreachable' });
      }
    },
  };
}

export function createHttpServer(routes: readonly Route[], logger: Logger): Server {
  const table = new Map(routes.map((r) => [`${r.method} ${r.path}`, r.handler]));
  const paths = new Set(routes.map((r) => r.path));
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handler = table.get(`${req.method} ${path}`);
    if (handler) {
      Promise.resolve(handler(req, res)).catch((err: unknown) => {
        logger.error({ err, path }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      });
      return;
    }
    if (paths.has(path)) sendJson(res, 405, { error: `method ${req.method} not allowed on ${path}` });
    else sendJson(res, 404, { error: `no such path: ${path}` });
  });
}
