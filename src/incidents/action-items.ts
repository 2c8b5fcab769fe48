/** Follow-up action items: what must happen after the incident, by whom and by when. Chased until done. */
import { IncidentError } from './errors.ts';
import type { Incident, UserId } from './incident.ts';
import { closeGate } from './close-gate.ts';
import { cleanText } from './incident-rules.ts';
import { event, SYSTEM_ACTOR, type TimelineEvent } from './timeline.ts';

export interface ActionItem {
  id: number;
  incidentNumber: number;
  text: string;
  owner: UserId | null;
  /** A calendar date, YYYY-MM-DD, or null. */
  due: string | null;
  state: 'open' | 'done';
  createdAt: number;
  createdBy: UserId;
  doneAt: number | null;
  doneBy: UserId | null;
  /** The GitHub issue tracking it (opened through the outbox); the item is done when the issue is closed. None: absent or null. */
  issue?: TrackingIssue | null;
}

/** An issue in GITHUB_REPO: its number and its page. */
export interface TrackingIssue {
  number: number;
  url: string;
}

export type NewActionItem = Omit<ActionItem, 'id'>;

/** Accepts a real calendar date written YYYY-MM-DD; anything else is invalid_due_date. */
export function parseDueDate(input: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.trim());
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
  if (!match || !date || date.toISOString().slice(0, 10) !== input.trim()) throw new IncidentError('invalid_due_date', { input: input.trim() });
  return input.trim();
}

/** A new open item on `incident`, and the timeline entry recording it. */
export function newActionItem(
  incident: Incident,
  input: { text: string; owner: UserId | null; due: string | null },
  actor: UserId,
  now: number,
): { item: NewActionItem; event: TimelineEvent } {
  const text = cleanText(input.text, 500);
  const item: NewActionItem = { incidentNumber: incident.number, text, owner: input.owner, due: input.due, state: 'open', createdAt: now, createdBy: actor, doneAt: null, doneBy: null };
  const owner = input.owner ? ` (owner ${input.owner}${input.due ? `, due ${input.due}` : ''})` : input.due ? ` (due ${input.due})` : '';
  return { item, event: event('action_added', now, actor, `Action item: ${text}${owner}`, { owner: input.owner, due: input.due }) };
}

/** Links `item` to the GitHub issue opened for it, and the timeline entry recording it. */
export function linkIssue(item: ActionItem, issue: TrackingIssue, now: number): { item: ActionItem; event: TimelineEvent } {
  return { item: { ...item, issue }, event: event('action_updated', now, SYSTEM_ACTOR, `Action item #${item.id}: GitHub issue ${issue.url}`, { item: item.id, issue: issue.url }) };
}

/**
 * Changes an open item's owner and/or due date (null clears one; undefined leaves it). A change to what it already
 * is records nothing: `event` is null.
 */
export function changeActionItem(
  item: ActionItem,
  change: { owner?: UserId | null; due?: string | null },
  actor: UserId,
  now: number,
): { item: ActionItem; event: TimelineEvent | null } {
  if (item.state === 'done') throw new IncidentError('action_item_done', { id: String(item.id) });
  const owner = change.owner === undefined ? item.owner : change.owner;
  const due = change.due === undefined ? item.due : change.due;
  if (owner === item.owner && due === item.due) return { item, event: null };
  const parts = [
    ...(owner !== item.owner ? [owner ? `owner ${owner}` : 'no owner'] : []),
    ...(due !== item.due ? [due ? `due ${due}` : 'no due date'] : []),
  ];
  return {
    item: { ...item, owner, due },
    event: event('action_updated', now, actor, `Action item #${item.id}: ${parts.join(', ')}`, { item: item.id, owner, due }),
  };
}

/** Marks an item done; an item done already is refused. */
export function completeActionItem(item: ActionItem, actor: UserId, now: number): { item: ActionItem; event: TimelineEvent } {
  if (item.state === 'done') throw new IncidentError('action_item_done', { id: String(item.id) });
  return {
    item: { ...item, state: 'done', doneAt: now, doneBy: actor },
    event: event('action_done', now, actor, `Action item #${item.id} done: ${item.text}`, { item: item.id }),
  };
}

/** Open and past its due date, as of `today` (YYYY-MM-DD in the team's time zone). */
export const isOverdue = (item: ActionItem, today: string): boolean => item.state === 'open' && item.due !== null && item.due < today;

/** `close` is refused while items are open, naming them, unless the closer waives them with a reason. */
export function assertClosable(open: readonly ActionItem[], waiver: string | undefined): void {
  closeGate({ actionItems: open, checklist: [] }, waiver);
}
