/**
 * Checklists: the steps a team wants done in every war room of a kind (page the DBA for a database SEV1,
 * rotate keys for a security incident). Templates come from CHECKLISTS_FILE, keyed by severity (`sev1`…`sev5`)
 * and by type (`type:security`); an incident gets the items of its severity, then those of its type.
 */
import { IncidentError } from './errors.ts';
import type { Incident, UserId } from './incident.ts';
import type { Severity } from './severity.ts';
import { event, type TimelineEvent } from './timeline.ts';

/** One item as the file states it. */
export interface ChecklistTemplate {
  text: string;
  /** A required item must be ticked (or waived) before the incident can close. */
  required: boolean;
}

/** Every checklist the file defines. */
export interface ChecklistTemplates {
  bySeverity: Readonly<Partial<Record<Severity, readonly ChecklistTemplate[]>>>;
  byType: ReadonlyMap<string, readonly ChecklistTemplate[]>;
}

export const NO_CHECKLISTS: ChecklistTemplates = { bySeverity: {}, byType: new Map() };

/** An item of one incident's checklist; `position` is the number people type in `/incident check <n>`. */
export interface ChecklistItem {
  id: number;
  incidentNumber: number;
  position: number;
  text: string;
  required: boolean;
  /** Where it came from: `sev1` or `type:security`. */
  source: string;
  checkedAt: number | null;
  checkedBy: UserId | null;
}

export type NewChecklistItem = Omit<ChecklistItem, 'id'>;

/** The templates that apply to `incident`: its severity's, then its type's, each text once. */
export function templatesFor(templates: ChecklistTemplates, incident: Pick<Incident, 'severity' | 'type'>): { template: ChecklistTemplate; source: string }[] {
  const all = [
    ...(templates.bySeverity[incident.severity] ?? []).map((template) => ({ template, source: incident.severity })),
    ...(incident.type ? (templates.byType.get(incident.type) ?? []).map((template) => ({ template, source: `type:${incident.type}` })) : []),
  ];
  const seen = new Set<string>();
  return all.filter(({ template }) => !seen.has(template.text) && seen.add(template.text));
}

/**
 * The items to add to `incident`'s checklist so it matches its current severity and type. Items already there
 * (same text) stay as they are, ticked or not: a severity change never loses work already done.
 */
export function itemsToAdd(incident: Incident, existing: readonly ChecklistItem[], templates: ChecklistTemplates): NewChecklistItem[] {
  const have = new Set(existing.map((i) => i.text));
  let position = existing.reduce((max, i) => Math.max(max, i.position), 0);
  return templatesFor(templates, incident)
    .filter(({ template }) => !have.has(template.text))
    .map(({ template, source }) => ({
      incidentNumber: incident.number,
      position: (position += 1),
      text: template.text,
      required: template.required,
      source,
      checkedAt: null,
      checkedBy: null,
    }));
}

/** Ticks an item; ticking it twice is refused (the first tick, who and when, is the record). */
export function checkItem(item: ChecklistItem, actor: UserId, now: number): { item: ChecklistItem; event: TimelineEvent } {
  if (item.checkedAt !== null) throw new IncidentError('checklist_item_checked', { position: String(item.position), by: item.checkedBy ?? '?' });
  return {
    item: { ...item, checkedAt: now, checkedBy: actor },
    event: event('checklist_checked', now, actor, `Checklist ${item.position}. ${item.text} ✔`, { item: item.id, position: item.position }),
  };
}

/** Ticked items out of all, e.g. 3 of 7. */
export function checklistProgress(items: readonly ChecklistItem[]): { done: number; total: number } {
  return { done: items.filter((i) => i.checkedAt !== null).length, total: items.length };
}

/** `3/7`, or '' for an incident without a checklist. */
export function progressText(items: readonly ChecklistItem[]): string {
  const { done, total } = checklistProgress(items);
  return total ? `${done}/${total}` : '';
}

/** Required items not ticked yet: they hold `close` back. */
export const openRequired = (items: readonly ChecklistItem[]): ChecklistItem[] => items.filter((i) => i.required && i.checkedAt === null);
