/**
 * PageStore and AnnotationStore on PostgreSQL (schema.ts `pages`, `dashboard_annotations`), with the semantics of
 * ../sqlite-integration-store.ts. The rules read the incident's pages or queued state before deciding, so each
 * change first locks the incident's row (FOR UPDATE): two replicas paging one team, or queueing one annotation
 * state, apply one after the other and the second sees the first.
 */
import type pg from 'pg';
import type { QueuedEffect } from '../../incidents/effects.ts';
import type { IntegrationEffect } from '../../incidents/integration-effects.ts';
import type { AnnotationStore, PageStore } from '../../incidents/integration-ports.ts';
import type { NewPage, Page } from '../../incidents/paging.ts';
import type { TimelineEvent } from '../../incidents/timeline.ts';
import { type PageRow, toPage } from '../sqlite-integration-store.ts';
import { inTransaction } from './pg-database.ts';
import { insertEvents, type Sql, writeOutboxPg } from './pg-sql.ts';

const lockIncident = (client: pg.PoolClient, incidentNumber: number) =>
  client.query({ name: 'integration-lock-incident', text: 'SELECT 1 FROM incidents WHERE number = $1 FOR UPDATE', values: [incidentNumber] });

export class PgIntegrationStore implements PageStore, AnnotationStore {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  addPage(
    incidentNumber: number,
    rule: (pages: readonly Page[]) => { page: NewPage; entry: TimelineEvent },
    effects: (page: Page) => readonly QueuedEffect<IntegrationEffect>[],
  ): Promise<Page> {
    return inTransaction(this.pool, async (client) => {
      await lockIncident(client, incidentNumber);
      const { page, entry } = rule(await this.pagesIn(client, incidentNumber));
      const r = await client.query<{ id: number }>({
        name: 'page-insert',
        text: `INSERT INTO pages (incident_number, team, message, severity, paged_at, paged_by, refreshed_at, resolved_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        values: [page.incidentNumber, page.team, page.message, page.severity, page.pagedAt, page.pagedBy, page.refreshedAt, page.resolvedAt],
      });
      const saved: Page = { ...page, id: r.rows[0]!.id };
      await insertEvents(client, incidentNumber, [entry]);
      await writeOutboxPg(client, effects(saved));
      return saved;
    });
  }

  pagesOf(incidentNumber: number): Promise<Page[]> {
    return this.pagesIn(this.pool, incidentNumber);
  }

  async page(id: number): Promise<Page | undefined> {
    const r = await this.pool.query<PageRow>({ name: 'page-one', text: 'SELECT * FROM pages WHERE id = $1', values: [id] });
    return r.rows[0] && toPage(r.rows[0]);
  }

  async firingPages(): Promise<Page[]> {
    const r = await this.pool.query<PageRow>({ name: 'pages-firing', text: 'SELECT * FROM pages WHERE resolved_at IS NULL ORDER BY id' });
    return r.rows.map(toPage);
  }

  updatePage(
    id: number,
    rule: (page: Page) => { page: Page; entry?: TimelineEvent; effects: readonly QueuedEffect<IntegrationEffect>[] } | null,
  ): Promise<Page | undefined> {
    return inTransaction(this.pool, async (client) => {
      const row = (await client.query<PageRow>({ name: 'page-lock', text: 'SELECT * FROM pages WHERE id = $1 FOR UPDATE', values: [id] })).rows[0];
      if (!row) return undefined;
      const change = rule(toPage(row));
      if (!change) return toPage(row);
      await client.query({ name: 'page-save', text: 'UPDATE pages SET refreshed_at = $2, resolved_at = $3 WHERE id = $1', values: [id, change.page.refreshedAt, change.page.resolvedAt] });
      if (change.entry) await insertEvents(client, row.incident_number, [change.entry]);
      await writeOutboxPg(client, change.effects);
      return change.page;
    });
  }

  async annotationIdOf(incidentNumber: number): Promise<string | null> {
    const r = await this.pool.query<{ annotation_id: string | null }>({
      name: 'annotation-id',
      text: 'SELECT annotation_id FROM dashboard_annotations WHERE incident_number = $1',
      values: [incidentNumber],
    });
    return r.rows[0]?.annotation_id ?? null;
  }

  /** False (nothing queued) when `state` is the one queued last, whichever replica queued it. */
  queueAnnotation(incidentNumber: number, state: string, effects: readonly QueuedEffect<IntegrationEffect>[]): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      await lockIncident(client, incidentNumber);
      const row = (
        await client.query<{ queued_state: string }>({ name: 'annotation-state', text: 'SELECT queued_state FROM dashboard_annotations WHERE incident_number = $1', values: [incidentNumber] })
      ).rows[0];
      if (row?.queued_state === state) return false;
      await client.query({
        name: 'annotation-queue',
        text: `INSERT INTO dashboard_annotations (incident_number, annotation_id, queued_state) VALUES ($1, NULL, $2)
          ON CONFLICT (incident_number) DO UPDATE SET queued_state = excluded.queued_state`,
        values: [incidentNumber, state],
      });
      await writeOutboxPg(client, effects);
      return true;
    });
  }

  async saveAnnotationId(incidentNumber: number, annotationId: string): Promise<void> {
    await this.pool.query({ name: 'annotation-save-id', text: 'UPDATE dashboard_annotations SET annotation_id = $1 WHERE incident_number = $2', values: [annotationId, incidentNumber] });
  }

  private async pagesIn(sql: Sql, incidentNumber: number): Promise<Page[]> {
    const r = await sql.query<PageRow>({ name: 'pages-of', text: 'SELECT * FROM pages WHERE incident_number = $1 ORDER BY id', values: [incidentNumber] });
    return r.rows.map(toPage);
  }
}
