/** FollowUpStore on SQLite: action items, postmortems and digest claims, each written with its timeline entry. */
import type { Statement } from 'better-sqlite3';
import type { ActionItem, NewActionItem } from '../incidents/action-items.ts';
import type { DigestEffect } from '../incidents/digest.ts';
import type { FollowUpStore } from '../incidents/ports.ts';
import { EMPTY_SECTIONS, type PostmortemSections } from '../incidents/postmortem.ts';
import type { TimelineEvent } from '../incidents/timeline.ts';
import type { QueuedEffect } from '../incidents/effects.ts';
import type { Db } from './database.ts';
import type { SqlRow } from './raw-rows.ts';
import type { actionItems } from './schema.ts';
import { writeOutbox } from './sqlite-outbox-store.ts';

/** The row as a plain statement returns it (raw-rows.ts): the schema is its source. */
export type ItemRow = SqlRow<typeof actionItems>;

export const toItem = (r: ItemRow): ActionItem => ({
  id: r.id,
  incidentNumber: r.incident_number,
  text: r.text,
  owner: r.owner,
  due: r.due,
  state: r.state === 'done' ? 'done' : 'open',
  createdAt: r.created_at,
  createdBy: r.created_by,
  doneAt: r.done_at,
  doneBy: r.done_by,
  ...(r.issue_number === null || r.issue_url === null ? {} : { issue: { number: r.issue_number, url: r.issue_url } }),
});

/** An item as the statements' named parameters. */
const params = (item: NewActionItem | ActionItem) => ({ ...item, issueNumber: item.issue?.number ?? null, issueUrl: item.issue?.url ?? null, issue: undefined });

export class SqliteFollowUpStore implements FollowUpStore {
  private readonly db: Db;
  private readonly s: Record<'insert' | 'update' | 'byId' | 'ofIncident' | 'open' | 'event' | 'savePm' | 'getPm' | 'claimDigest' | 'getSections' | 'saveSections', Statement>;

