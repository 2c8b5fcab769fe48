/**
 * IncidentStore on PostgreSQL. Every change is one short transaction that re-reads the incident row FOR UPDATE
 * before the (synchronous, pure) rule runs, so concurrent replicas apply their changes one after the other; a
 * reminder lapse is claimed by the reminders_sent key, so two replicas never nag twice.
 */
import type pg from 'pg';
import type { QueuedEffect } from '../../incidents/effects.ts';
import type { Incident, Platform } from '../../incidents/incident.ts';
import type { Change } from '../../incidents/incident-rules.ts';
import { OVERDUE_PHASES } from '../../incidents/overdue.ts';
import { OPEN_PHASES, type Phase } from '../../incidents/phases.ts';
import { inTimeOrder } from '../../incidents/captured-messages.ts';
import type { AlertDeclaration, CapturedMessageStore, IncidentStore, OpenOverview } from '../../incidents/ports.ts';
import type { Severity } from '../../incidents/severity.ts';
import type { TimelineEvent, TimelineKind } from '../../incidents/timeline.ts';
import { type IncidentRow, type RoleRow, toIncident, toRow } from '../sqlite-incident-store.ts';
import { inTransaction } from './pg-database.ts';
import { bumpChanges, columnsOf, insertEvents, readChanges, selectList, type Sql, writeOutboxPg } from './pg-sql.ts';
import { incidents, roleAssignments } from './schema.ts';

const SELECT = `SELECT ${selectList(incidents)} FROM incidents`;
const ROLES = `SELECT ${selectList(roleAssignments)} FROM role_assignments`;
const ROW_KEYS = Object.keys(toRow({} as Incident)).filter((k) => k !== 'number');
const ROW_COLUMNS = columnsOf(incidents, ROW_KEYS);
const INSERT = `INSERT INTO incidents (${ROW_COLUMNS.join(', ')}) VALUES (${ROW_KEYS.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING number`;
const UPDATE = `UPDATE incidents SET ${ROW_COLUMNS.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE number = $1`;
const rowValues = (i: Incident) => {
  const row = toRow(i) as Record<string, unknown>;
  return ROW_KEYS.map((k) => row[k]);
};

export class PgIncidentStore implements IncidentStore, CapturedMessageStore {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  create(draft: Incident, events: readonly TimelineEvent[], effects?: (incident: Incident) => readonly QueuedEffect[]): Promise<Incident> {
    return inTransaction(this.pool, (client) => this.insert(client, draft, events, effects));
  }

  /** The group row is locked (FOR UPDATE) before it is read: a second replica waits, then finds it linked. */
  createForAlertGroup(
    groupId: number,
    draft: Incident,
    events: readonly TimelineEvent[],
    effects?: (incident: Incident) => readonly QueuedEffect[],
  ): Promise<AlertDeclaration | undefined> {
    return inTransaction(this.pool, async (client) => {
      const group = await client.query<{ n: number | null }>('SELECT incident_number AS n FROM alert_groups WHERE id = $1 FOR UPDATE', [groupId]);
      const row = group.rows[0];
      if (!row) return undefined;
      if (row.n !== null) return { alreadyLinked: row.n };
      const incident = await this.insert(client, draft, events, effects);
      await client.query('UPDATE alert_groups SET incident_number = $2, version = version + 1, updated_at = $3 WHERE id = $1', [groupId, incident.number, incident.declaredAt]);
      return { incident };
    });
  }

  private async insert(client: pg.PoolClient, draft: Incident, events: readonly TimelineEvent[], effects?: (incident: Incident) => readonly QueuedEffect[]): Promise<Incident> {
    const inserted = await client.query<{ number: number }>({ name: 'incident-insert', text: INSERT, values: rowValues(draft) });
    const incident = { ...draft, number: inserted.rows[0]!.number };
    await this.writeRoles(client, incident, {}, incident.declaredAt);
    await insertEvents(client, incident.number, events);
    await writeOutboxPg(client, effects?.(incident) ?? []);
    await bumpChanges(client, 'incidents');
    return incident;
  }

  get(number: number): Promise<Incident | undefined> {
    return this.read(this.pool, number, false);
  }

