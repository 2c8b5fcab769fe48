/**
 * The one place the storage engine is chosen: DATABASE_URL (postgres://…) opens PostgreSQL, else SQLite at
 * DATABASE_PATH. Either way the result is the same set of stores with promise-returning methods, so the wiring
 * (src/app.ts) does not know which engine it runs on.
 */
import type { AlertStore } from '../alerts/ports.ts';
import type { OutboxStore } from '../delivery/outbox.ts';
import type { AlertFacts, CapturedMessageStore, ChecklistStore, FollowUpStore, IncidentStore, PublicationStore } from '../incidents/ports.ts';
import type { AnnotationStore, PageStore } from '../incidents/integration-ports.ts';
import type { SessionStore } from '../web/sessions.ts';
import type { Config } from '../config.ts';
import type { TopicMemory } from '../chat/topic-memory.ts';
import type { Platform } from '../incidents/incident.ts';
import { openDatabase, proveWritable } from './database.ts';
import { openPgDatabase } from './pg/pg-database.ts';
import { PgAlertStore } from './pg/pg-alert-store.ts';
import { PgChecklistStore, PgFollowUpStore } from './pg/pg-follow-up-stores.ts';
import { PgIncidentStore } from './pg/pg-incident-store.ts';
import { PgIntegrationStore } from './pg/pg-integration-store.ts';
import { PgOutboxStore } from './pg/pg-outbox-store.ts';
import { PgPublicationStore } from './pg/pg-publication-store.ts';
import { PgDialogNonces, PgSessionStore } from './pg/pg-small-stores.ts';
import { PgLeases } from './pg/pg-leases.ts';
import { type LeaseStore, SqliteLeases } from './leases.ts';
import type { Async } from './pg/pg-sql.ts';
import { PgSettings, type SettingsStore, SqliteSettings } from './settings.ts';
import { SqliteAlertStore } from './sqlite-alert-store.ts';
import { SqliteChecklistStore } from './sqlite-checklist-store.ts';
import { SqliteDialogNonces } from './sqlite-dialog-nonces.ts';
import { SqliteFollowUpStore } from './sqlite-follow-up-store.ts';
import { SqliteIncidentStore } from './sqlite-incident-store.ts';
import { SqliteIntegrationStore } from './sqlite-integration-store.ts';
import { SqliteOutboxStore } from './sqlite-outbox-store.ts';
import { SqlitePublicationStore } from './sqlite-publication-store.ts';
import { SqliteSessionStore } from './sqlite-session-store.ts';
import { PgTopicMemory, SqliteTopicMemory } from './topic-memory.ts';

export interface Stores {
  engine: 'sqlite' | 'postgres';
  /** Incidents, and the chat messages captured onto their timelines. */
  incidents: Async<IncidentStore & CapturedMessageStore>;
  checklists: Async<ChecklistStore>;
  followUps: Async<FollowUpStore>;
  publications: Async<PublicationStore>;
  alerts: Omit<Async<AlertStore>, 'inOneTransaction'> & Async<AlertFacts> & { inOneTransaction<T>(work: () => T): Promise<Awaited<T>> };
  outbox: Async<OutboxStore>;
  /** Pages (Alertmanager) and dashboard annotations (Grafana) of incidents. */
  integrations: PageStore & AnnotationStore;
  sessions: Async<SessionStore>;
  nonces: Async<Pick<SqliteDialogNonces, 'use'>>;
  settings: SettingsStore;
  /** Short leases held by one replica at a time (which one exports the database gauges on /metrics). */
  leases: LeaseStore;
  /** The last topic set on each channel of `platform`, shared by replicas. */
  topics(platform: Platform): TopicMemory;
  /** A write that fails on a read-only or full database (/healthz). */
  proveWritable(now: number): Promise<void>;
  close(): Promise<void>;
}

export async function openStores(config: Pick<Config, 'databaseUrl' | 'databasePath'>, options: { poolSize?: number } = {}): Promise<Stores> {
  if (config.databaseUrl !== undefined) {
    const { pool, close } = await openPgDatabase(config.databaseUrl, { max: options.poolSize ?? 10 });
    return {
      engine: 'postgres',
      incidents: new PgIncidentStore(pool),
      checklists: new PgChecklistStore(pool),
      followUps: new PgFollowUpStore(pool),
      publications: new PgPublicationStore(pool),
      alerts: new PgAlertStore(pool) as Stores['alerts'],
      outbox: new PgOutboxStore(pool),
      integrations: new PgIntegrationStore(pool),
      sessions: new PgSessionStore(pool),
      nonces: new PgDialogNonces(pool),
      settings: new PgSettings(pool),
      leases: new PgLeases(pool),
      topics: (platform) => new PgTopicMemory(pool, platform),
      async proveWritable(now) {
        await pool.query('INSERT INTO health_heartbeat (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at', [now]);
      },
      close,
    };
  }
  const db = openDatabase(config.databasePath);
  return {
    engine: 'sqlite',
    incidents: promised(new SqliteIncidentStore(db)),
    checklists: promised(new SqliteChecklistStore(db)),
    followUps: promised(new SqliteFollowUpStore(db)),
    publications: promised(new SqlitePublicationStore(db)),
    alerts: promised(new SqliteAlertStore(db)) as unknown as Stores['alerts'],
    outbox: promised(new SqliteOutboxStore(db)),
    integrations: new SqliteIntegrationStore(db),
    sessions: promised(new SqliteSessionStore(db)),
    nonces: promised(new SqliteDialogNonces(db)),
    settings: new SqliteSettings(db),
    leases: new SqliteLeases(db),
    topics: (platform) => new SqliteTopicMemory(db, platform),
    proveWritable: (now) => Promise.resolve(proveWritable(db, now)),
    close: () => Promise.resolve(void db.$client.close()),
  };
}

/**
 * The SQLite stores behind the async ports: every method's result (or throw) as a promise. Until the SQLite
 * stores implement the async ports themselves (the async-ports change), after which this goes.
 */
function promised<T extends object>(store: T): Async<T> {
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      // onWritten subscribes (its port type is not made async): it stays a plain call returning the unsubscribe.
      if (typeof value !== 'function' || key === 'onWritten') return typeof value === 'function' ? value.bind(target) : value;
      return (...args: unknown[]) => {
        try {
          return Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args));
        } catch (e) {
          return Promise.reject(e instanceof Error ? e : new Error(String(e)));
        }
      };
    },
  }) as unknown as Async<T>;
}
