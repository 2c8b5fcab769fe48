/**
 * When a group that had fully resolved fires again, is it the same trouble or a new episode? Pure: the store calls
 * it inside the delivery's transaction (so the episode starts in the same commit as the delivery, and a crash in
 * between cannot lose it), giving it the phase of the group's incident as read in that transaction.
 */
import type { Phase } from '../incidents/phases.ts';
import type { IngestResult } from './ports.ts';

/**
 * Where the new episode of the stored group starts (its earliest new firing), or null when there is none: the
 * group does not fire again, or its incident is still open (the war room is told instead). An incident that does
 * not exist (undefined phase) counts as closed.
 */
export function newEpisodeStart(result: IngestResult, incidentPhase: Phase | undefined, now: number): number | null {
  if (!result.firesAgain) return null;
  if (result.group.incidentNumber !== null && incidentPhase !== undefined && incidentPhase !== 'closed') return null;
  return result.newlyFiring.reduce((min, a) => Math.min(min, a.startsAt), now);
}
