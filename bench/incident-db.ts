/**
 * A large, realistic incident history for the benchmarks that need one (scheduler tick, /metrics, the web board
 * and API): the schema comes from the real migrations (openDatabase), the rows from raw prepared statements in
 * one transaction, so 100,000 incidents load in seconds. Deterministic: the same options build the same rows.
 */
import { DEFAULT_CADENCE } from '../src/incidents/cadence.ts';
import { type Db, openDatabase } from '../src/storage/database.ts';

export const DAY = 86_400_000;

export interface IncidentDbOptions {
  /** Incidents in all; the last `open` of them (the highest numbers) are open, the rest closed. */
  total: number;
  open: number;
  /** "Now" for the rows: open incidents were declared in the 3 days before it, closed ones closed before it. */
  now: number;
  /** Closed incidents' closed_at is spread evenly over this many days before `now` (default: 5 years). */
  closedOverDays?: number;
  /**
   * The first `due` active incidents get a reminder a day after `now` instead of a random one, so that the caller
   * can make them due at will (numbers returned as dueNumbers); default 0.
   */
  due?: number;
  /** `update_posted` events per open incident, after its `declared` event (default 1; closed ones get 1). */
  openUpdates?: number;
  /** Gather planner statistics (ANALYZE) afterwards (default true). sitroom itself never runs ANALYZE. */
  analyze?: boolean;
}

export interface IncidentDbFacts {
  total: number;
  open: number;
  closed: number;
  /** Closed in the 14 days before `now` (the board's closed column looks that far back). */
  closedLast14Days: number;
  withReminder: number;
  timelineEvents: number;
  /** The most recently declared active incident. */
  latestActive: number;
  bytes: number;
}

export interface PopulatedDb {
  /** The incidents given a reminder a day ahead (see IncidentDbOptions.due). */
  dueNumbers: number[];
  loadMs: number;
  facts: IncidentDbFacts;
}

/** Deterministic pseudo-random numbers, so every run builds the same database. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Fills `db` (already migrated: openDatabase) in one transaction: `total - open` closed incidents (reminders cleared,
 * as the rules leave them) and `open` open ones (active, active, mitigated, resolved in turn), most with a cadence
 * and a reminder in the future; every incident has a commander (a third also comms), war room and card.
 */
