/**
 * The one gate in front of `close`: open action items and unticked required checklist items hold it back,
 * named, unless the closer waives them with a reason (which is recorded with the transition).
 */
import type { ActionItem } from './action-items.ts';
import type { ChecklistItem } from './checklists.ts';
import { IncidentError } from './errors.ts';
import { optionalText } from './incident-rules.ts';

export interface CloseBlockers {
  actionItems: readonly ActionItem[];
  /** Required checklist items not ticked. */
  checklist: readonly ChecklistItem[];
}

const listItems = (b: CloseBlockers): Record<string, string> => ({
  ...(b.actionItems.length ? { items: b.actionItems.map((i) => `#${i.id} ${i.text}`).join('; '), count: String(b.actionItems.length) } : {}),
  ...(b.checklist.length ? { checklist: b.checklist.map((i) => `${i.position}. ${i.text}`).join('; '), checklistCount: String(b.checklist.length) } : {}),
});

/**
 * Throws open_action_items (naming any open checklist items too) or open_checklist_items while anything blocks
 * and no reason is given; returns the note recording what a waiver waived ('' when nothing was waived).
 */
export function closeGate(blockers: CloseBlockers, waiver: string | undefined): string {
  const { actionItems, checklist } = blockers;
  if (actionItems.length === 0 && checklist.length === 0) return '';
  const reason = waiver === undefined ? '' : optionalText(waiver);
  if (!reason) throw new IncidentError(actionItems.length ? 'open_action_items' : 'open_checklist_items', listItems(blockers));
  const what = [actionItems.length ? 'open action items' : '', checklist.length ? `${actionItems.length ? '' : 'open '}required checklist items` : ''].filter(Boolean).join(' and ');
  return `waived ${what}: ${reason}`;
}
