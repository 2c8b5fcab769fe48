/** PageStore and AnnotationStore on SQLite (schema.ts `pages`, `dashboard_annotations`). */
import type { Statement } from 'better-sqlite3';
import type { QueuedEffect } from '../incidents/effects.ts';
import type { IntegrationEffect } from '../incidents/integration-effects.ts';
import type { AnnotationStore, PageStore } from '../incidents/integration-ports.ts';
import type { NewPage, Page } from '../incidents/paging.ts';
import { SEVERITIES, type Severity } from '../incidents/severity.ts';
import type { TimelineEvent } from '../incidents/timeline.ts';
import type { Db } from './database.ts';
import { writeOutbox } from './sqlite-outbox-store.ts';

export interface PageRow {
  id: number;
  incident_number: number;
  team: string;
  message: string;
  severity: string;
  paged_at: number;
  paged_by: string;
  refreshed_at: number;
  resolved_at: number | null;
}

export const toPage = (r: PageRow): Page => ({
  id: r.id,
  incidentNumber: r.incident_number,
  team: r.team,
  message: r.message,
  severity: SEVERITIES.find((s) => s === r.severity) ?? ('sev3' satisfies Severity),
  pagedAt: r.paged_at,
  pagedBy: r.paged_by,
  refreshedAt: r.refreshed_at,
  resolvedAt: r.resolved_at,
});

type Statements = 'ofIncident' | 'one' | 'firing' | 'insert' | 'save' | 'event' | 'annotation' | 'queue' | 'saveId';

export class SqliteIntegrationStore implements PageStore, AnnotationStore {
  private readonly db: Db;
  private readonly s: Record<Statements, Statement>;

  constructor(db: Db) {
    this.db = db;
    const c = db.$client;
    this.s = {
      ofIncident: c.prepare('SELECT * FROM pages WHERE incident_number = ? ORDER BY id'),
      one: c.prepare('SELECT * FROM pages WHERE id = ?'),
      firing: c.prepare('SELECT * FROM pages WHERE resolved_at IS NULL ORDER BY id'),
      insert: c.prepare(`INSERT INTO pages (incident_number, team, message, severity, paged_at, paged_by, refreshed_at, resolved_at)
        VALUES (@incidentNumber, @team, @message, @severity, @pagedAt, @pagedBy, @refreshedAt, @resolvedAt)`),
      save: c.prepare('UPDATE pages SET refreshed_at = @refreshedAt, resolved_at = @resolvedAt WHERE id = @id'),
      event: c.prepare('INSERT INTO timeline_events (incident_number, at, actor, kind, text, data) VALUES (?, ?, ?, ?, ?, ?)'),
      annotation: c.prepare('SELECT annotation_id, queued_state FROM dashboard_annotations WHERE incident_number = ?'),
      queue: c.prepare(`INSERT INTO dashboard_annotations (incident_number, annotation_id, queued_state) VALUES (?, NULL, ?)
        ON CONFLICT (incident_number) DO UPDATE SET queued_state = excluded.queued_state`),
      saveId: c.prepare('UPDATE dashboard_annotations SET annotation_id = ? WHERE incident_number = ?'),
    };
  }

  async addPage(
    incidentNumber: number,
    rule: (pages: readonly Page[]) => { page: NewPage; entry: TimelineEvent },
    effects: (page: Page) => readonly QueuedEffect<IntegrationEffect>[],
  ): Promise<Page> {
    return this.db.$client
      .transaction(() => {
        const { page, entry } = rule(this.pagesOfNow(incidentNumber));
        const id = Number(this.s.insert.run(page).lastInsertRowid);
        this.record(incidentNumber, entry);
        const saved: Page = { ...page, id };
        writeOutbox(this.db.$client, effects(saved));
        return saved;
      })
      .immediate();
  }

  async pagesOf(incidentNumber: number): Promise<Page[]> {
    return this.pagesOfNow(incidentNumber);
  }

  async page(id: number): Promise<Page | undefined> {
    const row = this.s.one.get(id) as PageRow | undefined;
    return row && toPage(row);
  }

  async firingPages(): Promise<Page[]> {
    return (this.s.firing.all() as PageRow[]).map(toPage);
  }

  async updatePage(
    id: number,
    rule: (page: Page) => { page: Page; entry?: TimelineEvent; effects: readonly QueuedEffect<IntegrationEffect>[] } | null,
  ): Promise<Page | undefined> {
    return this.db.$client
      .transaction(() => {
        const row = this.s.one.get(id) as PageRow | undefined;
        if (!row) return undefined;
        const change = rule(toPage(row));
        if (!change) return toPage(row);
        this.s.save.run({ id, refreshedAt: change.page.refreshedAt, resolvedAt: change.page.resolvedAt });
        if (change.entry) this.record(row.incident_number, change.entry);
        writeOutbox(this.db.$client, change.effects);
        return change.page;
      })
      .immediate();
  }

  async annotationIdOf(incidentNumber: number): Promise<string | null> {
    const row = this.s.annotation.get(incidentNumber) as { annotation_id: string | null } | undefined;
    return row?.annotation_id ?? null;
  }

  async queueAnnotation(incidentNumber: number, state: string, effects: readonly QueuedEffect<IntegrationEffect>[]): Promise<boolean> {
    return this.db.$client
      .transaction(() => {
        const row = this.s.annotation.get(incidentNumber) as { queued_state: string } | undefined;
        if (row?.queued_state === state) return false;
        this.s.queue.run(incidentNumber, state);
        writeOutbox(this.db.$client, effects);
        return true;
      })
      .immediate();
  }

  async saveAnnotationId(incidentNumber: number, annotationId: string): Promise<void> {
    this.s.saveId.run(annotationId, incidentNumber);
  }

  private pagesOfNow(incidentNumber: number): Page[] {
    return (this.s.ofIncident.all(incidentNumber) as PageRow[]).map(toPage);
  }

  private record(incidentNumber: number, e: TimelineEvent): void {
    this.s.event.run(incidentNumber, e.at, e.actor, e.kind, e.text, JSON.stringify(e.data));
  }
}
