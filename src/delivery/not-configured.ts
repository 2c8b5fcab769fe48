/**
 * The deliverer for calls queued to a destination this process has no settings for (a chat platform, Alertmanager or
 * Grafana whose settings were taken out, or lost, before a restart): they wait, as a row whose war room is not there
 * yet does, for a process that has the settings (this one after they come back, or another replica) to make them; after
 * the give-up time they are given up with the reason, visibly (logged, counted, on the incident's timeline), as any
 * call is. Waiting counts no attempt, so a replica that can make the call is never held back by this one's look.
 * Without a dispatcher they stayed pending for good, holding the outbox backlog gauge (and its alert,
 * deploy/prometheus/sitroom.rules.yml) up and telling no one.
 */
import type { EffectDeliverer } from './dispatcher.ts';

export function notConfigured(reason: string): EffectDeliverer {
  return {
    prepare: () => Promise.resolve({ wait: reason }),
    classify: () => ({ retry: true, message: reason }),
  };
}

/** Only calls queued before a restart (or by another replica) reach such a dispatcher: it looks at start, then seldom. */
export const NOT_CONFIGURED_POLL_MS = 60_000;