export function populateIncidents(db: Db, opts: IncidentDbOptions): PopulatedDb {
  const started = performance.now();
  const client = db.$client;
  const random = rng(42);
  const now = opts.now;
  const insertIncident = client.prepare(
    `INSERT INTO incidents (title, severity, phase, is_private, platform, declared_at, declared_by, cadence_seconds, next_update_due,
       reminder_at, reminder_stage, last_update_text, last_update_at, last_update_by, channel_id, channel_name, card_message_id,
       mitigated_at, resolved_at, closed_at)
     VALUES (@title, @severity, @phase, 0, 'slack', @declaredAt, @by, @cadence, @due, @reminderAt, @stage, @updateText, @updateAt, @by,
       @channelId, @channelName, @card, @mitigatedAt, @resolvedAt, @closedAt)`,
  );
  const insertRole = client.prepare('INSERT INTO role_assignments (incident_number, role, user_id, assigned_at) VALUES (?, ?, ?, ?)');
  const insertEvent = client.prepare('INSERT INTO timeline_events (incident_number, at, actor, kind, text, data) VALUES (?, ?, ?, ?, ?, ?)');
  const severities = ['sev1', 'sev2', 'sev3', 'sev4', 'sev5'] as const;
  const dueNumbers: number[] = [];
  const closedCount = opts.total - opts.open;
  const closedSpan = (opts.closedOverDays ?? 5 * 365) * DAY;
  const due = opts.due ?? 0;
  const openUpdates = opts.openUpdates ?? 1;

  client.transaction(() => {
    for (let i = 0; i < opts.total; i++) {
      const isOpen = i >= closedCount;
      const severity = severities[Math.floor(random() * severities.length)] ?? 'sev3';
      // Closed: closed_at evenly spread over closedSpan (oldest first), declared two days before it.
      const closedAt = isOpen ? null : now - Math.floor((closedSpan * (closedCount - i)) / closedCount);
      const declaredAt = closedAt === null ? now - Math.floor(random() * 3 * DAY) : closedAt - 2 * DAY;
      const phase = isOpen ? ((['active', 'active', 'mitigated', 'resolved'] as const)[i % 4] ?? 'active') : 'closed';
      const cadence = DEFAULT_CADENCE[severity] ?? (isOpen ? 3600 : null);
      const needsUpdates = phase === 'active' || phase === 'mitigated';
      const makeDue = isOpen && phase === 'active' && dueNumbers.length < due;
      const dueAt = needsUpdates && cadence !== null ? (makeDue ? now + DAY : now + 60_000 + Math.floor(random() * cadence * 1000)) : null;
      const user = `U${1000 + (i % 300)}`;
      const updates = isOpen ? openUpdates : 1;
      const row = insertIncident.run({
        title: `Incident ${i + 1}: something broke in service-${i % 97}`,
        severity,
        phase,
        declaredAt,
        by: user,
        cadence,
        due: dueAt,
        reminderAt: dueAt,
        stage: dueAt === null ? null : 'nag',
        updateText: 'Investigating; next update soon.',
        updateAt: declaredAt + updates * 600_000,
        channelId: `C${(100000 + i).toString(36).toUpperCase()}`,
        channelName: `inc-${i + 1}-something-broke`,
        card: `${1700000000 + i}.000100`,
        mitigatedAt: phase === 'active' ? null : declaredAt + 3_600_000,
        resolvedAt: phase === 'closed' || phase === 'resolved' ? declaredAt + 7_200_000 : null,
        closedAt,
      });
      const number = Number(row.lastInsertRowid);
      if (makeDue) dueNumbers.push(number);
      insertRole.run(number, 'commander', user, declaredAt);
      if (i % 3 === 0) insertRole.run(number, 'comms', `U${2000 + (i % 50)}`, declaredAt);
      insertEvent.run(number, declaredAt, user, 'declared', 'Incident declared', '{}');
      for (let u = 1; u <= updates; u++) {
        insertEvent.run(number, declaredAt + u * 600_000, user, 'update_posted', u === 1 ? 'Investigating' : `Update ${u}: still on it, next update soon.`, '{}');
      }
    }
  })();
  client.pragma('wal_checkpoint(TRUNCATE)');
  if (opts.analyze ?? true) client.exec('ANALYZE');
  const loadMs = performance.now() - started;
  return { dueNumbers, loadMs, facts: incidentDbFacts(db, now) };
}

/** What the database holds, for the report. */
export function incidentDbFacts(db: Db, now: number): IncidentDbFacts {
  const client = db.$client;
  const count = (sql: string, ...params: unknown[]) => (client.prepare(sql).pluck().get(...params) as number | null) ?? 0;
  return {
    total: count('SELECT count(*) FROM incidents'),
    open: count(`SELECT count(*) FROM incidents WHERE phase != 'closed'`),
    closed: count(`SELECT count(*) FROM incidents WHERE phase = 'closed'`),
    closedLast14Days: count('SELECT count(*) FROM incidents WHERE closed_at >= ?', now - 14 * DAY),
    withReminder: count('SELECT count(*) FROM incidents WHERE reminder_at IS NOT NULL'),
    timelineEvents: count('SELECT count(*) FROM timeline_events'),
    latestActive: count(`SELECT max(number) FROM incidents WHERE phase = 'active'`),
    bytes: count('SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()'),
  };
}

/** Creates the database file at `path` through the real migrations, fills it, and closes it (for a sitroom process to open). */
export function createIncidentDb(path: string, opts: IncidentDbOptions): PopulatedDb {
  const db = openDatabase(path);
  try {
    return populateIncidents(db, opts);
  } finally {
    db.$client.close();
  }
}

/** "100000 incidents (1000 open, …), 52 MB, built in 3.1 s" */
export function describeIncidentDb(p: PopulatedDb): string {
  const f = p.facts;
  return `${f.total} incidents (${f.open} open, ${f.closed} closed, ${f.closedLast14Days} of them in the last 14 days), ${f.timelineEvents} timeline events, ${(f.bytes / 1024 / 1024).toFixed(0)} MB, built in ${(p.loadMs / 1000).toFixed(1)} s`;
}
