/** PublicationStore on PostgreSQL: the publication re-read FOR UPDATE, written with its public updates and timeline entries. */
import type pg from 'pg';
import type { PublicationStore } from '../../incidents/ports.ts';
import type { Publication, PublicationChange } from '../../incidents/publication.ts';
import { type PublicationRow, toPublication, type UpdateRow } from '../sqlite-publication-store.ts';
import { inTransaction } from './pg-database.ts';
import { bumpChanges, insertEvents, readChanges, type Sql, writeOutboxPg } from './pg-sql.ts';

type Row = Omit<PublicationRow, 'live'> & { live: boolean };

export class PgPublicationStore implements PublicationStore {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  publicationOf(incidentNumber: number): Promise<Publication | undefined> {
    return this.read(this.pool, incidentNumber, false);
  }

  private async read(sql: Sql, incidentNumber: number, forUpdate: boolean): Promise<Publication | undefined> {
    const r = await sql.query<Row>(`SELECT * FROM publications WHERE incident_number = $1${forUpdate ? ' FOR UPDATE' : ''}`, [incidentNumber]);
    return r.rows[0] && this.toPublication(sql, r.rows[0]);
  }

  mutatePublication(incidentNumber: number, rule: (current: Publication | undefined) => PublicationChange | null): Promise<Publication | undefined> {
    return inTransaction(this.pool, async (client) => {
      // The incident row is locked first: a first publication has no row of its own to lock yet.
      await client.query('SELECT 1 FROM incidents WHERE number = $1 FOR UPDATE', [incidentNumber]);
      const current = await this.read(client, incidentNumber, true);
      const change = rule(current);
      if (!change) return current;
      const p = change.publication;
      await client.query(
        `INSERT INTO publications (incident_number, public_id, title, impact, components, published_at, published_by, changed_at, live)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (incident_number) DO UPDATE SET title = excluded.title, impact = excluded.impact, components = excluded.components,
           published_at = excluded.published_at, published_by = excluded.published_by, changed_at = excluded.changed_at, live = excluded.live`,
        [incidentNumber, current?.publicId ?? p.publicId, p.title, p.impact, JSON.stringify(p.components), p.publishedAt, p.publishedBy, p.changedAt, p.live],
      );
      // Public updates are append-only: the rule's list is the old one plus any new ones at its end.
      for (const u of p.updates.slice(current?.updates.length ?? 0)) {
        await client.query('INSERT INTO public_updates (incident_number, text, at, by) VALUES ($1, $2, $3, $4)', [incidentNumber, u.text, u.at, u.by]);
      }
      await insertEvents(client, incidentNumber, change.events);
      await writeOutboxPg(client, change.effects ?? []);
      await bumpChanges(client, 'publications');
      return this.read(client, incidentNumber, false);
    });
  }

  async livePublications(limit: number): Promise<Publication[]> {
    const r = await this.pool.query<Row>('SELECT * FROM publications WHERE live ORDER BY published_at DESC LIMIT $1', [limit]);
    return Promise.all(r.rows.map((row) => this.toPublication(this.pool, row)));
  }

  version(): Promise<string> {
    return readChanges(this.pool, 'publications');
  }

  private async toPublication(sql: Sql, row: Row): Promise<Publication> {
    const updates = await sql.query<UpdateRow>('SELECT text, at, by FROM public_updates WHERE incident_number = $1 ORDER BY id', [row.incident_number]);
    return toPublication(row, updates.rows);
  }
}
