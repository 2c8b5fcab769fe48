/**
 * The one place the storage engine is chosen: DATABASE_URL (postgres://…) opens PostgreSQL, else SQLite at
 * DATABASE_PATH. Either way the result is the same set of stores implementing the (promise-returning) ports, so
 * the wiring (src/app.ts) does not know which engine it runs on.
 */
import type { AlertStore } from '../alerts/ports.ts';
import type { OutboxStore } from '../delivery/outbox.ts';
import type { AlertFacts, CapturedMessageStore, ChecklistStore, FollowUpStore, IncidentStore, PublicationStore } from '../incidents/ports.ts';
import type { AnnotationStore, PageStore } from '../incidents/integration-ports.ts';
import type { Platform } from '../incidents/incident.ts';
import { openDatabase, proveWritable } from './database.ts';
import { type LeaseStore, SqliteLeases } from './leases.ts';
import { type SettingsStore, SqliteSettings } from './settings.ts';
import { SqliteAlertStore } from './sqlite-alert-store.ts';
import { SqliteChecklistStore } from './sqlite-checklist-store.ts';
import { SqliteDialogNonces } from './sqlite-dialog-nonces.ts';
import { SqliteFollowUpStore } from './sqlite-follow-up-store.ts';
import { SqliteIncidentStore } from './sqlite-incident-store.ts';
import { SqliteIntegrationStore } from './sqlite-integration-store.ts';
import { SqliteOutboxStore } from './sqlite-outbox-store.ts';
import { SqlitePublicationStore } from './sqlite-publication-store.ts';
import { SqliteSessionStore } from './sqlite-session-store.ts';
import { SqliteTopicMemory, type StoredTopics } from './topic-memory.ts';
import { WalCheckpointer, type WarningLog } from './wal-checkpointer.ts';

export interface Stores {
  engine: 'sqlite' | 'postgres';
  /** Incidents, and the chat messages captured onto their timelines. */
  incidents: IncidentStore & CapturedMessageStore;
  checklists: ChecklistStore;
  followUps: FollowUpStore;
  publications: PublicationStore;
  alerts: AlertStore & AlertFacts;
  outbox: OutboxStore;
  /** Pages (Alertmanager) and dashboard annotations (Grafana) of incidents. */
  integrations: PageStore & AnnotationStore;
  /** Web sessions (the web's SessionStore port, by shape: storage imports no web code). */
  sessions: Pick<SqliteSessionStore, keyof SqliteSessionStore>;
  nonces: Pick<SqliteDialogNonces, 'use'>;
  settings: SettingsStore;
  /** Short leases held by one replica at a time (which one exports the database gauges on /metrics). */
  leases: LeaseStore;
  /** The last topic set on each channel of `platform`, shared by replicas. */
  topics(platform: Platform): StoredTopics;
  /** A write that fails on a read-only or full database (/healthz). */
  proveWritable(now: number): Promise<void>;
  /**
   * SQLite only: WAL checkpoints move to a worker thread (wal-checkpointer.ts), instead of running inside whichever
   * commit (a tick's, a command's) crosses SQLite's threshold. The running app asks for it; tests and benches that
   * open stores directly do not. close() stops the worker.
   */
  checkpointInWorker?(logger: WarningLog): void;
  close(): Promise<void>;
}

/** The SQLite stores, with the settings' synchronous read (createSitroom without opened stores uses it). */
export type SqliteStores = Stores & { engine: 'sqlite'; settings: SqliteSettings };

export async function openStores(config: { databaseUrl: string | undefined; databasePath: string }, options: { poolSize?: number } = {}): Promise<Stores> {
  if (config.databaseUrl !== undefined) {
    // Loaded only with DATABASE_URL: node-postgres and drizzle's PostgreSQL driver cost ~20 MB of RSS on SQLite.
    const { openPgStores } = await import('./pg/pg-stores.ts');
    return openPgStores(config.databaseUrl, options.poolSize ?? 10);
  }
  return openSqliteStores(config.databasePath);
}

/** SQLite opens (and migrates) synchronously: the stores at `path` at once. */
export function openSqliteStores(path: string): SqliteStores {
  const db = openDatabase(path);
  let checkpointer: WalCheckpointer | undefined;
  return {
    engine: 'sqlite',
    incidents: new SqliteIncidentStore(db),
    checklists: new SqliteChecklistStore(db),
    followUps: new SqliteFollowUpStore(db),
    publications: new SqlitePublicationStore(db),
    alerts: new SqliteAlertStore(db),
    outbox: new SqliteOutboxStore(db),
    integrations: new SqliteIntegrationStore(db),
    sessions: new SqliteSessionStore(db),
    nonces: new SqliteDialogNonces(db),
    settings: new SqliteSettings(db),
    leases: new SqliteLeases(db),
    topics: (platform) => new SqliteTopicMemory(db, platform),
    proveWritable: (now) => Promise.resolve(proveWritable(db, now)),
    checkpointInWorker(logger) {
      checkpointer ??= WalCheckpointer.attach(db, logger);
    },
    async close() {
      await checkpointer?.stop();
      db.$client.close();
    },
  };
}
