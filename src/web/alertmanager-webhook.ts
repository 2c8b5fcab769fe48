/**
 * POST /alertmanager: Alertmanager's webhook receiver. Answers 2xx only once the delivery is validated and
 * durably stored (chat work follows), 400 with the validation issue for a malformed body (Alertmanager does
 * not retry it), 401 for a wrong token, 415 for a body that is not JSON by its Content-Type, and 5xx only when
 * the delivery could not be stored, so it is retried.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlertService } from '../alerts/alert-service.ts';
import type { Logger } from '../logger.ts';
import { type Route, sendJson } from '../http/http-server.ts';
import { BodyTooLarge, readBody } from '../http/read-body.ts';
import { WebhookParser } from './webhook-parser.ts';

export interface WebhookOptions {
  alerts: AlertService;
  /** Bearer token Alertmanager must send (http_config.authorization); undefined accepts any caller. */
  token: string | undefined;
  /** The address the server listens on (HOST): without a token, anything beyond loopback gets a warning at start. */
  host?: string;
  /** Largest body accepted. A storm of 10,000 alerts is ~7 MB; refusing it would lose it (4xx is not retried). */
  maxBodyBytes: number;
  logger: Logger;
  /** Bodies above this many bytes are parsed in a worker thread (default 1 MB: ~15 ms of parsing here). */
  offLoopAboveBytes?: number;
  /** Counts deliveries by outcome (metrics). */
  onDelivery?: (outcome: 'stored' | 'duplicate' | 'invalid' | 'unauthorized' | 'failed') => void;
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = Buffer.from(req.headers.authorization ?? '');
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Alertmanager always sends `Content-Type: application/json` (notify.PostJSON, used by notify/webhook/webhook.go in
 * prometheus/alertmanager). Refusing anything else keeps browsers out: a cross-site form or `text/plain` fetch is a
 * "simple" request that needs no CORS preflight, but `application/json` does.
 */
function isJson(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  return type === 'application/json';
}

export function alertmanagerWebhookRoute(o: WebhookOptions): Route {
  const count = o.onDelivery ?? (() => {});
  if (o.token === undefined && o.host !== undefined && !LOOPBACK.has(o.host)) {
    o.logger.warn(
      { host: o.host },
      'POST /alertmanager accepts deliveries from anyone who can reach this address: set ALERTMANAGER_WEBHOOK_TOKEN (and http_config.authorization in Alertmanager)',
    );
  }
  const parser = new WebhookParser(o.offLoopAboveBytes ?? 1024 * 1024);
  return {
    method: 'POST',
    path: '/alertmanager',
    maxBodyBytes: o.maxBodyBytes,
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      if (!authorized(req, o.token)) {
        req.resume();
        count('unauthorized');
        sendJson(res, 401, { error: 'missing or wrong bearer token (ALERTMANAGER_WEBHOOK_TOKEN)' });
        return;
      }
      if (!isJson(req)) {
        req.resume();
        count('invalid');
        sendJson(res, 415, { error: 'Content-Type must be application/json (as Alertmanager sends it)' });
        return;
      }
      let body: Buffer;
      try {
        body = await readBody(req, o.maxBodyBytes);
      } catch (e) {
        count('invalid');
        const tooLarge = e instanceof BodyTooLarge;
        o.logger.warn({ err: e }, tooLarge ? 'alertmanager delivery too large' : 'alertmanager delivery could not be read');
        if (tooLarge) sendJson(res, 413, { error: `body larger than ${o.maxBodyBytes} bytes` });
        else sendJson(res, 400, { error: 'body could not be read', issues: [`(body): ${e instanceof Error ? e.message : String(e)}`] });
        return;
      }
      const parsed = await parser.parse(body);
      if (!parsed.ok) {
        count('invalid');
        o.logger.warn({ issues: parsed.issues }, parsed.notJson ? 'alertmanager delivery is not JSON' : 'alertmanager delivery rejected');
        const error = parsed.notJson ? 'body is not valid JSON' : 'not an Alertmanager webhook payload (version 4)';
        sendJson(res, 400, { error, issues: parsed.issues });
        return;
      }
      let result;
      try {
        result = await o.alerts.receive(parsed.payload, parsed.key);
      } catch (err) {
        count('failed');
        o.logger.error({ err, groupKey: parsed.payload.groupKey }, 'alertmanager delivery could not be stored');
        sendJson(res, 503, { error: 'could not store the delivery; Alertmanager will retry' });
        return;
      }
      count(result.duplicate ? 'duplicate' : 'stored');
      sendJson(res, 200, { status: result.duplicate ? 'duplicate' : 'stored', group: result.group.id, alerts: parsed.payload.alerts.length });
    },
  };
}
