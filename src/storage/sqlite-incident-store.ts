/** IncidentStore on SQLite. Rows become domain objects here and nowhere else. */
import { and, asc, desc, eq, gte, inArray, isNotNull, lt, lte, sql } from 'drizzle-orm';
import type { Cadence } from '../incidents/cadence.ts';
import type { Incident, Platform, ReminderStage } from '../incidents/incident.ts';
import type { QueuedEffect } from '../incidents/effects.ts';
import type { Change } from '../incidents/incident-rules.ts';
import { OPEN_PHASES, type Phase } from '../incidents/phases.ts';
import { OVERDUE_PHASES } from '../incidents/overdue.ts';
import type { IncidentStore } from '../incidents/ports.ts';
import type { Severity } from '../incidents/severity.ts';
import type { TimelineEvent, TimelineKind } from '../incidents/timeline.ts';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.ts';
import { incidents, roleAssignments, timelineEvents } from './schema.ts';
import { writeOutbox } from './sqlite-outbox-store.ts';

type IncidentRow = typeof incidents.$inferSelect;
type RoleRow = typeof roleAssignments.$inferSelect;

/** Thrown inside a transaction to roll it back when a reminder was already claimed elsewhere. */
class AlreadyClaimed extends Error {}

function toIncident(row: IncidentRow, roleRows: readonly RoleRow[]): Incident {
  return {
    number: row.number,
    title: row.title,
    severity: row.severity as Severity,
    phase: row.phase as Phase,
    isPrivate: row.isPrivate,
    type: row.type,
    drill: row.isDrill,
    platform: row.platform as Platform,
    declaredAt: row.declaredAt,
    declaredBy: row.declaredBy,
    roles: Object.fromEntries(roleRows.map((r) => [r.role, r.userId])),
    cadence: row.cadenceSeconds as Cadence,
    nextUpdateDue: row.nextUpdateDue,
    reminderAt: row.reminderAt,
    reminderStage: row.reminderStage as ReminderStage | null,
    lastUpdate:
      row.lastUpdateText !== null && row.lastUpdateAt !== null
        ? { text: row.lastUpdateText, at: row.lastUpdateAt, by: row.lastUpdateBy ?? '' }
        : null,
    room: row.channelId ? { channelId: row.channelId, channelName: row.channelName ?? '', cardMessageId: row.cardMessageId } : null,
    roomAttemptAt: row.roomAttemptAt,
    mitigatedAt: row.mitigatedAt,
    resolvedAt: row.resolvedAt,
    closedAt: row.closedAt,
  };
}

function toRow(i: Incident): Omit<IncidentRow, 'number'> {
  return {
    title: i.title,
    severity: i.severity,
    phase: i.phase,
    isPrivate: i.isPrivate,
    type: i.type,
    isDrill: i.drill,
    platform: i.platform,
    declaredAt: i.declaredAt,
    declaredBy: i.declaredBy,
    cadenceSeconds: i.cadence,
    nextUpdateDue: i.nextUpdateDue,
    reminderAt: i.reminderAt,
    reminderStage: i.reminderStage,
    lastUpdateText: i.lastUpdate?.text ?? null,
    lastUpdateAt: i.lastUpdate?.at ?? null,
    lastUpdateBy: i.lastUpdate?.by ?? null,
    channelId: i.room?.channelId ?? null,
    channelName: i.room?.channelName ?? null,
    cardMessageId: i.room?.cardMessageId ?? null,
    roomAttemptAt: i.roomAttemptAt,
    mitigatedAt: i.mitigatedAt,
    resolvedAt: i.resolvedAt,
    closedAt: i.closedAt,
  };
}

const toEvent = (row: typeof timelineEvents.$inferSelect): TimelineEvent => ({
  at: row.at,
  actor: row.actor,
  kind: row.kind as TimelineKind,
  text: row.text,
  data: row.data as TimelineEvent['data'],
});

export class SqliteIncidentStore implements IncidentStore {
  private readonly db: Db;
  private readonly byNumber;
  private readonly rolesOf;
  private readonly due;
  private readonly counts: { open: Statement; overdue: Statement };
  /** Writes committed through this store, for version(). */
  private writes = 0;
  private readonly write: {
    update: Statement;
    event: Statement;
    role: Statement;
    reminder: Statement;
  };

