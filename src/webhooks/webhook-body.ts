/**
 * A webhook's body: the envelope the Standard Webhooks specification recommends (`type`, `timestamp`, `data`)
 * around the incident exactly as GET /api/incidents/<number> answers it, plus `event`, the timeline entry that
 * caused it. A body is at most MAX_WEBHOOK_BODY_BYTES: a long incident is sent with its newest timeline entries
 * (and then without its postmortem) and `truncated: true`; the receiver can GET the rest.
 */
import type { IncidentDetail } from '../web/api-schema.ts';
import type { TimelineEvent } from '../incidents/timeline.ts';
import type { WebhookEventType } from '../incidents/webhook-events.ts';

/** Many receivers (and the proxies before them) refuse bodies of a megabyte or more; this leaves a wide margin. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

export interface WebhookEnvelope {
  type: WebhookEventType;
  /** When the event happened (ISO 8601). */
  timestamp: string;
  /** The incident as GET /api/incidents/<number> shows it when the webhook is sent. */
  data: IncidentDetail;
  /** The timeline entry this webhook tells of. */
  event: { at: string; actor: string; kind: string; text: string; actionItem?: number };
  /** Present (true) when the timeline or the postmortem were left out to keep the body small. */
  truncated?: true;
}

const smaller = (data: IncidentDetail): IncidentDetail[] => [
  { ...data, timeline: data.timeline.slice(-100) },
  { ...data, timeline: data.timeline.slice(-10), postmortem: null },
  { ...data, timeline: [], postmortem: null, phaseHistory: [], updates: data.updates.slice(-1) },
  { ...data, timeline: [], postmortem: null, phaseHistory: [], updates: data.updates.slice(-1), actionItems: [], checklistItems: [] },
];

/** The JSON body for `type` of `event` on `incident`, within MAX_WEBHOOK_BODY_BYTES. */
export function webhookBody(type: WebhookEventType, event: TimelineEvent, incident: IncidentDetail): string {
  const item = event.data['item'];
  const envelope: WebhookEnvelope = {
    type,
    timestamp: new Date(event.at).toISOString(),
    data: incident,
    event: { at: new Date(event.at).toISOString(), actor: event.actor, kind: event.kind, text: event.text, ...(typeof item === 'number' ? { actionItem: item } : {}) },
  };
  let body = JSON.stringify(envelope);
  for (const data of smaller(incident)) {
    if (Buffer.byteLength(body) <= MAX_WEBHOOK_BODY_BYTES) break;
    body = JSON.stringify({ ...envelope, data, truncated: true });
  }
  return body;
}
