/**
 * POST /alertmanager: Alertmanager's webhook receiver. Answers 2xx only once the delivery is validated and
 * durably stored (chat work follows), 400 with the validation issue for a malformed body (Alertmanager does
 * not retry it), 401 for a wrong token, and 5xx only when the delivery could not be stored, so it is retried.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlertService } from '../alerts/alert-service.ts';
import { parseWebhookPayload } from '../alerts/alertmanager-payload.ts';
import type { Logger } from '../logger.ts';
import { type Route, sendJson } from './http-server.ts';
import { BodyTooLarge, readBody } from './read-body.ts';

export interface WebhookOptions {
  alerts: AlertService;
  /** Bearer token Alertmanager must send (http_config.authorization); undefined accepts any caller. */
  token: string | undefined;
  /** Largest body accepted. A storm of 10,000 alerts is ~7 MB; refusing it would lose it (4xx is not retried). */
  maxBodyBytes: number;
  logger: Logger;
  /** Counts deliveries by outcome (metrics). */
  onDelivery?: (outcome: 'stored' | 'duplicate' | 'invalid' | 'unauthorized' | 'failed') => void;
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = Buffer.from(req.headers.authorization ?? '');
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export function alertmanagerWebhookRoute(o: WebhookOptions): Route {
  const count = o.onDelivery ?? (() => {});
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
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req, o.maxBodyBytes)).toString('utf8'));
      } catch (e) {
        count('invalid');
        const tooLarge = e instanceof BodyTooLarge;
        o.logger.warn({ err: e }, tooLarge ? 'alertmanager delivery too large' : 'alertmanager delivery is not JSON');
        if (tooLarge) sendJson(res, 413, { error: `body larger than ${o.maxBodyBytes} bytes` });
        else sendJson(res, 400, { error: 'body is not valid JSON', issues: [`(body): ${e instanceof Error ? e.message : String(e)}`] });
        return;
      }
      const parsed = parseWebhookPayload(body);
      if (!parsed.ok) {
        count('invalid');
        o.logger.warn({ issues: parsed.issues }, 'alertmanager delivery rejected');
        sendJson(res, 400, { error: 'not an Alertmanager webhook payload (version 4)', issues: parsed.issues });
        return;
      }
      let result;
      try {
        result = o.alerts.ingest(parsed.payload);
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