  constructor(db: Db) {
    this.db = db;
    // Hot paths are prepared once: the query builder costs ~100 µs a call, a prepared statement a few.
    this.byNumber = db.select().from(incidents).where(eq(incidents.number, sql.placeholder('n'))).prepare();
    this.rolesOf = db.select().from(roleAssignments).where(eq(roleAssignments.incidentNumber, sql.placeholder('n'))).prepare();
    this.due = db
      .select()
      .from(incidents)
      .where(and(isNotNull(incidents.reminderAt), lte(incidents.reminderAt, sql.placeholder('now'))))
      .orderBy(asc(incidents.reminderAt))
      .prepare();
    const c = db.$client;
    // /metrics runs these on every scrape: both only visit open incidents (the phase index), never the closed history.
    // Drills are practice: they are left out of the gauges, so a drill never pages anyone through an alert rule.
    this.counts = {
      open: c.prepare("SELECT severity, phase, COUNT(*) AS count FROM incidents WHERE phase IN ('active', 'mitigated', 'resolved') AND is_drill = 0 GROUP BY severity, phase"),
      // The SQL form of isUpdateOverdue (src/incidents/overdue.ts), built from the same phases.
      overdue: c.prepare(`SELECT COUNT(*) AS n FROM incidents WHERE phase IN (${OVERDUE_PHASES.map((p) => `'${p}'`).join(', ')}) AND next_update_due < ? AND is_drill = 0`),
    };
    // Every change writes through these (reminders too), so they are plain prepared statements.
    this.write = {
      update: c.prepare(`UPDATE incidents SET title = @title, severity = @severity, phase = @phase, is_private = @isPrivate, type = @type, is_drill = @isDrill,
        platform = @platform, declared_at = @declaredAt, declared_by = @declaredBy, cadence_seconds = @cadenceSeconds,
        next_update_due = @nextUpdateDue, reminder_at = @reminderAt, reminder_stage = @reminderStage,
        last_update_text = @lastUpdateText, last_update_at = @lastUpdateAt, last_update_by = @lastUpdateBy,
        channel_id = @channelId, channel_name = @channelName, card_message_id = @cardMessageId, room_attempt_at = @roomAttemptAt,
        mitigated_at = @mitigatedAt, resolved_at = @resolvedAt, closed_at = @closedAt WHERE number = @number`),
      event: c.prepare('INSERT INTO timeline_events (incident_number, at, actor, kind, text, data) VALUES (?, ?, ?, ?, ?, ?)'),
      role: c.prepare(`INSERT INTO role_assignments (incident_number, role, user_id, assigned_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (incident_number, role) DO UPDATE SET user_id = excluded.user_id, assigned_at = excluded.assigned_at`),
      reminder: c.prepare('INSERT OR IGNORE INTO reminders_sent (incident_number, due_at, stage, sent_at) VALUES (?, ?, ?, ?)'),
    };
  }

  async create(draft: Incident, events: readonly TimelineEvent[], effects?: (incident: Incident) => readonly QueuedEffect[]): Promise<Incident> {
    return this.db.$client
      .transaction(() => {
        const row = this.db.insert(incidents).values(toRow(draft)).returning().get();
        const incident = { ...draft, number: row.number };
        this.writeRoles(incident, {}, incident.declaredAt);
        this.writeEvents(incident.number, events);
        writeOutbox(this.db.$client, effects?.(incident) ?? []);
        this.writes += 1;
        return incident;
      })
      .immediate();
  }

  async get(number: number): Promise<Incident | undefined> {
    return this.getNow(number);
  }

  // The synchronous read, for use inside this store's transactions (better-sqlite3 runs them synchronously).
  private getNow(number: number): Incident | undefined {
    const row = this.byNumber.get({ n: number });
    return row ? toIncident(row, this.rolesOf.all({ n: number })) : undefined;
  }

  async findByRoom(platform: Platform, channelId: string): Promise<Incident | undefined> {
    const row = this.db
      .select()
      .from(incidents)
      .where(and(eq(incidents.platform, platform), eq(incidents.channelId, channelId)))
      .get();
    return row ? toIncident(row, this.rolesOf.all({ n: row.number })) : undefined;
  }

