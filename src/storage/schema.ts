/** The database schema (drizzle). Migrations in migrations/ are generated from this file by drizzle-kit. */
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const incidents = sqliteTable(
  'incidents',
  {
    number: integer('number').primaryKey({ autoIncrement: true }),
    title: text('title').notNull(),
    severity: text('severity').notNull(),
    phase: text('phase').notNull(),
    isPrivate: integer('is_private', { mode: 'boolean' }).notNull(),
    platform: text('platform').notNull(),
    declaredAt: integer('declared_at').notNull(),
    declaredBy: text('declared_by').notNull(),
    /** Seconds; null = cadence off. */
    cadenceSeconds: integer('cadence_seconds'),
    nextUpdateDue: integer('next_update_due'),
    /** When the scheduler must act next; null for incidents that need no reminder (resolved, closed, off). */
    reminderAt: integer('reminder_at'),
    reminderStage: text('reminder_stage'),
    lastUpdateText: text('last_update_text'),
    lastUpdateAt: integer('last_update_at'),
    lastUpdateBy: text('last_update_by'),
    channelId: text('channel_id'),
    channelName: text('channel_name'),
    cardMessageId: text('card_message_id'),
    roomAttemptAt: integer('room_attempt_at'),
    mitigatedAt: integer('mitigated_at'),
    resolvedAt: integer('resolved_at'),
    closedAt: integer('closed_at'),
  },
  (t) => [
    index('incidents_reminder_at_idx').on(t.reminderAt),
    index('incidents_phase_idx').on(t.phase),
    index('incidents_room_idx').on(t.platform, t.channelId),
  ],
);

export const roleAssignments = sqliteTable(
  'role_assignments',
  {
    incidentNumber: integer('incident_number')
      .notNull()
      .references(() => incidents.number),
    role: text('role').notNull(),
    userId: text('user_id').notNull(),
    assignedAt: integer('assigned_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.incidentNumber, t.role] })],
);

export const timelineEvents = sqliteTable(
  'timeline_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentNumber: integer('incident_number')
      .notNull()
      .references(() => incidents.number),
    at: integer('at').notNull(),
    actor: text('actor').notNull(),
    kind: text('kind').notNull(),
    text: text('text').notNull(),
    data: text('data', { mode: 'json' }).notNull(),
  },
  (t) => [index('timeline_events_incident_idx').on(t.incidentNumber, t.id)],
);

/**
 * One row per reminder sent: the primary key makes "one nag per lapse" a database constraint,
 * whatever the number of processes ticking.
 */
export const remindersSent = sqliteTable(
  'reminders_sent',
  {
    incidentNumber: integer('incident_number')
      .notNull()
      .references(() => incidents.number),
    dueAt: integer('due_at').notNull(),
    stage: text('stage').notNull(),
    sentAt: integer('sent_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.incidentNumber, t.dueAt, t.stage] })],
);
