/**
 * Outward effects for the team's other tools rather than a chat: a page raised in Alertmanager, an incident's window
 * on Grafana dashboards. Queued in the outbox like chat effects (src/incidents/effects.ts) and delivered by a
 * dispatcher of their own, so a slow Alertmanager or Grafana never holds up the chat, nor the chat them.
 */
import type { QueuedEffect } from './effects.ts';

/** The tools, each with its own outbox dispatcher (the outbox's `platform` column names them). */
export const INTEGRATIONS = ['alertmanager', 'grafana'] as const;
export type Integration = (typeof INTEGRATIONS)[number];

export type IntegrationEffect =
  /** Posts page `pageId`'s alert as the page is when delivered: firing (ends a few minutes ahead) or resolved. */
  | { kind: 'page_alert'; number: number; pageId: number }
  /** Creates or updates the incident's region annotation from the incident as it is when delivered. */
  | { kind: 'annotation'; number: number };

export const isIntegrationEffect = (effect: { kind: string }): effect is IntegrationEffect => effect.kind === 'page_alert' || effect.kind === 'annotation';

/**
 * A page's alert, queued. State-setting (the alert is re-rendered from the page when delivered), so rows of one page
 * coalesce: only the newest is sent; rows of one page go out in order.
 */
export const pageAlertEffect = (page: { id: number; incidentNumber: number }, now: number, actor?: string): QueuedEffect<IntegrationEffect> => ({
  platform: 'alertmanager',
  lane: 'incident',
  target: `page:${page.id}`,
  coalesceKey: `page:${page.id}`,
  incidentNumber: page.incidentNumber,
  ...(actor ? { actor } : {}),
  effect: { kind: 'page_alert', number: page.incidentNumber, pageId: page.id },
  at: now,
});

/** The incident's dashboard annotation, queued (state-setting: only the newest row of an incident is sent). */
export const annotationEffect = (incidentNumber: number, now: number): QueuedEffect<IntegrationEffect> => ({
  platform: 'grafana',
  lane: 'incident',
  target: `annotation:${incidentNumber}`,
  coalesceKey: `annotation:${incidentNumber}`,
  incidentNumber,
  effect: { kind: 'annotation', number: incidentNumber },
  at: now,
});

/** What an integration row is, in words for the timeline and for the person told it could not be delivered. */
export function describeIntegrationEffect(effect: IntegrationEffect): string {
  return effect.kind === 'page_alert' ? 'the page to Alertmanager' : 'the dashboard annotation to Grafana';
}