  async mutate(number: number, rule: (current: Incident) => Change | null): Promise<Change | null> {
    try {
      return this.db.$client
        .transaction(() => {
          const current = this.getNow(number);
          if (!current) return null;
          const change = rule(current);
          if (!change) return null;
          const row = toRow(change.incident);
          this.write.update.run({ ...row, isPrivate: row.isPrivate ? 1 : 0, isDrill: row.isDrill ? 1 : 0, number });
          this.writeRoles(change.incident, current.roles, change.events[0]?.at ?? current.declaredAt);
          this.writeEvents(number, change.events);
          if (change.reminderClaim) this.claimReminder(number, change.reminderClaim);
          writeOutbox(this.db.$client, change.effects ?? []);
          this.writes += 1;
          return change;
        })
        .immediate();
    } catch (e) {
      if (e instanceof AlreadyClaimed) return null;
      throw e;
    }
  }

  async listOpen(): Promise<Incident[]> {
    const rows = this.db
      .select()
      .from(incidents)
      .where(inArray(incidents.phase, [...OPEN_PHASES]))
      .orderBy(asc(incidents.number))
      .all();
    return this.withRoles(rows);
  }

  async timeline(number: number): Promise<TimelineEvent[]> {
    return this.db
      .select()
      .from(timelineEvents)
      .where(eq(timelineEvents.incidentNumber, number))
      .orderBy(asc(timelineEvents.id))
      .all()
      .map(toEvent);
  }

  async countOpen(): Promise<{ severity: Severity; phase: Phase; count: number }[]> {
    return this.counts.open.all() as { severity: Severity; phase: Phase; count: number }[];
  }

  async countOverdue(now: number): Promise<number> {
    return (this.counts.overdue.get(now) as { n: number }).n;
  }

  async closedSince(since: number, limit: number): Promise<Incident[]> {
    const rows = this.db.select().from(incidents).where(gte(incidents.closedAt, since)).orderBy(desc(incidents.closedAt)).limit(limit).all();
    return this.withRoles(rows);
  }

  async page(query: { phase?: Phase; severity?: Severity; before?: number; limit: number }): Promise<Incident[]> {
    const where = and(
      query.phase ? eq(incidents.phase, query.phase) : undefined,
      query.severity ? eq(incidents.severity, query.severity) : undefined,
      query.before !== undefined ? lt(incidents.number, query.before) : undefined,
    );
    return this.withRoles(this.db.select().from(incidents).where(where).orderBy(desc(incidents.number)).limit(query.limit).all());
  }

  async declaredSince(since: number): Promise<Incident[]> {
    return this.withRoles(this.db.select().from(incidents).where(gte(incidents.declaredAt, since)).orderBy(asc(incidents.number)).all());
  }

  async dueReminders(now: number, limit: number, platforms: readonly Platform[]): Promise<Incident[]> {
    // Few incidents are ever due at once (the index makes this a short range scan), so the platform filter
    // runs here rather than as a bound IN list that would keep SQLite from using the index.
    const due = this.due.all({ now }).filter((row) => platforms.includes(row.platform as Platform));
    return this.withRoles(due.slice(0, limit));
  }

  async version(): Promise<string> {
    // data_version moves when another connection commits; the counter when this one does.
    return `${this.writes}:${String(this.db.$client.pragma('data_version', { simple: true }))}`;
  }

  private withRoles(rows: readonly IncidentRow[]): Incident[] {
    if (rows.length === 0) return [];
    const roles = this.db
      .select()
      .from(roleAssignments)
      .where(inArray(roleAssignments.incidentNumber, rows.map((r) => r.number)))
      .all();
    const byIncident = new Map<number, RoleRow[]>();
    for (const role of roles) byIncident.set(role.incidentNumber, [...(byIncident.get(role.incidentNumber) ?? []), role]);
    return rows.map((r) => toIncident(r, byIncident.get(r.number) ?? []));
  }

  private writeRoles(incident: Incident, before: Incident['roles'], at: number): void {
    for (const [role, userId] of Object.entries(incident.roles)) {
      if (before[role] !== userId) this.write.role.run(incident.number, role, userId, at);
    }
  }

  private writeEvents(number: number, events: readonly TimelineEvent[]): void {
    for (const e of events) this.write.event.run(number, e.at, e.actor, e.kind, e.text, JSON.stringify(e.data));
  }

  /** The reminders_sent key makes "one reminder per lapse" hold even against a stale read elsewhere. */
  private claimReminder(number: number, claim: NonNullable<Change['reminderClaim']>): void {
    if (this.write.reminder.run(number, claim.dueAt, claim.stage, claim.at).changes === 0) throw new AlreadyClaimed();
  }
}
