/**
 * The scheduler's store work on SQLite and on PostgreSQL side by side, at 100,000 incidents: the due-reminder query
 * a tick runs, and a reminder claim (IncidentStore.mutate re-reading the row and inserting the reminders_sent key).
 * Both engines get the same rows (generated in SQL), and their samples are taken in interleaved rounds so a busy
 * machine weighs on both alike. PostgreSQL is the throwaway cluster the tests use (test/support/pg-cluster.ts).
 */
import { join } from 'node:path';
import pg from 'pg';
import { claimDueReminder } from '../src/incidents/reminders.ts';
import { openStores, type Stores } from '../src/storage/open-database.ts';
import { startPgCluster } from '../test/support/pg-cluster.ts';
import { removeTempDir, tempDir } from './processes.ts';
import { ms, type Row, summarize, type Summary } from './stats.ts';

const NOW = Date.UTC(2025, 2, 14, 14, 0, 0);
const DAY = 86_400_000;

export interface ClaimOptions {
  total: number;
  open: number;
  /** Claims per engine (each a different open incident). */
  claims: number;
  /** dueReminders calls per engine. */
  queries: number;
}

interface EngineResult {
  due: Summary;
  claim: Summary;
}

/** The same incidents on either engine: `open` active ones (the highest numbers) with a reminder a day ahead, the rest closed. */
function populateSql(engine: 'sqlite' | 'postgres', o: ClaimOptions): string {
  const series =
    engine === 'postgres'
      ? `SELECT g::bigint AS n FROM generate_series(1, ${o.total}) AS g`
      : `WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${o.total}) SELECT n FROM s`;
  const open = `n > ${o.total - o.open}`;
  const falsy = engine === 'postgres' ? 'false' : '0';
  return `INSERT INTO incidents (title, severity, phase, is_private, is_drill, platform, declared_at, declared_by, cadence_seconds,
      next_update_due, reminder_at, reminder_stage, closed_at)
    SELECT 'Incident ' || n, 'sev2', CASE WHEN ${open} THEN 'active' ELSE 'closed' END, ${falsy}, ${falsy}, 'slack', ${NOW - 400 * DAY} + n * 300000, 'alice', 3600,
      CASE WHEN ${open} THEN ${NOW + DAY} END, CASE WHEN ${open} THEN ${NOW + DAY} END, CASE WHEN ${open} THEN 'nag' END,
      CASE WHEN ${open} THEN NULL ELSE ${NOW - DAY} - n * 1000 END
    FROM (${series}) AS series`;
}

export async function measureStoreClaims(o: ClaimOptions): Promise<{ sqlite: EngineResult; postgres: EngineResult; clusterStartMs: number }> {
  const dir = tempDir('sitroom-bench-claims-');
  const cluster = await startPgCluster();
  const engines: Record<'sqlite' | 'postgres', Stores | undefined> = { sqlite: undefined, postgres: undefined };
  try {
    const admin = new pg.Client(cluster.url);
    await admin.connect();
    await admin.query('CREATE DATABASE bench');
    await admin.end();
    const url = new URL(cluster.url);
    url.pathname = '/bench';
    engines.sqlite = await openStores({ databasePath: join(dir, 'bench.db'), databaseUrl: undefined });
    engines.postgres = await openStores({ databaseUrl: url.toString(), databasePath: '' }, { poolSize: 4 });
    const sqlite = new (await import('better-sqlite3')).default(join(dir, 'bench.db'));
    sqlite.exec(populateSql('sqlite', o));
    sqlite.exec('ANALYZE');
    sqlite.close();
    const client = new pg.Client(url.toString());
    await client.connect();
    try {
      await client.query(populateSql('postgres', o));
      await client.query('ANALYZE');
    } finally {
      await client.end();
    }

    const samples = { sqlite: { due: [] as number[], claim: [] as number[] }, postgres: { due: [] as number[], claim: [] as number[] } };
    const firstOpen = o.total - o.open + 1;
    const rounds = 10;
    for (let round = 0; round < rounds; round += 1) {
      for (const name of ['sqlite', 'postgres'] as const) {
        const s = engines[name]!;
        for (let i = 0; i < o.queries / rounds; i += 1) {
          const t = performance.now();
          await s.incidents.dueReminders(NOW, 50, ['slack']);
          samples[name].due.push(performance.now() - t);
        }
        for (let i = 0; i < o.claims / rounds; i += 1) {
          const number = firstOpen + round * (o.claims / rounds) + i;
          const t = performance.now();
          const claimed = await s.incidents.mutate(number, (current) => claimDueReminder(current, NOW + 2 * DAY) ?? null);
          samples[name].claim.push(performance.now() - t);
          if (!claimed) throw new Error(`${name}: incident ${number} was not claimed`);
        }
      }
    }
    return {
      sqlite: { due: summarize(samples.sqlite.due), claim: summarize(samples.sqlite.claim) },
      postgres: { due: summarize(samples.postgres.due), claim: summarize(samples.postgres.claim) },
      clusterStartMs: cluster.startMs,
    };
  } finally {
    for (const s of Object.values(engines)) await s?.close();
    await cluster.stop();
    removeTempDir(dir);
  }
}

export function claimRows(r: Awaited<ReturnType<typeof measureStoreClaims>>, o: ClaimOptions): Row[] {
  const s = `store claims, ${o.total / 1000}k incidents (${o.open} open)`;
  const p = (x: Summary) => `${ms(x.p50)} / ${ms(x.p90)} / ${ms(x.p99)}`;
  return [
    { section: s, metric: `due-reminder query, nothing due, p50 / p90 / p99, SQLite (${r.sqlite.due.n})`, value: p(r.sqlite.due), target: 'side by side' },
    { section: s, metric: `due-reminder query, nothing due, p50 / p90 / p99, PostgreSQL (${r.postgres.due.n})`, value: p(r.postgres.due), target: 'side by side' },
    { section: s, metric: `reminder claim (mutate) p50 / p90 / p99, SQLite (${r.sqlite.claim.n})`, value: p(r.sqlite.claim), target: 'side by side' },
    { section: s, metric: `reminder claim (mutate) p50 / p90 / p99, PostgreSQL (${r.postgres.claim.n})`, value: p(r.postgres.claim), target: 'side by side' },
    { section: s, metric: 'test PostgreSQL cluster: initdb + start', value: ms(r.clusterStartMs), target: 'seconds' },
  ];
}
