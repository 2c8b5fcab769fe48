/**
 * Delivers the webhook rows of the outbox (webhook-events.ts queues them): renders the incident when the row goes
 * out, signs it (standard-webhooks.ts) and POSTs it. Its dispatcher is the webhooks' own, so a receiver that fails
 * or hangs delays no chat; every call is abandoned after the time-out, and the dispatcher retries with backoff until
 * the give-up time. The response body is never read: a receiver cannot make sitroom buffer anything.
 */
import type { EffectDeliverer, PreparedCall } from '../delivery/dispatcher.ts';
import type { OutboxRow } from '../delivery/outbox.ts';
import type { DeliveryFailure } from '../delivery/retry-policy.ts';
import { retryAfterMs } from '../delivery/retry-after.ts';
import type { Incident } from '../incidents/incident.ts';
import type { WebhookEndpoint } from '../incidents/webhook-events.ts';
import type { IncidentDetail } from '../web/api-schema.ts';
import { webhookHeaders } from './standard-webhooks.ts';
import { webhookBody } from './webhook-body.ts';
import { withoutCredentials } from '../delivery/url-credentials.ts';

export interface WebhookDelivererOptions {
  endpoints: readonly WebhookEndpoint[];
  /** The HMAC key (WEBHOOK_SECRET decoded). */
  key: Buffer;
  timeoutMs: number;
  incident: (number: number) => Promise<Incident | undefined>;
  /** The incident as GET /api/incidents/<number> answers it. */
  detail: (incident: Incident, now: number) => Promise<IncidentDetail>;
  now: () => number;
}

/** A receiver's answer other than 2xx. */
export class WebhookRefused extends Error {
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  constructor(status: number, retryAfterMs: number | undefined) {
    super(`the receiver answered HTTP ${status}`);
    this.name = 'WebhookRefused';
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

export class WebhookDeliverer implements EffectDeliverer {
  private readonly o: WebhookDelivererOptions;

  constructor(opts: WebhookDelivererOptions) {
    this.o = opts;
  }

  async prepare(row: OutboxRow): Promise<PreparedCall | 'skip'> {
    const { effect } = row;
    if (effect.kind !== 'webhook') return 'skip';
    // An endpoint taken out of WEBHOOK_URLS since the row was queued hears nothing more.
    const endpoint = this.o.endpoints.find((e) => e.url === effect.endpoint);
    const incident = await this.o.incident(effect.number);
    if (!endpoint || !incident) return 'skip';
    // Made private after the row was queued: kept among its participants from then on.
    if (incident.isPrivate && !endpoint.includePrivate) return 'skip';
    // The same id on every attempt, so a receiver can drop a repeat (the specification's idempotency key).
    const id = `msg_${row.createdAt.toString(36)}_${row.id}`;
    const request = withoutCredentials(endpoint.url);
    return {
      call: 'post',
      channel: endpoint.url,
      send: async () => {
        const now = this.o.now();
        const body = webhookBody(effect.type, effect.event, await this.o.detail(incident, now));
        const res = await fetch(request.url, {
          method: 'POST',
          headers: {
            ...webhookHeaders(this.o.key, id, Math.floor(now / 1000), body),
            'user-agent': 'sitroom-webhooks',
            ...request.headers,
          },
          body,
          // A redirect would carry the signed body to wherever the receiver points: not followed, counted as a failure.
          redirect: 'manual',
          signal: AbortSignal.timeout(this.o.timeoutMs),
        });
        // Never read: the status is the answer.
        await res.body?.cancel().catch(() => undefined);
        if (res.status < 200 || res.status > 299) throw new WebhookRefused(res.status, retryAfterMs(res.headers.get('retry-after')));
        return {};
      },
    };
  }

  /**
   * Every failure is retried until the give-up time (a receiver being deployed answers 404 or 502 for a while),
   * except 410 Gone: the receiver says the endpoint no longer exists.
   */
  classify(error: unknown): DeliveryFailure {
    if (error instanceof WebhookRefused) {
      return { retry: error.status !== 410, ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }), message: error.message };
    }
    const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') return { retry: true, message: `no answer within ${this.o.timeoutMs} ms` };
    return { retry: true, message: e.cause?.code ?? e.cause?.message ?? e.message ?? String(error) };
  }
}
