/** ChecklistStore and FollowUpStore on PostgreSQL: each change one transaction, the item re-read FOR UPDATE. */
import type pg from 'pg';
import type { ActionItem, NewActionItem } from '../../incidents/action-items.ts';
import type { ChecklistItem, NewChecklistItem } from '../../incidents/checklists.ts';
import type { DigestEffect } from '../../incidents/digest.ts';
import type { QueuedEffect } from '../../incidents/effects.ts';
import type { ChecklistStore, FollowUpStore } from '../../incidents/ports.ts';
import { EMPTY_SECTIONS, type PostmortemSections } from '../../incidents/postmortem.ts';
import type { TimelineEvent } from '../../incidents/timeline.ts';
import { type ItemRow as ChecklistRow, toItem as toChecklistItem } from '../sqlite-checklist-store.ts';
import { type ItemRow as ActionRow, toItem as toActionItem } from '../sqlite-follow-up-store.ts';
import { inTransaction } from './pg-database.ts';
import { bumpChanges, insertEvents, readChanges, type Sql, writeOutboxPg } from './pg-sql.ts';

export class PgChecklistStore implements ChecklistStore {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  addChecklistItems(items: readonly NewChecklistItem[], effects: (added: readonly ChecklistItem[]) => readonly QueuedEffect[] = () => []): Promise<ChecklistItem[]> {
    return inTransaction(this.pool, async (client) => {
      const added: ChecklistItem[] = [];
      for (const item of items) {
        const r = await client.query<ChecklistRow>({
          name: 'checklist-insert',
          text: `INSERT INTO checklist_items (incident_number, position, text, required, source, checked_at, checked_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
          values: [item.incidentNumber, item.position, item.text, item.required, item.source, item.checkedAt, item.checkedBy],
        });
        added.push(toChecklistItem(r.rows[0]!));
      }
      await writeOutboxPg(client, effects(added));
      await bumpChanges(client, 'incidents');
      return added;
    });
  }

  version(): Promise<string> {
    return readChanges(this.pool, 'incidents');
  }

  async checklistOf(incidentNumber: number): Promise<ChecklistItem[]> {
    const r = await this.pool.query<ChecklistRow>({ name: 'checklist-of', text: 'SELECT * FROM checklist_items WHERE incident_number = $1 ORDER BY position', values: [incidentNumber] });
    return r.rows.map(toChecklistItem);
  }

  checklistItem(id: number): Promise<ChecklistItem | undefined> {
    return this.item(this.pool, id, false);
  }

  private async item(sql: Sql, id: number, forUpdate: boolean): Promise<ChecklistItem | undefined> {
    const r = await sql.query<ChecklistRow>(`SELECT * FROM checklist_items WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
    return r.rows[0] && toChecklistItem(r.rows[0]);
  }

  updateChecklistItem(
    id: number,
    change: (item: ChecklistItem) => { item: ChecklistItem; entry: TimelineEvent; effects?: readonly QueuedEffect[] },
  ): Promise<ChecklistItem | undefined> {
    return inTransaction(this.pool, async (client) => {
      const current = await this.item(client, id, true);
      if (!current) return undefined;
      const { item, entry, effects = [] } = change(current);
      await client.query('UPDATE checklist_items SET checked_at = $2, checked_by = $3 WHERE id = $1', [id, item.checkedAt, item.checkedBy]);
      await insertEvents(client, item.incidentNumber, [entry]);
      await writeOutboxPg(client, effects);
      await bumpChanges(client, 'incidents');
      return item;
    });
  }

  async progressOf(incidentNumbers: readonly number[]): Promise<ReadonlyMap<number, { done: number; total: number }>> {
    const progress = new Map<number, { done: number; total: number }>();
    if (incidentNumbers.length === 0) return progress;
    const r = await this.pool.query<{ n: number; total: number; done: number }>({
      name: 'checklist-progress',
      text: 'SELECT incident_number AS n, COUNT(*) AS total, COUNT(checked_at) AS done FROM checklist_items WHERE incident_number = ANY($1) GROUP BY incident_number',
      values: [[...incidentNumbers]],
    });
    for (const row of r.rows) progress.set(row.n, { done: row.done, total: row.total });
    return progress;
  }
}

export class PgFollowUpStore implements FollowUpStore {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** `effects` may be a function of the saved item (its id is known only once inserted), as on SQLite. */
  addActionItem(item: NewActionItem, entry: TimelineEvent, effects: readonly QueuedEffect[] | ((saved: ActionItem) => readonly QueuedEffect[]) = []): Promise<ActionItem> {
    return inTransaction(this.pool, async (client) => {
      const r = await client.query<ActionRow>({
        name: 'action-item-insert',
        text: `INSERT INTO action_items (incident_number, text, owner, due, state, created_at, created_by, done_at, done_by, issue_number, issue_url)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
        values: [item.incidentNumber, item.text, item.owner, item.due, item.state, item.createdAt, item.createdBy, item.doneAt, item.doneBy, item.issue?.number ?? null, item.issue?.url ?? null],
      });
      const saved = toActionItem(r.rows[0]!);
      await insertEvents(client, item.incidentNumber, [entry]);
      await writeOutboxPg(client, typeof effects === 'function' ? effects(saved) : effects);
      await bumpChanges(client, 'incidents');
      return saved;
    });
  }

  updateActionItem(
    id: number,
    change: (item: ActionItem) => { item: ActionItem; entry: TimelineEvent | null; effects?: readonly QueuedEffect[] },
  ): Promise<ActionItem | undefined> {
    return inTransaction(this.pool, async (client) => {
      const current = await this.item(client, id, true);
      if (!current) return undefined;
      const { item, entry, effects = [] } = change(current);
      if (!entry) return current;
      await client.query({
        name: 'action-item-update',
        text: 'UPDATE action_items SET text = $2, owner = $3, due = $4, state = $5, done_at = $6, done_by = $7, issue_number = $8, issue_url = $9 WHERE id = $1',
        values: [id, item.text, item.owner, item.due, item.state, item.doneAt, item.doneBy, item.issue?.number ?? null, item.issue?.url ?? null],
      });
      await insertEvents(client, item.incidentNumber, [entry]);
      await writeOutboxPg(client, effects);
      await bumpChanges(client, 'incidents');
      return item;
    });
  }

  actionItem(id: number): Promise<ActionItem | undefined> {
    return this.item(this.pool, id, false);
  }

  private async item(sql: Sql, id: number, forUpdate: boolean): Promise<ActionItem | undefined> {
    const r = await sql.query<ActionRow>(`SELECT * FROM action_items WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
    return r.rows[0] && toActionItem(r.rows[0]);
  }

  async actionItemsOf(incidentNumber: number): Promise<ActionItem[]> {
    return (await this.pool.query<ActionRow>('SELECT * FROM action_items WHERE incident_number = $1 ORDER BY id', [incidentNumber])).rows.map(toActionItem);
  }

  async openActionItems(): Promise<ActionItem[]> {
    return (await this.pool.query<ActionRow>("SELECT * FROM action_items WHERE state = 'open' ORDER BY id")).rows.map(toActionItem);
  }

  savePostmortem(incidentNumber: number, markdown: string, entry: TimelineEvent, effects: readonly QueuedEffect[] = []): Promise<void> {
    return inTransaction(this.pool, async (client) => {
      await this.writePostmortem(client, incidentNumber, markdown, entry.at);
      await insertEvents(client, incidentNumber, [entry]);
      await writeOutboxPg(client, effects);
      await bumpChanges(client, 'incidents');
    });
  }

  async postmortemSections(incidentNumber: number): Promise<PostmortemSections> {
    const r = await this.pool.query<PostmortemSections>(
      `SELECT summary, impact, contributing_factors AS "contributingFactors", went_well AS "wentWell", went_wrong AS "wentWrong"
       FROM postmortem_sections WHERE incident_number = $1`,
      [incidentNumber],
    );
    return r.rows[0] ?? { ...EMPTY_SECTIONS };
  }

  savePostmortemSections(incidentNumber: number, sections: PostmortemSections, markdown: string | null, entry: TimelineEvent): Promise<void> {
    return inTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO postmortem_sections (incident_number, summary, impact, contributing_factors, went_well, went_wrong, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (incident_number) DO UPDATE SET summary = excluded.summary, impact = excluded.impact, contributing_factors = excluded.contributing_factors,
           went_well = excluded.went_well, went_wrong = excluded.went_wrong, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        [incidentNumber, sections.summary, sections.impact, sections.contributingFactors, sections.wentWell, sections.wentWrong, entry.at, entry.actor],
      );
      if (markdown !== null) await this.writePostmortem(client, incidentNumber, markdown, entry.at);
      await insertEvents(client, incidentNumber, [entry]);
      await bumpChanges(client, 'incidents');
    });
  }

  async postmortem(incidentNumber: number): Promise<{ markdown: string; generatedAt: number } | undefined> {
    const r = await this.pool.query<{ markdown: string; generatedAt: number }>('SELECT markdown, generated_at AS "generatedAt" FROM postmortems WHERE incident_number = $1', [incidentNumber]);
    return r.rows[0];
  }

  /**
   * One replica wins the slot (the primary key of digests_sent); the winner's `effects` are queued in the same
   * transaction, so a claimed digest is never lost to a crash between claim and queue.
   */
  claimDigest(slot: number, now: number, effects?: () => readonly QueuedEffect<DigestEffect>[]): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const r = await client.query({ name: 'digest-claim', text: 'INSERT INTO digests_sent (slot, sent_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', values: [slot, now] });
      if (r.rowCount !== 1) return false;
      if (effects) await writeOutboxPg(client, effects());
      return true;
    });
  }

  private async writePostmortem(client: pg.PoolClient, incidentNumber: number, markdown: string, at: number): Promise<void> {
    await client.query(
      `INSERT INTO postmortems (incident_number, markdown, generated_at) VALUES ($1, $2, $3)
       ON CONFLICT (incident_number) DO UPDATE SET markdown = excluded.markdown, generated_at = excluded.generated_at`,
      [incidentNumber, markdown, at],
    );
  }
}
