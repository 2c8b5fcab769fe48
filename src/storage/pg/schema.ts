/**
 * The PostgreSQL schema (drizzle), the twin of ../schema.ts (SQLite): the same tables and columns, which
 * test/storage/schema-parity.test.ts checks. Epoch milliseconds overflow `integer` (int4), so every time is
 * `bigint` read as a JavaScript number (safe until the year 287,396). JSON columns are `json`, kept byte for byte like SQLite's text (jsonb would reorder label keys).
 * Migrations in migrations-pg/ are generated from this file (drizzle-pg.config.ts).
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, json, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';

const ms = (name: string) => bigint(name, { mode: 'number' });

export const incidents = pgTable(
  'incidents',
  {
    number: integer('number').primaryKey().generatedByDefaultAsIdentity(),
    title: text('title').notNull(),
    severity: text('severity').notNull(),
    phase: text('phase').notNull(),
    isPrivate: boolean('is_private').notNull(),
    type: text('type'),
    isDrill: boolean('is_drill').notNull().default(false),
    platform: text('platform').notNull(),
    declaredAt: ms('declared_at').notNull(),
    declaredBy: text('declared_by').notNull(),
    cadenceSeconds: integer('cadence_seconds'),
    nextUpdateDue: ms('next_update_due'),
    reminderAt: ms('reminder_at'),
    reminderStage: text('reminder_stage'),
    lastUpdateText: text('last_update_text'),
    lastUpdateAt: ms('last_update_at'),
    lastUpdateBy: text('last_update_by'),
    channelId: text('channel_id'),
    channelName: text('channel_name'),
    cardMessageId: text('card_message_id'),
    mitigatedAt: ms('mitigated_at'),
    resolvedAt: ms('resolved_at'),
    closedAt: ms('closed_at'),
  },
  (t) => [
    index('incidents_reminder_at_idx').on(t.reminderAt),
    index('incidents_phase_idx').on(t.phase),
    index('incidents_room_idx').on(t.platform, t.channelId),
    index('incidents_declared_at_idx').on(t.declaredAt),
    index('incidents_closed_at_idx').on(t.closedAt),
  ],
);

export const roleAssignments = pgTable(
  'role_assignments',
  {
    incidentNumber: integer('incident_number')
      .notNull()
      .references(() => incidents.number),
    role: text('role').notNull(),
    userId: text('user_id').notNull(),
    assignedAt: ms('assigned_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.incidentNumber, t.role] })],
);

export const timelineEvents = pgTable(
  'timeline_events',
  {
    /** 64-bit like SQLite's rowid: the timeline and the outbox only grow. */
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    incidentNumber: integer('incident_number')
      .notNull()
      .references(() => incidents.number),
    at: ms('at').notNull(),
    actor: text('actor').notNull(),
    kind: text('kind').notNull(),
    text: text('text').notNull(),
    data: json('data').notNull(),
    /** A captured chat message's `<platform>:<channel>:<message id>` (see ../schema.ts); unique, null elsewhere (NULLs never collide). */
    sourceKey: text('source_key'),
  },
  (t) => [index('timeline_events_incident_idx').on(t.incidentNumber, t.id), uniqueIndex('timeline_events_source_key_idx').on(t.sourceKey)],
);

