/**
 * The e-mail courier: one more outbox dispatcher, for the rows queued for 'email' (stakeholder mails, overdue
 * nags). Without SMTP_URL it still runs and marks those rows done unsent, so they never pile up as a backlog.
 */
import { type DeliveryOutcome, type EffectDeliverer, OutboxDispatcher } from '../delivery/dispatcher.ts';
import type { OutboxRow, OutboxStore } from '../delivery/outbox.ts';
import { DEFAULT_RETRY } from '../delivery/retry-policy.ts';
import { Pacer } from '../delivery/pacing.ts';
import type { Clock } from '../incidents/ports.ts';
import { EmailEffectDeliverer, type EmailDelivererOptions } from './email-effect-deliverer.ts';
import { classifySmtpError } from './smtp-errors.ts';

/** Takes every row and sends nothing: SMTP_URL is not set. */
const UNCONFIGURED: EffectDeliverer = { prepare: async () => 'skip', classify: classifySmtpError };

export interface EmailDispatcherOptions {
  store: OutboxStore;
  clock: Clock;
  /** undefined: no SMTP_URL. */
  deliverer: EmailDelivererOptions | undefined;
  giveUpMs: number;
  callTimeoutMs: number;
  onOutcome: (row: OutboxRow, outcome: DeliveryOutcome, detail: { error?: string; messageId?: string | null }) => void | Promise<void>;
}

/**
 * With e-mail on, incidents of the web-only desk queue their effects like chat incidents (that is how their
 * stakeholder and overdue mails are queued, in the change's transaction); the chat steps among them have no chat
 * to go to, so this marks them done unsent (recording nothing on the timeline).
 */
export function webDeskDispatcher(o: Pick<EmailDispatcherOptions, 'store' | 'clock' | 'giveUpMs' | 'callTimeoutMs'>): OutboxDispatcher {
  return new OutboxDispatcher({
    platform: 'web',
    store: o.store,
    deliverer: UNCONFIGURED,
    pacer: new Pacer({ methods: {} }),
    clock: o.clock,
    retry: { ...DEFAULT_RETRY, giveUpMs: o.giveUpMs },
    callTimeoutMs: o.callTimeoutMs,
    pollMs: 1_000,
  });
}

export function emailDispatcher(o: EmailDispatcherOptions): OutboxDispatcher {
  return new OutboxDispatcher({
    platform: 'email',
    store: o.store,
    deliverer: o.deliverer ? new EmailEffectDeliverer(o.deliverer) : UNCONFIGURED,
    // A mail server has no published rate limits to pace by; one mail per target at a time is the dispatcher's own.
    pacer: new Pacer({ methods: {} }),
    clock: o.clock,
    retry: { ...DEFAULT_RETRY, giveUpMs: o.giveUpMs },
    callTimeoutMs: o.callTimeoutMs,
    maxInFlight: 4,
    // Nothing pokes it when a row is queued: look often enough that a mail leaves within seconds.
    pollMs: 1_000,
    onOutcome: o.onOutcome,
  });
}
