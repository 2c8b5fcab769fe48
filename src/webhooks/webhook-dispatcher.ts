/** The webhooks' own outbox dispatcher: their rows (queue `webhook`) go out beside the chats', never ahead of or behind them. */
import { OutboxDispatcher } from '../delivery/dispatcher.ts';
import type { OutboxStore } from '../delivery/outbox.ts';
import { Pacer } from '../delivery/pacing.ts';
import { DEFAULT_RETRY } from '../delivery/retry-policy.ts';
import type { Incident } from '../incidents/incident.ts';
import type { Clock } from '../incidents/ports.ts';
import { WEBHOOK_QUEUE } from '../incidents/webhook-events.ts';
import type { WebhooksConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { IncidentDetail } from '../web/api-schema.ts';
import { redactedEndpoint } from './endpoint-url.ts';
import { WebhookDeliverer } from './webhook-deliverer.ts';

export interface WebhookDispatcherOptions {
  config: WebhooksConfig;
  outbox: OutboxStore;
  clock: Clock;
  /** How long a webhook is retried (OUTBOX_GIVE_UP_HOURS, 24 h by default). */
  giveUpMs: number;
  incident: (number: number) => Promise<Incident | undefined>;
  detail: (incident: Incident, now: number) => Promise<IncidentDetail>;
  logger: Logger;
  onOutcome?: (outcome: 'delivered' | 'retried' | 'gave_up') => void;
}

/**
 * Runs even with no endpoint configured: rows queued for an endpoint since taken out of WEBHOOK_URLS are then
 * settled (skipped) rather than left pending for ever.
 */
export function webhookDispatcher(o: WebhookDispatcherOptions): OutboxDispatcher {
  const log = o.logger.child({ queue: WEBHOOK_QUEUE });
  return new OutboxDispatcher({
    platform: WEBHOOK_QUEUE,
    store: o.outbox,
    deliverer: new WebhookDeliverer({
      endpoints: o.config.endpoints,
      key: o.config.key ?? Buffer.alloc(0),
      timeoutMs: o.config.timeoutMs,
      incident: o.incident,
      detail: o.detail,
      now: () => o.clock.now(),
    }),
    // Receivers publish no rate limits; one call at a time per endpoint and incident (the rows' target) is the pace.
    pacer: new Pacer({ methods: {} }),
    clock: o.clock,
    retry: { ...DEFAULT_RETRY, giveUpMs: o.giveUpMs },
    callTimeoutMs: o.config.timeoutMs,
    pollMs: 500,
    onOutcome: (row, outcome, { error }) => {
      o.onOutcome?.(outcome);
      const effect = row.effect.kind === 'webhook' ? row.effect : undefined;
      const fields = { row: row.id, incident: row.incidentNumber, type: effect?.type, endpoint: effect && redactedEndpoint(effect.endpoint), error };
      if (outcome === 'retried') log.warn(fields, 'webhook delivery failed; will retry');
      if (outcome === 'gave_up') log.error(fields, 'webhook delivery given up');
    },
  });
}
