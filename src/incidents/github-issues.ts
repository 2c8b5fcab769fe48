/**
 * Follow-ups as GitHub issues: which action items get one, and the outbox row that opens it. Opening it, and closing
 * the item when the issue is closed, is the GitHub adapter's work (src/github).
 */
import type { ActionItem } from './action-items.ts';
import type { QueuedEffect } from './effects.ts';

/** The queue GitHub calls go to: their own dispatcher, so GitHub being slow or down never holds up a chat. */
export const GITHUB_QUEUE = 'github';

/** The row that opens `item`'s issue; issues of one incident are opened in the order the items were added. */
export function githubIssueEffects(item: ActionItem, now: number): QueuedEffect[] {
  return [
    {
      platform: GITHUB_QUEUE,
      lane: 'github',
      target: `github:incident:${item.incidentNumber}`,
      incidentNumber: item.incidentNumber,
      effect: { kind: 'github_issue', number: item.incidentNumber, item: item.id },
      at: now,
    },
  ];
}
