/**
 * When sitroom gives up delivering to another tool (Alertmanager, Grafana): the timeline says so (it shows on the
 * incident page) and who caused it (e.g. who paged) hears it in the chat, like a chat effect given up.
 */
import type { QueuedEffect } from './effects.ts';
import type { UserId } from './incident.ts';
import { describeIntegrationEffect, type IntegrationEffect } from './integration-effects.ts';
import type { Clock, IncidentStore } from './ports.ts';
import { event, SYSTEM_ACTOR } from './timeline.ts';

export async function recordIntegrationGaveUp(
  deps: { store: Pick<IncidentStore, 'mutate'>; clock: Clock; chatPlatforms: readonly string[] },
  row: { incidentNumber?: number; actor?: UserId; effect: IntegrationEffect },
  error: string,
): Promise<void> {
  const number = row.incidentNumber ?? row.effect.number;
  const now = deps.clock.now();
  const what = describeIntegrationEffect(row.effect);
  const entry = event('delivery_failed', now, SYSTEM_ACTOR, `Could not deliver ${what}; gave up (${error.slice(0, 200)})`, { kind: row.effect.kind });
  await deps.store.mutate(number, (current) => {
    const tell: QueuedEffect[] =
      row.actor && deps.chatPlatforms.includes(current.platform)
        ? [{ platform: current.platform, lane: 'incident', target: `user:${row.actor}`, incidentNumber: number, effect: { kind: 'delivery_failed', number, user: row.actor, what }, at: now }]
        : [];
    return { incident: current, events: [entry], effects: tell };
  });
}