  constructor(db: Db) {
    this.db = db;
    const c = db.$client;
    this.s = {
      insert: c.prepare(`INSERT INTO action_items (incident_number, text, owner, due, state, created_at, created_by, done_at, done_by, issue_number, issue_url)
        VALUES (@incidentNumber, @text, @owner, @due, @state, @createdAt, @createdBy, @doneAt, @doneBy, @issueNumber, @issueUrl) RETURNING *`),
      update: c.prepare(`UPDATE action_items SET text = @text, owner = @owner, due = @due, state = @state, done_at = @doneAt, done_by = @doneBy,
        issue_number = @issueNumber, issue_url = @issueUrl WHERE id = @id`),
      byId: c.prepare('SELECT * FROM action_items WHERE id = ?'),
      ofIncident: c.prepare('SELECT * FROM action_items WHERE incident_number = ? ORDER BY id'),
      open: c.prepare("SELECT * FROM action_items WHERE state = 'open' ORDER BY id"),
      event: c.prepare('INSERT INTO timeline_events (incident_number, at, actor, kind, text, data) VALUES (?, ?, ?, ?, ?, ?)'),
      savePm: c.prepare(`INSERT INTO postmortems (incident_number, markdown, generated_at) VALUES (?, ?, ?)
        ON CONFLICT (incident_number) DO UPDATE SET markdown = excluded.markdown, generated_at = excluded.generated_at`),
      getPm: c.prepare('SELECT markdown, generated_at FROM postmortems WHERE incident_number = ?'),
      getSections: c.prepare(
        'SELECT summary, impact, contributing_factors AS contributingFactors, went_well AS wentWell, went_wrong AS wentWrong FROM postmortem_sections WHERE incident_number = ?',
      ),
      saveSections: c.prepare(`INSERT INTO postmortem_sections (incident_number, summary, impact, contributing_factors, went_well, went_wrong, updated_at, updated_by)
        VALUES (@incidentNumber, @summary, @impact, @contributingFactors, @wentWell, @wentWrong, @at, @by)
        ON CONFLICT (incident_number) DO UPDATE SET summary = excluded.summary, impact = excluded.impact, contributing_factors = excluded.contributing_factors,
          went_well = excluded.went_well, went_wrong = excluded.went_wrong, updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
      claimDigest: c.prepare('INSERT OR IGNORE INTO digests_sent (slot, sent_at) VALUES (?, ?)'),
    };
  }

  async addActionItem(item: NewActionItem, entry: TimelineEvent, effects: readonly QueuedEffect[] | ((saved: ActionItem) => readonly QueuedEffect[]) = []): Promise<ActionItem> {
    return this.db.$client
      .transaction(() => {
        const saved = toItem(this.s.insert.get(params(item)) as ItemRow);
        this.record(item.incidentNumber, entry);
        writeOutbox(this.db.$client, typeof effects === 'function' ? effects(saved) : effects);
        return saved;
      })
      .immediate();
  }

  async updateActionItem(
    id: number,
    change: (item: ActionItem) => { item: ActionItem; entry: TimelineEvent | null; effects?: readonly QueuedEffect[] },
  ): Promise<ActionItem | undefined> {
    return this.db.$client
      .transaction(() => {
        const current = this.itemNow(id);
        if (!current) return undefined;
        const { item, entry, effects = [] } = change(current);
        if (!entry) return current;
        this.s.update.run(params(item));
        this.record(item.incidentNumber, entry);
        writeOutbox(this.db.$client, effects);
        return item;
      })
      .immediate();
  }

  async actionItem(id: number): Promise<ActionItem | undefined> {
    return this.itemNow(id);
  }

  // The synchronous read, for use inside this store's transactions (better-sqlite3 runs them synchronously).
  private itemNow(id: number): ActionItem | undefined {
    const row = this.s.byId.get(id) as ItemRow | undefined;
    return row && toItem(row);
  }

  async actionItemsOf(incidentNumber: number): Promise<ActionItem[]> {
    return (this.s.ofIncident.all(incidentNumber) as ItemRow[]).map(toItem);
  }

  async openActionItems(): Promise<ActionItem[]> {
    return (this.s.open.all() as ItemRow[]).map(toItem);
  }

  async savePostmortem(incidentNumber: number, markdown: string, entry: TimelineEvent, effects: readonly QueuedEffect[] = []): Promise<void> {
    this.db.$client
      .transaction(() => {
        this.s.savePm.run(incidentNumber, markdown, entry.at);
        this.record(incidentNumber, entry);
        writeOutbox(this.db.$client, effects);
      })
      .immediate();
  }

  async postmortemSections(incidentNumber: number): Promise<PostmortemSections> {
    return (this.s.getSections.get(incidentNumber) as PostmortemSections | undefined) ?? { ...EMPTY_SECTIONS };
  }

  async savePostmortemSections(incidentNumber: number, sections: PostmortemSections, markdown: string | null, entry: TimelineEvent): Promise<void> {
    this.db.$client
      .transaction(() => {
        this.s.saveSections.run({ incidentNumber, ...sections, at: entry.at, by: entry.actor });
        if (markdown !== null) this.s.savePm.run(incidentNumber, markdown, entry.at);
        this.record(incidentNumber, entry);
      })
      .immediate();
  }

  async postmortem(incidentNumber: number): Promise<{ markdown: string; generatedAt: number } | undefined> {
    const row = this.s.getPm.get(incidentNumber) as { markdown: string; generated_at: number } | undefined;
    return row && { markdown: row.markdown, generatedAt: row.generated_at };
  }

  async claimDigest(slot: number, now: number, effects?: () => readonly QueuedEffect<DigestEffect>[]): Promise<boolean> {
    return this.db.$client
      .transaction(() => {
        if (this.s.claimDigest.run(slot, now).changes !== 1) return false;
        if (effects) writeOutbox(this.db.$client, effects());
        return true;
      })
      .immediate();
  }

  private record(incidentNumber: number, e: TimelineEvent): void {
    this.s.event.run(incidentNumber, e.at, e.actor, e.kind, e.text, JSON.stringify(e.data));
  }
}
