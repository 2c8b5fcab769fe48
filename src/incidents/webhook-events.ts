/**
 * What outside systems hear of an incident: timeline events as webhook event types, one outbox row per (endpoint,
 * event), queued in the transaction of the change. Pure: the endpoints are data (config parses them), and the
 * webhooks adapter (src/webhooks) renders and signs each row when it is delivered.
 */
import type { Incident } from './incident.ts';
import type { QueuedEffect } from './effects.ts';
import type { TimelineEvent, TimelineKind } from './timeline.ts';

export const WEBHOOK_EVENT_TYPES = [
  'incident.declared',
  'incident.updated',
  'incident.phase_changed',
  'incident.update_posted',
  'incident.closed',
  'action_item.created',
  'action_item.completed',
  'alert_group.linked',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** One receiver: its URL, the event types it wants, and whether it hears of private incidents. */
export interface WebhookEndpoint {
  url: string;
  events: readonly WebhookEventType[];
  /** Private incidents are kept among their participants; an endpoint hears of them only when it opts in. */
  includePrivate: boolean;
}

/** The queue webhook rows go to: their own dispatcher, so a slow receiver never holds up a chat. */
export const WEBHOOK_QUEUE = 'webhook';

/** A change of these is an `incident.updated` (severity, title, roles, cadence, type). */
const UPDATED: readonly TimelineKind[] = ['severity_changed', 'renamed', 'role_assigned', 'cadence_changed', 'type_changed'];

/** The webhook event types one timeline event is (a close is both a phase change and `incident.closed`). */
export function webhookTypesOf(event: TimelineEvent): WebhookEventType[] {
  switch (event.kind) {
    case 'declared':
      return ['incident.declared'];
    case 'phase_changed':
      return event.data['to'] === 'closed' ? ['incident.phase_changed', 'incident.closed'] : ['incident.phase_changed'];
    case 'update_posted':
      return ['incident.update_posted'];
    case 'action_added':
      return ['action_item.created'];
    case 'action_done':
      return ['action_item.completed'];
    case 'alert_linked':
      return ['alert_group.linked'];
    default:
      return UPDATED.includes(event.kind) ? ['incident.updated'] : [];
  }
}

/**
 * The webhook rows `events` of `incident` imply: one per endpoint that wants the type. Each endpoint has one queue
 * per incident (its target), so an endpoint gets an incident's events in order, a later one waiting while an
 * earlier one is retried. A failing endpoint never blocks another's queue; endpoints share the webhook
 * dispatcher's concurrent calls, each bounded by WEBHOOK_TIMEOUT_SECONDS, and chats have dispatchers of their own.
 */
export function webhookEffects(endpoints: readonly WebhookEndpoint[], incident: Incident, events: readonly TimelineEvent[], now: number): QueuedEffect[] {
  const effects: QueuedEffect[] = [];
  for (const event of events) {
    for (const type of webhookTypesOf(event)) {
      for (const endpoint of endpoints) {
        if (!endpoint.events.includes(type) || (incident.isPrivate && !endpoint.includePrivate)) continue;
        effects.push({
          platform: WEBHOOK_QUEUE,
          lane: 'webhook',
          target: `webhook:${endpoint.url} incident:${incident.number}`,
          incidentNumber: incident.number,
          effect: { kind: 'webhook', number: incident.number, endpoint: endpoint.url, type, event },
          at: now,
        });
      }
    }
  }
  return effects;
}
