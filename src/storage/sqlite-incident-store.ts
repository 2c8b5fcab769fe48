/** IncidentStore on SQLite. Rows become domain objects here and nowhere else. */
import { and, asc, desc, eq, gte, lt } from 'drizzle-orm';
import type { Cadence } from '../incidents/cadence.ts';
import type { Incident, Platform, ReminderStage } from '../incidents/incident.ts';
import type { QueuedEffect } from '../incidents/effects.ts';
import type { Change } from '../incidents/incident-rules.ts';
import { OPEN_PHASES, type Phase } from '../incidents/phases.ts';
import { OVERDUE_PHASES } from '../incidents/overdue.ts';
import { inTimeOrder } from '../incidents/captured-messages.ts';
import type { AlertDeclaration, CapturedMessageStore, IncidentStore, OpenOverview } from '../incidents/ports.ts';
import type { Severity } from '../incidents/severity.ts';
import type { TimelineEvent, TimelineKind } from '../incidents/timeline.ts';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.ts';
import { incidents, roleAssignments, timelineEvents } from './schema.ts';
import { rawRows } from './raw-rows.ts';
import { writeOutbox } from './sqlite-outbox-store.ts';

export type IncidentRow = typeof incidents.$inferSelect;
export type RoleRow = typeof roleAssignments.$inferSelect;

const INCIDENT = rawRows(incidents);
const ROLE = rawRows(roleAssignments);
/** The open phases as an SQL list: literals, so SQLite can use the phase index (a bound IN list it cannot). */
const OPEN_SQL = OPEN_PHASES.map((p) => `'${p}'`).join(', ');

export function toIncident(row: IncidentRow, roleRows: readonly RoleRow[]): Incident {
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
    mitigatedAt: row.mitigatedAt,
    resolvedAt: row.resolvedAt,
    closedAt: row.closedAt,
  };
}