export const remindersSent = pgTable(
  'reminders_sent',
  {
    incidentNumber: integer('incident_number')
      .notNull()
      .references(() => incidents.number),
    dueAt: ms('due_at').notNull(),
    stage: text('stage').notNull(),
    sentAt: ms('sent_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.incidentNumber, t.dueAt, t.stage] })],
);

export const alertGroups = pgTable(
  'alert_groups',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    groupKey: text('group_key').notNull().unique(),
    receiver: text('receiver').notNull(),
    groupLabels: json('group_labels').notNull(),
    commonLabels: json('common_labels').notNull(),
    commonAnnotations: json('common_annotations').notNull(),
    externalUrl: text('external_url').notNull(),
    truncatedAlerts: integer('truncated_alerts').notNull(),
    firstFiringAt: ms('first_firing_at'),
    lastDeliveryKey: text('last_delivery_key').notNull(),
    lastDeliveryAt: ms('last_delivery_at').notNull(),
    version: integer('version').notNull(),
    updatedAt: ms('updated_at').notNull(),
    firingCount: integer('firing_count').notNull(),
    latestAlerts: integer('latest_alerts').notNull().default(0),
    latestFiring: integer('latest_firing').notNull().default(0),
    acknowledgedBy: text('acknowledged_by'),
    acknowledgedAt: ms('acknowledged_at'),
    notActionableBy: text('not_actionable_by'),
    notActionableAt: ms('not_actionable_at'),
    incidentNumber: integer('incident_number').references(() => incidents.number),
    silenceId: text('silence_id'),
    silenceUntil: ms('silence_until'),
    silencedBy: text('silenced_by'),
  },
  (t) => [index('alert_groups_incident_idx').on(t.incidentNumber), index('alert_groups_updated_at_idx').on(t.updatedAt)],
);

export const alerts = pgTable(
  'alerts',
  {
    groupId: integer('group_id')
      .notNull()
      .references(() => alertGroups.id),
    fingerprint: text('fingerprint').notNull(),
    startsAt: ms('starts_at').notNull(),
    status: text('status').notNull(),
    endsAt: ms('ends_at'),
    labels: json('labels').notNull(),
    annotations: json('annotations').notNull(),
    generatorUrl: text('generator_url').notNull(),
    runbookUrl: text('runbook_url').notNull().default(''),
    /** 1 on the fingerprint's latest firing, 0 on earlier ones: an integer like SQLite's, so the stores share their SQL. */
    latest: integer('latest').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.groupId, t.fingerprint, t.startsAt] }),
    index('alerts_latest_idx').on(t.groupId, t.status, t.startsAt, t.fingerprint).where(sql`${t.latest} = 1`),
    index('alerts_latest_generator_idx').on(t.groupId, t.startsAt, t.fingerprint).where(sql`${t.latest} = 1 AND ${t.generatorUrl} != ''`),
    index('alerts_latest_runbook_idx').on(t.groupId, t.startsAt, t.fingerprint).where(sql`${t.latest} = 1 AND ${t.runbookUrl} != ''`),
  ],
);

export const alertLabelCounts = pgTable(
  'alert_label_counts',
  {
    groupId: integer('group_id')
      .notNull()
      .references(() => alertGroups.id),
    name: text('name').notNull(),
    value: text('value').notNull(),
    alerts: integer('alerts').notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.name, t.value] })],
);

export const alertCards = pgTable(
  'alert_cards',
  {
    groupId: integer('group_id')
      .notNull()
      .references(() => alertGroups.id),
    platform: text('platform').notNull(),
    channel: text('channel'),
    messageId: text('message_id'),
    version: integer('version').notNull(),
    claimedAt: ms('claimed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.platform] })],
);

export const actionItems = pgTable(
  'action_items',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    incidentNumber: integer('incident_number')
      .notNull()
      .references(() => incidents.number),
    text: text('text').notNull(),
    owner: text('owner'),
    due: text('due'),
    state: text('state').notNull(),
    createdAt: ms('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    doneAt: ms('done_at'),
    doneBy: text('done_by'),
    issueNumber: integer('issue_number'),
    issueUrl: text('issue_url'),
  },
  (t) => [index('action_items_incident_idx').on(t.incidentNumber), index('action_items_state_idx').on(t.state)],
);

export const checklistItems = pgTable(
  'checklist_items',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    incidentNumber: integer('incident_number')
      .notNull()
      .references(() => incidents.number),
    position: integer('position').notNull(),
    text: text('text').notNull(),
    required: boolean('required').notNull(),
    source: text('source').notNull(),
    checkedAt: ms('checked_at'),
    checkedBy: text('checked_by'),
  },
  (t) => [uniqueIndex('checklist_items_position_idx').on(t.incidentNumber, t.position)],
);

export const postmortems = pgTable('postmortems', {
  incidentNumber: integer('incident_number')
    .primaryKey()
    .references(() => incidents.number),
  markdown: text('markdown').notNull(),
  generatedAt: ms('generated_at').notNull(),
});

export const postmortemSections = pgTable('postmortem_sections', {
  incidentNumber: integer('incident_number')
    .primaryKey()
    .references(() => incidents.number),
  summary: text('summary').notNull().default(''),
  impact: text('impact').notNull().default(''),
  contributingFactors: text('contributing_factors').notNull().default(''),
  wentWell: text('went_well').notNull().default(''),
  wentWrong: text('went_wrong').notNull().default(''),
  updatedAt: ms('updated_at').notNull(),
  updatedBy: text('updated_by').notNull(),
});

export const digestsSent = pgTable('digests_sent', {
  slot: ms('slot').primaryKey(),
  sentAt: ms('sent_at').notNull(),
});

export const webSessions = pgTable(
  'web_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    viewer: text('viewer').notNull(),
    createdAt: ms('created_at').notNull(),
    lastSeenAt: ms('last_seen_at').notNull(),
  },
  (t) => [index('web_sessions_last_seen_idx').on(t.lastSeenAt)],
);

