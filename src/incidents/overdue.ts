/**
 * "Overdue": the one definition of an incident owing its stakeholders an update. Chat (topic, list, card), the web
 * (board, banners, the live stream's timer), /metrics and the store's count all use it; the store's SQL is built
 * from OVERDUE_PHASES so it cannot drift from isUpdateOverdue.
 */
import type { Incident } from './incident.ts';
import { needsUpdates, PHASES, type Phase } from './phases.ts';

/** The phases in which a promised update can lapse (updates stop at resolved). */
export const OVERDUE_PHASES: readonly Phase[] = PHASES.filter(needsUpdates);

/** Whether the incident owes its stakeholders an update at `now`: it still needs updates and the promised time has passed. */
export const isUpdateOverdue = (i: Pick<Incident, 'phase' | 'nextUpdateDue'>, now: number): boolean =>
  needsUpdates(i.phase) && i.nextUpdateDue !== null && i.nextUpdateDue < now;

/**
 * The first instant after `now` at which one of `incidents` becomes overdue (so a live page can be told then),
 * or null when none will without some other change.
 */
export function nextOverdueAt(incidents: readonly Pick<Incident, 'phase' | 'nextUpdateDue'>[], now: number): number | null {
  let next: number | null = null;
  for (const i of incidents) {
    if (!needsUpdates(i.phase) || i.nextUpdateDue === null || i.nextUpdateDue < now) continue;
    // Overdue is strictly after the due time: the first millisecond it holds is due + 1.
    const at = i.nextUpdateDue + 1;
    if (next === null || at < next) next = at;
  }
  return next;
}