export function toRow(i: Incident): Omit<IncidentRow, 'number'> {
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

export class SqliteIncidentStore implements IncidentStore, CapturedMessageStore {
  private readonly db: Db;
  /** Prepared plain statements on the paths every command and tick takes (see raw-rows.ts). */
  private readonly read: {
    byNumber: Statement;
    rolesOf: Statement;
    rolesOfMany: Statement;
    byRoom: Statement;
    open: Statement;
    openRoles: Statement;
    openCounts: Statement;
    newestIn: Statement;
    insert: Statement;
    due: Statement;
  };
  private readonly counts: { open: Statement; overdue: Statement };
  /** Writes committed through this store, for version(). */
  private writes = 0;
  /**
   * UPDATE statements by the columns they set: a change writes only the columns it changed. Rewriting the whole row
   * also rewrote an entry in each of the five incident indexes (a page of the WAL each) for nothing.
   */
  private readonly updates = new Map<string, Statement>();
  private readonly write: {
    event: Statement;
    role: Statement;
    reminder: Statement;
    captured: Statement;
  };

  constructor(db: Db) {
    this.db = db;
    // Hot paths are prepared once: the query builder costs ~100 µs a call, a prepared statement a few.
    const c = db.$client;
    this.read = {
      byNumber: c.prepare(`SELECT ${INCIDENT.columns} FROM incidents WHERE number = ?`),
      rolesOf: c.prepare(`SELECT ${ROLE.columns} FROM role_assignments WHERE incident_number = ?`),
      rolesOfMany: c.prepare(`SELECT ${ROLE.columns} FROM role_assignments WHERE incident_number IN (SELECT value FROM json_each(?))`),
      byRoom: c.prepare(`SELECT ${INCIDENT.columns} FROM incidents WHERE platform = ? AND channel_id = ?`),
      open: c.prepare(`SELECT ${INCIDENT.columns} FROM incidents WHERE phase IN (${OPEN_SQL}) ORDER BY number`),
      openRoles: c.prepare(`SELECT ${ROLE.columns} FROM role_assignments WHERE incident_number IN (SELECT number FROM incidents WHERE phase IN (${OPEN_SQL}))`),
      openCounts: c.prepare(`SELECT phase, COUNT(*) AS n FROM incidents WHERE phase IN (${OPEN_SQL}) GROUP BY phase`),
      // The phase index holds the rowid (number), so this walks the index backwards and stops after `limit`.
      newestIn: c.prepare(`SELECT ${INCIDENT.columns} FROM incidents WHERE phase = ? ORDER BY number DESC LIMIT ?`),
      insert: c.prepare(`${INCIDENT.insert(['number'])} RETURNING number`),
      due: c.prepare(`SELECT ${INCIDENT.columns} FROM incidents WHERE reminder_at IS NOT NULL AND reminder_at <= ? ORDER BY reminder_at`),
    };
    // /metrics runs these on every scrape: both only visit open incidents (the phase index), never the closed history.
    // Drills are practice: they are left out of the gauges, so a drill never pages anyone through an alert rule.
    this.counts = {
      open: c.prepare("SELECT severity, phase, COUNT(*) AS count FROM incidents WHERE phase IN ('active', 'mitigated', 'resolved') AND is_drill = 0 GROUP BY severity, phase"),
      // The SQL form of isUpdateOverdue (src/incidents/overdue.ts), built from the same phases.
      overdue: c.prepare(`SELECT COUNT(*) AS n FROM incidents WHERE phase IN (${OVERDUE_PHASES.map((p) => `'${p}'`).join(', ')}) AND next_update_due < ? AND is_drill = 0`),
    };
    // Every change writes through these (reminders too), so they are plain prepared statements.
    this.write = {
      event: c.prepare('INSERT INTO timeline_events (incident_number, at, actor, kind, text, data) VALUES (?, ?, ?, ?, ?, ?)'),
      role: c.prepare(`INSERT INTO role_assignments (incident_number, role, user_id, assigned_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (incident_number, role) DO UPDATE SET user_id = excluded.user_id, assigned_at = excluded.assigned_at`),
      reminder: c.prepare('INSERT OR IGNORE INTO reminders_sent (incident_number, due_at, stage, sent_at) VALUES (?, ?, ?, ?)'),
      // The unique source_key makes a second capture of the same message a no-op, whichever replica hears it.
      captured: c.prepare(`INSERT INTO timeline_events (incident_number, at, actor, kind, text, data, source_key) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (source_key) DO NOTHING`),
    };
  }

  async create(draft: Incident, events: readonly TimelineEvent[], effects?: (incident: Incident) => readonly QueuedEffect[]): Promise<Incident> {
    return this.db.$client.transaction(() => this.insert(draft, events, effects)).immediate();
  }

  /** IMMEDIATE: the write lock is taken before the group is read, so a second process waits and then finds it linked. */
  async createForAlertGroup(
    groupId: number,
    draft: Incident,
    events: readonly TimelineEvent[],
    effects?: (incident: Incident) => readonly QueuedEffect[],
  ): Promise<AlertDeclaration | undefined> {
    return this.db.$client
      .transaction((): AlertDeclaration | undefined => {
        const c = this.db.$client;
        const group = c.prepare('SELECT incident_number AS n FROM alert_groups WHERE id = ?').get(groupId) as { n: number | null } | undefined;
        if (!group) return undefined;
        if (group.n !== null) return { alreadyLinked: group.n };
        const incident = this.insert(draft, events, effects);
        c.prepare('UPDATE alert_groups SET incident_number = ?, version = version + 1, updated_at = ? WHERE id = ?').run(incident.number, incident.declaredAt, groupId);
        return { incident };
      })
      .immediate();
  }

  private insert(draft: Incident, events: readonly TimelineEvent[], effects?: (incident: Incident) => readonly QueuedEffect[]): Incident {
    const { number } = this.read.insert.get(INCIDENT.bind(toRow(draft))) as { number: number };
    const incident = { ...draft, number };
    this.writeRoles(incident, {}, incident.declaredAt);
    this.writeEvents(incident.number, events);
    writeOutbox(this.db.$client, effects?.(incident) ?? []);
    this.writes += 1;
    return incident;
  }

  async get(number: number): Promise<Incident | undefined> {
    return this.getNow(number);
  }

  // The synchronous read, for use inside this store's transactions (better-sqlite3 runs them synchronously).
  private getNow(number: number): Incident | undefined {
    return this.withOwnRoles(this.read.byNumber.get(number));
  }

  async findByRoom(platform: Platform, channelId: string): Promise<Incident | undefined> {
    return this.withOwnRoles(this.read.byRoom.get(platform, channelId));
  }

  async mutate(number: number, rule: (current: Incident) => Change | null): Promise<Change | null> {
    return this.db.$client
      .transaction(() => {
        const current = this.getNow(number);
        if (!current) return null;
        const change = rule(current);
        if (!change || !this.save(current, change)) return null;
        this.writes += 1;
        return change;
      })
      .immediate();
  }

  async mutateDue(now: number, limit: number, platforms: readonly Platform[], rule: (current: Incident) => Change | null): Promise<Change[]> {
    // One transaction for the whole tick (a commit per due incident was most of its cost), and the due rows read
    // inside it are the current ones: no second read of each incident.
    return this.db.$client
      .transaction(() => {
        const changes: Change[] = [];
        const due = this.read.due.all(now).map((r) => INCIDENT.read(r)).filter((row) => platforms.includes(row.platform as Platform));
        // The roles of all of them in one query, not one per incident.
        for (const current of this.withRoles(due.slice(0, limit))) {
          const change = rule(current);
          if (change && this.save(current, change)) changes.push(change);
        }
        if (changes.length) this.writes += 1;
        return changes;
      })
      .immediate();
  }

  async listOpen(): Promise<Incident[]> {
    // Two reads in one transaction, so the roles belong to exactly the incidents read.
    return this.db.$client.transaction(() => {
      const rows = this.read.open.all().map((r) => INCIDENT.read(r));
      return this.byIncident(rows, this.read.openRoles.all().map((r) => ROLE.read(r)));
    })();
  }

  // Reading every open incident cost ~1 ms of CPU per hundred (row materialisation): a list shows 25 of each phase.
  async openOverview(perPhase: number): Promise<OpenOverview> {
    return this.db.$client.transaction(() => {
      const counts: OpenOverview['counts'] = {};
      for (const r of this.read.openCounts.all() as { phase: Phase; n: number }[]) counts[r.phase] = r.n;
      const newest = OPEN_PHASES.flatMap((phase) => (this.read.newestIn.all(phase, perPhase) as unknown[]).reverse().map((r) => INCIDENT.read(r)));
      return { counts, newest: this.withRoles(newest) };
    })();
  }

  async timeline(number: number): Promise<TimelineEvent[]> {
    const written = this.db.select().from(timelineEvents).where(eq(timelineEvents.incidentNumber, number)).orderBy(asc(timelineEvents.id)).all();
    return inTimeOrder(written.map(toEvent));
  }

  async addCapturedMessage(incidentNumber: number, entry: TimelineEvent, key: string): Promise<boolean> {
    const { changes } = this.write.captured.run(incidentNumber, entry.at, entry.actor, entry.kind, entry.text, JSON.stringify(entry.data), key);
    if (changes > 0) this.writes += 1;
    return changes > 0;
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
    const due = this.read.due.all(now).map((r) => INCIDENT.read(r)).filter((row) => platforms.includes(row.platform as Platform));
    return this.withRoles(due.slice(0, limit));
  }

  async version(): Promise<string> {
    // data_version moves when another connection commits; the counter when this one does.
    return `${this.writes}:${String(this.db.$client.pragma('data_version', { simple: true }))}`;
  }

  private withOwnRoles(raw: unknown): Incident | undefined {
    if (raw === undefined) return undefined;
    const row = INCIDENT.read(raw);
    return toIncident(row, this.read.rolesOf.all(row.number).map((r) => ROLE.read(r)));
  }

  private withRoles(rows: readonly IncidentRow[]): Incident[] {
    if (rows.length === 0) return [];
    // One prepared statement for any number of incidents (json_each), where the query builder's inArray cost ~1 ms.
    const roles = this.read.rolesOfMany.all(JSON.stringify(rows.map((r) => r.number))).map((r) => ROLE.read(r));
    return this.byIncident(rows, roles);
  }

  private byIncident(rows: readonly IncidentRow[], roles: readonly RoleRow[]): Incident[] {
    const byIncident = new Map<number, RoleRow[]>();
    for (const role of roles) {
      const list = byIncident.get(role.incidentNumber);
      if (list) list.push(role);
      else byIncident.set(role.incidentNumber, [role]);
    }
    return rows.map((r) => toIncident(r, byIncident.get(r.number) ?? []));
  }

  /** Writes the columns of `after` that differ from `before` (the row as read in this transaction). */
  private update(number: number, before: Omit<IncidentRow, 'number'>, after: Omit<IncidentRow, 'number'>): void {
    const changed = (Object.keys(after) as (keyof typeof after)[]).filter((key) => after[key] !== before[key]);
    if (changed.length === 0) return;
    const shape = changed.join(',');
    let statement = this.updates.get(shape);
    if (!statement) {
      statement = this.db.$client.prepare(INCIDENT.update(changed, 'number'));
      this.updates.set(shape, statement);
    }
    statement.run(INCIDENT.bind({ ...Object.fromEntries(changed.map((key) => [key, after[key]])), number }));
  }

  private writeRoles(incident: Incident, before: Incident['roles'], at: number): void {
    for (const [role, userId] of Object.entries(incident.roles)) {
      if (before[role] !== userId) this.write.role.run(incident.number, role, userId, at);
    }
  }

  private writeEvents(number: number, events: readonly TimelineEvent[]): void {
    for (const e of events) this.write.event.run(number, e.at, e.actor, e.kind, e.text, JSON.stringify(e.data));
  }

  /**
   * Writes `change` to `current` inside the caller's transaction; false (nothing written) when its reminder was
   * already claimed: the reminders_sent key makes "one reminder per lapse" hold even against a stale read elsewhere.
   */
  private save(current: Incident, change: Change): boolean {
    const { number } = current;
    const claim = change.reminderClaim;
    if (claim && this.write.reminder.run(number, claim.dueAt, claim.stage, claim.at).changes === 0) return false;
    this.update(number, toRow(current), toRow(change.incident));
    this.writeRoles(change.incident, current.roles, change.events[0]?.at ?? current.declaredAt);
    this.writeEvents(number, change.events);
    writeOutbox(this.db.$client, change.effects ?? []);
    return true;
  }
}