export const healthHeartbeat = pgTable('health_heartbeat', {
  id: integer('id').primaryKey(),
  at: ms('at').notNull(),
});

export const dialogNonces = pgTable(
  'dialog_nonces',
  {
    nonce: text('nonce').primaryKey(),
    usedAt: ms('used_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
  },
  // Every signed Slack request writes a row: pruning the expired ones walks this index, not the whole table.
  (t) => [index('dialog_nonces_expires_idx').on(t.expiresAt)],
);

export const outbox = pgTable(
  'outbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    platform: text('platform').notNull(),
    lane: text('lane').notNull(),
    target: text('target').notNull(),
    kind: text('kind').notNull(),
    payload: json('payload').notNull(),
    coalesceKey: text('coalesce_key'),
    version: integer('version').notNull(),
    incidentNumber: integer('incident_number'),
    actor: text('actor'),
    state: text('state').notNull(),
    attempts: integer('attempts').notNull(),
    createdAt: ms('created_at').notNull(),
    nextAttemptAt: ms('next_attempt_at').notNull(),
    claimedUntil: ms('claimed_until').notNull(),
    doneAt: ms('done_at'),
    messageId: text('message_id'),
    lastError: text('last_error'),
  },
  (t) => [
    index('outbox_pending_idx').on(t.state, t.platform, t.nextAttemptAt),
    index('outbox_target_idx').on(t.platform, t.target, t.state, t.id),
    index('outbox_coalesce_idx').on(t.coalesceKey, t.state),
    index('outbox_incident_idx').on(t.incidentNumber, t.state),
    // A claim walks the pending rows of one platform and lane in id order and stops at its limit, instead of
    // sorting every due row of the backlog (npm run bench -- mm-ack).
    index('outbox_due_idx').on(t.platform, t.lane, t.id).where(sql`${t.state} = 'pending'`),
  ],
);

export const publications = pgTable(
  'publications',
  {
    incidentNumber: integer('incident_number')
      .primaryKey()
      .references(() => incidents.number),
    publicId: text('public_id').notNull().unique(),
    title: text('title').notNull(),
    impact: text('impact'),
    components: json('components').notNull(),
    publishedAt: ms('published_at').notNull(),
    publishedBy: text('published_by').notNull(),
    /** Publication.changedAt: the last change the public sees (0: stored before it was kept). */
    changedAt: ms('changed_at').notNull().default(0),
    live: boolean('live').notNull(),
  },
  (t) => [index('publications_live_idx').on(t.live, t.publishedAt)],
);

export const publicUpdates = pgTable(
  'public_updates',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    incidentNumber: integer('incident_number')
      .notNull()
      .references(() => incidents.number),
    text: text('text').notNull(),
    at: ms('at').notNull(),
    by: text('by').notNull(),
  },
  (t) => [index('public_updates_incident_idx').on(t.incidentNumber, t.id)],
);

export const pages = pgTable(
  'pages',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    incidentNumber: integer('incident_number')
      .notNull()
      .references(() => incidents.number),
    team: text('team').notNull(),
    message: text('message').notNull(),
    severity: text('severity').notNull(),
    pagedAt: ms('paged_at').notNull(),
    pagedBy: text('paged_by').notNull(),
    refreshedAt: ms('refreshed_at').notNull(),
    resolvedAt: ms('resolved_at'),
  },
  (t) => [index('pages_incident_idx').on(t.incidentNumber), index('pages_firing_idx').on(t.resolvedAt)],
);

export const dashboardAnnotations = pgTable('dashboard_annotations', {
  incidentNumber: integer('incident_number')
    .primaryKey()
    .references(() => incidents.number),
  annotationId: text('annotation_id'),
  queuedState: text('queued_state').notNull(),
});

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
});

export const changeCounters = pgTable('change_counters', {
  name: text('name').primaryKey(),
  n: bigint('n', { mode: 'number' }).notNull(),
});

export const channelTopics = pgTable(
  'channel_topics',
  {
    platform: text('platform').notNull(),
    channelId: text('channel_id').notNull(),
    topicHash: text('topic_hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.channelId] })],
);
