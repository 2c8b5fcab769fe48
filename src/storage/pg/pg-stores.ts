/**
 * The PostgreSQL side of openStores (../open-database.ts), in its own module so that node-postgres and drizzle's
 * PostgreSQL driver are loaded only when DATABASE_URL asks for them.
 */
import type { Stores } from '../open-database.ts';
import { PgSettings } from '../settings.ts';
import { PgTopicMemory } from '../topic-memory.ts';
import { PgAlertStore } from './pg-alert-store.ts';
import { openPgDatabase } from './pg-database.ts';
import { PgChecklistStore, PgFollowUpStore } from './pg-follow-up-stores.ts';
import { PgIncidentStore } from './pg-incident-store.ts';
import { PgIntegrationStore } from './pg-integration-store.ts';
import { PgOutboxStore } from './pg-outbox-store.ts';
import { PgPublicationStore } from './pg-publication-store.ts';
import { PgLeases } from './pg-leases.ts';
import { PgDialogNonces, PgSessionStore } from './pg-small-stores.ts';

/** Opens the pool and applies migrations-pg/ under the advisory lock (a bad URL is a DatabaseUrlError), then the stores. */
export async function openPgStores(url: string, poolSize: number): Promise<Stores> {
  const { pool, close } = await openPgDatabase(url, { max: poolSize });
  return {
    engine: 'postgres',
    incidents: new PgIncidentStore(pool),
    checklists: new PgChecklistStore(pool),
    followUps: new PgFollowUpStore(pool),
    publications: new PgPublicationStore(pool),
    alerts: new PgAlertStore(pool),
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
