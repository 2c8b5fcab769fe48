/** PublicationStore on SQLite: the status page's publications and public updates, each change with its timeline entries. */
import { writeOutbox } from './sqlite-outbox-store.ts';
import type { Statement } from 'better-sqlite3';
import type { PublicationStore } from '../incidents/ports.ts';
import { type Impact, IMPACTS, type Publication, type PublicationChange, type PublicUpdate } from '../incidents/publication.ts';
import type { Db } from './database.ts';

export interface PublicationRow {
  incident_number: number;
  public_id: string;
  title: string;
  impact: string | null;
  components: string;
  published_at: number;
  published_by: string;
  changed_at: number;
  live: number;
}

export interface UpdateRow {
  text: string;
  at: number;
  by: string;
}

const toImpact = (s: string | null): Impact | null => IMPACTS.find((i) => i === s) ?? null;

const toComponents = (json: string): string[] => {
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed) ? parsed.filter((c): c is string => typeof c === 'string') : [];
};

export class SqlitePublicationStore implements PublicationStore {
  private readonly db: Db;
  private readonly s: Record<'get' | 'updates' | 'upsert' | 'addUpdate' | 'event' | 'live', Statement>;
  private writes = 0;

  constructor(db: Db) {
    this.db = db;
    const c = db.$client;
    this.s = {
      get: c.prepare('SELECT * FROM publications WHERE incident_number = ?'),
      updates: c.prepare('SELECT text, at, by FROM public_updates WHERE incident_number = ? ORDER BY id'),
      upsert: c.prepare(`INSERT INTO publications (incident_number, public_id, title, impact, components, published_at, published_by, changed_at, live)
        VALUES (@incidentNumber, @publicId, @title, @impact, @components, @publishedAt, @publishedBy, @changedAt, @live)
        ON CONFLICT (incident_number) DO UPDATE SET title = excluded.title, impact = excluded.impact, components = excluded.components,
          published_at = excluded.published_at, published_by = excluded.published_by, changed_at = excluded.changed_at, live = excluded.live`),
      addUpdate: c.prepare('INSERT INTO public_updates (incident_number, text, at, by) VALUES (?, ?, ?, ?)'),
      event: c.prepare('INSERT INTO timeline_events (incident_number, at, actor, kind, text, data) VALUES (?, ?, ?, ?, ?, ?)'),
      live: c.prepare('SELECT * FROM publications WHERE live = 1 ORDER BY published_at DESC LIMIT ?'),
    };
  }

  async publicationOf(incidentNumber: number): Promise<Publication | undefined> {
    return this.publicationNow(incidentNumber);
  }

  // The synchronous read, for use inside this store's transactions (better-sqlite3 runs them synchronously).
  private publicationNow(incidentNumber: number): Publication | undefined {
    const row = this.s.get.get(incidentNumber) as PublicationRow | undefined;
    return row && this.toPublication(row);
  }

  async mutatePublication(incidentNumber: number, rule: (current: Publication | undefined) => PublicationChange | null): Promise<Publication | undefined> {
    const saved = this.db.$client
      .transaction(() => {
        const current = this.publicationNow(incidentNumber);
        const change = rule(current);
        if (!change) return current;
        const p = change.publication;
        this.s.upsert.run({
          incidentNumber,
          publicId: current?.publicId ?? p.publicId,
          title: p.title,
          impact: p.impact,
          components: JSON.stringify(p.components),
          publishedAt: p.publishedAt,
          publishedBy: p.publishedBy,
          changedAt: p.changedAt,
          live: p.live ? 1 : 0,
        });
        // Public updates are append-only: the rule's list is the old one plus any new ones at its end.
        for (const u of p.updates.slice(current?.updates.length ?? 0)) this.s.addUpdate.run(incidentNumber, u.text, u.at, u.by);
        for (const e of change.events) this.s.event.run(incidentNumber, e.at, e.actor, e.kind, e.text, JSON.stringify(e.data));
        writeOutbox(this.db.$client, change.effects ?? []);
        this.writes += 1;
        return this.publicationNow(incidentNumber);
      })
      .immediate();
    return saved;
  }

  async livePublications(limit: number): Promise<Publication[]> {
    return (this.s.live.all(limit) as PublicationRow[]).map((r) => this.toPublication(r));
  }

  async version(): Promise<string> {
    return String(this.writes);
  }

  private toPublication(row: PublicationRow): Publication {
    return toPublication(row, this.s.updates.all(row.incident_number) as UpdateRow[]);
  }
}

/** A publication row (live as SQLite's 0/1 or PostgreSQL's boolean) with its public updates. */
export function toPublication(row: Omit<PublicationRow, 'live'> & { live: number | boolean }, updates: readonly UpdateRow[]): Publication {
  return {
    incidentNumber: row.incident_number,
    publicId: row.public_id,
    title: row.title,
    impact: toImpact(row.impact),
    components: toComponents(row.components),
    publishedAt: row.published_at,
    publishedBy: row.published_by,
    changedAt: Number(row.changed_at),
    live: row.live === 1 || row.live === true,
    updates: updates.map((u): PublicUpdate => ({ text: u.text, at: u.at, by: u.by })),
  };
}
