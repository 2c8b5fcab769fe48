/** ChecklistStore on SQLite: items of incidents' checklists, each tick written with its timeline entry. */
import type { Statement } from 'better-sqlite3';
import type { ChecklistItem, NewChecklistItem } from '../incidents/checklists.ts';
import type { QueuedEffect } from '../incidents/effects.ts';
import type { ChecklistStore } from '../incidents/ports.ts';
import type { TimelineEvent } from '../incidents/timeline.ts';
import type { Db } from './database.ts';
import { writeOutbox } from './sqlite-outbox-store.ts';

export interface ItemRow {
  id: number;
  incident_number: number;
  position: number;
  text: string;
  required: number | boolean;
  source: string;
  checked_at: number | null;
  checked_by: string | null;
}

export const toItem = (r: ItemRow): ChecklistItem => ({
  id: r.id,
  incidentNumber: r.incident_number,
  position: r.position,
  text: r.text,
  required: r.required === 1 || r.required === true,
  source: r.source,
  checkedAt: r.checked_at,
  checkedBy: r.checked_by,
});

export class SqliteChecklistStore implements ChecklistStore {
  private readonly db: Db;
  private readonly s: Record<'insert' | 'check' | 'byId' | 'ofIncident' | 'event', Statement>;
  /** Writes committed through this store (another process's writes move the incident store's data_version). */
  private writes = 0;

  constructor(db: Db) {
    this.db = db;
    const c = db.$client;
    this.s = {
      insert: c.prepare(`INSERT INTO checklist_items (incident_number, position, text, required, source, checked_at, checked_by)
        VALUES (@incidentNumber, @position, @text, @required, @source, @checkedAt, @checkedBy) RETURNING *`),
      check: c.prepare('UPDATE checklist_items SET checked_at = @checkedAt, checked_by = @checkedBy WHERE id = @id'),
      byId: c.prepare('SELECT * FROM checklist_items WHERE id = ?'),
      ofIncident: c.prepare('SELECT * FROM checklist_items WHERE incident_number = ? ORDER BY position'),
      event: c.prepare('INSERT INTO timeline_events (incident_number, at, actor, kind, text, data) VALUES (?, ?, ?, ?, ?, ?)'),
    };
  }

  async addChecklistItems(items: readonly NewChecklistItem[], effects: (added: readonly ChecklistItem[]) => readonly QueuedEffect[] = () => []): Promise<ChecklistItem[]> {
    return this.db.$client
      .transaction(() => {
        this.writes += 1;
        const added = items.map((item) => toItem(this.s.insert.get({ ...item, required: item.required ? 1 : 0 }) as ItemRow));
        writeOutbox(this.db.$client, effects(added));
        return added;
      })
      .immediate();
  }

  async version(): Promise<string> {
    return String(this.writes);
  }

  async checklistOf(incidentNumber: number): Promise<ChecklistItem[]> {
    return (this.s.ofIncident.all(incidentNumber) as ItemRow[]).map(toItem);
  }

  async checklistItem(id: number): Promise<ChecklistItem | undefined> {
    return this.itemNow(id);
  }

  // The synchronous read, for use inside this store's transactions (better-sqlite3 runs them synchronously).
  private itemNow(id: number): ChecklistItem | undefined {
    const row = this.s.byId.get(id) as ItemRow | undefined;
    return row ? toItem(row) : undefined;
  }

  async updateChecklistItem(
    id: number,
    change: (item: ChecklistItem) => { item: ChecklistItem; entry: TimelineEvent; effects?: readonly QueuedEffect[] },
  ): Promise<ChecklistItem | undefined> {
    return this.db.$client
      .transaction(() => {
        const current = this.itemNow(id);
        if (!current) return undefined;
        const { item, entry, effects = [] } = change(current);
        this.s.check.run({ id, checkedAt: item.checkedAt, checkedBy: item.checkedBy });
        this.s.event.run(item.incidentNumber, entry.at, entry.actor, entry.kind, entry.text, JSON.stringify(entry.data));
        writeOutbox(this.db.$client, effects);
        this.writes += 1;
        return item;
      })
      .immediate();
  }

  async progressOf(incidentNumbers: readonly number[]): Promise<ReadonlyMap<number, { done: number; total: number }>> {
    const progress = new Map<number, { done: number; total: number }>();
    if (incidentNumbers.length === 0) return progress;
    // One query for a whole board page; the ids are numbers, bound as parameters.
    const rows = this.db.$client
      .prepare(
        `SELECT incident_number AS n, COUNT(*) AS total, COUNT(checked_at) AS done FROM checklist_items
         WHERE incident_number IN (${incidentNumbers.map(() => '?').join(',')}) GROUP BY incident_number`,
      )
      .all(...incidentNumbers) as { n: number; total: number; done: number }[];
    for (const r of rows) progress.set(r.n, { done: r.done, total: r.total });
    return progress;
  }
}