  private async read(sql: Sql, number: number, forUpdate: boolean): Promise<Incident | undefined> {
    const rows = await sql.query<IncidentRow>({
      name: forUpdate ? 'incident-lock' : 'incident-get',
      text: `${SELECT} WHERE number = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      values: [number],
    });
    const row = rows.rows[0];
    if (!row) return undefined;
    const roles = await sql.query<RoleRow>({ name: 'incident-roles', text: `${ROLES} WHERE incident_number = $1`, values: [number] });
    return toIncident(row, roles.rows);
  }

  async findByRoom(platform: Platform, channelId: string): Promise<Incident | undefined> {
    const rows = await this.pool.query<IncidentRow>({ name: 'incident-by-room', text: `${SELECT} WHERE platform = $1 AND channel_id = $2 LIMIT 1`, values: [platform, channelId] });
    return (await this.withRoles(rows.rows))[0];
  }

  mutate(number: number, rule: (current: Incident) => Change | null): Promise<Change | null> {
    return inTransaction(this.pool, async (client) => {
      const current = await this.read(client, number, true);
      if (!current) return null;
      const change = rule(current);
      if (!change || !(await this.save(client, current, change))) return null;
      await bumpChanges(client, 'incidents');
      return change;
    });
  }

  /**
   * The reminder tick in one transaction, as on SQLite. The due rows are locked FOR UPDATE SKIP LOCKED: a replica
   * ticking at the same moment takes the other due incidents (or none) instead of waiting, and the reminders_sent
   * key still refuses a lapse claimed by a replica that read the row before this one's commit.
   */
  mutateDue(now: number, limit: number, platforms: readonly Platform[], rule: (current: Incident) => Change | null): Promise<Change[]> {
    return inTransaction(this.pool, async (client) => {
      const due = await client.query<IncidentRow>({
        name: 'incident-due-lock',
        text: `${SELECT} WHERE reminder_at IS NOT NULL AND reminder_at <= $1 AND platform = ANY($2) ORDER BY reminder_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
        values: [now, [...platforms], limit],
      });
      const changes: Change[] = [];
      for (const current of await this.withRoles(due.rows, client)) {
        const change = rule(current);
        if (change && (await this.save(client, current, change))) changes.push(change);
      }
      if (changes.length) await bumpChanges(client, 'incidents');
      return changes;
    });
  }

  /**
   * Writes `change` inside the caller's transaction; false (nothing written) when its reminder was already claimed.
   * The claim goes first, so a refused claim leaves nothing to roll back.
   */
  private async save(client: pg.PoolClient, current: Incident, change: Change): Promise<boolean> {
    const { number } = current;
    const claim = change.reminderClaim;
    if (claim) {
      const claimed = await client.query({
        name: 'reminder-claim',
        text: 'INSERT INTO reminders_sent (incident_number, due_at, stage, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        values: [number, claim.dueAt, claim.stage, claim.at],
      });
      if (claimed.rowCount === 0) return false;
    }
    await client.query({ name: 'incident-update', text: UPDATE, values: [number, ...rowValues(change.incident)] });
    await this.writeRoles(client, change.incident, current.roles, change.events[0]?.at ?? current.declaredAt);
    await insertEvents(client, number, change.events);
    await writeOutboxPg(client, change.effects ?? []);
    return true;
  }

  /** Counts and the newest `perPhase` of each open phase, read in one REPEATABLE READ snapshot so they agree. */
  openOverview(perPhase: number): Promise<OpenOverview> {
    return inTransaction(this.pool, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const counts: OpenOverview['counts'] = {};
      const r = await client.query<{ phase: Phase; n: number }>({
        name: 'incident-open-counts',
        text: 'SELECT phase, COUNT(*)::int AS n FROM incidents WHERE phase = ANY($1) GROUP BY phase',
        values: [[...OPEN_PHASES]],
      });
      for (const row of r.rows) counts[row.phase] = row.n;
      const newest: IncidentRow[] = [];
      for (const phase of OPEN_PHASES) {
        const rows = await client.query<IncidentRow>({ name: 'incident-newest-in', text: `${SELECT} WHERE phase = $1 ORDER BY number DESC LIMIT $2`, values: [phase, perPhase] });
        newest.push(...rows.rows.reverse());
      }
      return { counts, newest: await this.withRoles(newest, client) };
    });
  }

  /** The unique source_key makes a second capture of the same message a no-op, whichever replica hears it. */
  addCapturedMessage(incidentNumber: number, entry: TimelineEvent, key: string): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const r = await client.query({
        name: 'incident-captured',
        text: `INSERT INTO timeline_events (incident_number, at, actor, kind, text, data, source_key) VALUES ($1, $2, $3, $4, $5, $6, $7)
          ON CONFLICT (source_key) DO NOTHING`,
        values: [incidentNumber, entry.at, entry.actor, entry.kind, entry.text, JSON.stringify(entry.data), key],
      });
      if (r.rowCount === 0) return false;
      await bumpChanges(client, 'incidents');
      return true;
    });
  }

  async listOpen(): Promise<Incident[]> {
    const rows = await this.pool.query<IncidentRow>({ name: 'incident-open', text: `${SELECT} WHERE phase = ANY($1) ORDER BY number`, values: [[...OPEN_PHASES]] });
    return this.withRoles(rows.rows);
  }

  async timeline(number: number): Promise<TimelineEvent[]> {
    const rows = await this.pool.query<{ at: number; actor: string; kind: string; text: string; data: string }>({
      name: 'incident-timeline',
      text: 'SELECT at, actor, kind, text, data FROM timeline_events WHERE incident_number = $1 ORDER BY id',
      values: [number],
    });
    return inTimeOrder(rows.rows.map((r) => ({ at: r.at, actor: r.actor, kind: r.kind as TimelineKind, text: r.text, data: JSON.parse(r.data) as TimelineEvent['data'] })));
  }

  async declaredSince(since: number): Promise<Incident[]> {
    return this.withRoles((await this.pool.query<IncidentRow>(`${SELECT} WHERE declared_at >= $1 ORDER BY number`, [since])).rows);
  }

  async closedSince(since: number, limit: number): Promise<Incident[]> {
    return this.withRoles((await this.pool.query<IncidentRow>(`${SELECT} WHERE closed_at >= $1 ORDER BY closed_at DESC LIMIT $2`, [since, limit])).rows);
  }

  async page(query: { phase?: Phase; severity?: Severity; before?: number; limit: number }): Promise<Incident[]> {
    const rows = await this.pool.query<IncidentRow>({
      name: 'incident-page',
      text: `${SELECT} WHERE ($1::text IS NULL OR phase = $1) AND ($2::text IS NULL OR severity = $2) AND ($3::int IS NULL OR number < $3)
        ORDER BY number DESC LIMIT $4`,
      values: [query.phase ?? null, query.severity ?? null, query.before ?? null, query.limit],
    });
    return this.withRoles(rows.rows);
  }

  async countOpen(): Promise<{ severity: Severity; phase: Phase; count: number }[]> {
    const rows = await this.pool.query<{ severity: Severity; phase: Phase; count: number }>({
      name: 'incident-count-open',
      text: "SELECT severity, phase, COUNT(*) AS count FROM incidents WHERE phase IN ('active', 'mitigated', 'resolved') AND NOT is_drill GROUP BY severity, phase",
    });
    return rows.rows;
  }

  async countOverdue(now: number): Promise<number> {
    const rows = await this.pool.query<{ n: number }>({
      name: 'incident-count-overdue',
      text: 'SELECT COUNT(*) AS n FROM incidents WHERE phase = ANY($1) AND next_update_due < $2 AND NOT is_drill',
      values: [[...OVERDUE_PHASES], now],
    });
    return rows.rows[0]?.n ?? 0;
  }

  async dueReminders(now: number, limit: number, platforms: readonly Platform[]): Promise<Incident[]> {
    const rows = await this.pool.query<IncidentRow>({
      name: 'incident-due',
      text: `${SELECT} WHERE reminder_at IS NOT NULL AND reminder_at <= $1 AND platform = ANY($2) ORDER BY reminder_at LIMIT $3`,
      values: [now, [...platforms], limit],
    });
    return this.withRoles(rows.rows);
  }

  /** The 'incidents' change counter: moves with every write of any replica (incidents, checklists, follow-ups). */
  version(): Promise<string> {
    return readChanges(this.pool, 'incidents');
  }

  private async withRoles(rows: readonly IncidentRow[], sql: Sql = this.pool): Promise<Incident[]> {
    if (rows.length === 0) return [];
    const roles = await sql.query<RoleRow>({ name: 'incident-roles-many', text: `${ROLES} WHERE incident_number = ANY($1)`, values: [rows.map((r) => r.number)] });
    const byIncident = new Map<number, RoleRow[]>();
    for (const role of roles.rows) byIncident.set(role.incidentNumber, [...(byIncident.get(role.incidentNumber) ?? []), role]);
    return rows.map((r) => toIncident(r, byIncident.get(r.number) ?? []));
  }

  private async writeRoles(client: pg.PoolClient, incident: Incident, before: Incident['roles'], at: number): Promise<void> {
    for (const [role, userId] of Object.entries(incident.roles)) {
      if (before[role] === userId) continue;
      await client.query({
        name: 'incident-role',
        text: `INSERT INTO role_assignments (incident_number, role, user_id, assigned_at) VALUES ($1, $2, $3, $4)
          ON CONFLICT (incident_number, role) DO UPDATE SET user_id = excluded.user_id, assigned_at = excluded.assigned_at`,
        values: [incident.number, role, userId, at],
      });
    }
  }
}
