/** The database schema (drizzle). Migrations in migrations/ are generated from this file by drizzle-kit. */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const incidents = sqliteTable(
  'incidents',
  {
    number: integer('number').primaryKey({ autoIncrement: true }),
    title: text('title').notNull(),
    severity: text('severity').notNull(),
    phase: text('phase').notNull(),
    isPrivate: integer('is_private', { mode: 'boolean' }).notNull(),
    /** One of INCIDENT_TYPES, or null. */
    type: text('type'),
    /** A practice run: left out of stats, metrics, digests and the status page. */
    isDrill: integer('is_drill', { mode: 'boolean' }).notNull().default(false),
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
    mitigatedAt: integer('mitigated_at'),
    resolvedAt: integer('resolved_at'),
    closedAt: integer('closed_at'),
  },
  (t) => [
    index('incidents_reminder_at_idx').on(t.reminderAt),
    index('incidents_phase_idx').on(t.phase),
    index('incidents_room_idx').on(t.platform, t.channelId),
    index('incidents_declared_at_idx').on(t.declaredAt),
    index('incidents_closed_at_idx').on(t.closedAt),
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
    /**
     * For a captured chat message, `<platform>:<channel>:<message id>`: unique, so capturing the same message twice
     * (two reactions, a reaction and the shortcut, two replicas) adds it once. Null for every other entry.
     */
    sourceKey: text('source_key'),
  },
  (t) => [index('timeline_events_incident_idx').on(t.incidentNumber, t.id), uniqueIndex('timeline_events_source_key_idx').on(t.sourceKey)],
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

/** One row per Alertmanager groupKey. */
export const alertGroups = sqliteTable(
  'alert_groups',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    groupKey: text('group_key').notNull().unique(),
    receiver: text('receiver').notNull(),
    groupLabels: text('group_labels', { mode: 'json' }).notNull(),
    commonLabels: text('common_labels', { mode: 'json' }).notNull(),
    commonAnnotations: text('common_annotations', { mode: 'json' }).notNull(),
    externalUrl: text('external_url').notNull(),
    truncatedAlerts: integer('truncated_alerts').notNull(),
    firstFiringAt: integer('first_firing_at'),
    lastDeliveryKey: text('last_delivery_key').notNull(),
    lastDeliveryAt: integer('last_delivery_at').notNull(),
    version: integer('version').notNull(),
    /** When the group last changed (delivery or click): the card sync looks only at recent changes. */
    updatedAt: integer('updated_at').notNull(),
    /** Firing alerts as of the last stored delivery (whether a delivery resolved the group or made it fire again). */
    firingCount: integer('firing_count').notNull(),
    /**
     * Fingerprints of the group and how many of them fire now (their latest row, alerts.latest), kept current as
     * alerts are written, so a card's counts need no pass over a storm's 80,000 rows.
     */
    latestAlerts: integer('latest_alerts').notNull().default(0),
    latestFiring: integer('latest_firing').notNull().default(0),
    acknowledgedBy: text('acknowledged_by'),
    acknowledgedAt: integer('acknowledged_at'),
    notActionableBy: text('not_actionable_by'),
    notActionableAt: integer('not_actionable_at'),
    incidentNumber: integer('incident_number').references(() => incidents.number),
    silenceId: text('silence_id'),
    silenceUntil: integer('silence_until'),
    silencedBy: text('silenced_by'),
  },
  (t) => [index('alert_groups_incident_idx').on(t.incidentNumber), index('alert_groups_updated_at_idx').on(t.updatedAt)],
);

/** A fingerprint's firing from its start; a fingerprint that fires again after resolving is a new row. */
export const alerts = sqliteTable(
  'alerts',
  {
    groupId: integer('group_id')
      .notNull()
      .references(() => alertGroups.id),
    fingerprint: text('fingerprint').notNull(),
    startsAt: integer('starts_at').notNull(),
    status: text('status').notNull(),
    endsAt: integer('ends_at'),
    labels: text('labels', { mode: 'json' }).notNull(),
    annotations: text('annotations', { mode: 'json' }).notNull(),
    generatorUrl: text('generator_url').notNull(),
    /** The `runbook_url` annotation ('' without one), so the card finds the first alert with a runbook by an index. */
    runbookUrl: text('runbook_url').notNull().default(''),
    /** 1 on the fingerprint's latest firing (the row a card shows), 0 on its earlier ones. */
    latest: integer('latest').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.groupId, t.fingerprint, t.startsAt] }),
    // What a card reads, each in index order with LIMIT: the first alerts per state, the first source and runbook links.
    index('alerts_latest_idx').on(t.groupId, t.status, t.startsAt, t.fingerprint).where(sql`${t.latest} = 1`),
    index('alerts_latest_generator_idx').on(t.groupId, t.startsAt, t.fingerprint).where(sql`${t.latest} = 1 AND ${t.generatorUrl} != ''`),
    index('alerts_latest_runbook_idx').on(t.groupId, t.startsAt, t.fingerprint).where(sql`${t.latest} = 1 AND ${t.runbookUrl} != ''`),
  ],
);

/**
 * How many of a group's fingerprints (their latest row) carry each label value: a label is shared by the whole group
 * when its count equals alert_groups.latest_alerts. Kept with the alerts, in the same transaction.
 */
export const alertLabelCounts = sqliteTable(
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

/** Where each group's card is on each platform, and which group version it shows. */
export const alertCards = sqliteTable(
  'alert_cards',
  {
    groupId: integer('group_id')
      .notNull()
      .references(() => alertGroups.id),
    platform: text('platform').notNull(),
    channel: text('channel'),
    messageId: text('message_id'),
    version: integer('version').notNull(),
    claimedAt: integer('claimed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.platform] })],
);

/** Follow-up action items of incidents. */
export const actionItems = sqliteTable(
  'action_items',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentNumber: integer('incident_number')
      .notNull()
      .references(() => incidents.number),
    text: text('text').notNull(),
    owner: text('owner'),
    due: text('due'),
    state: text('state').notNull(),
    createdAt: integer('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    doneAt: integer('done_at'),
    doneBy: text('done_by'),
    /** The GitHub issue tracking the item (GITHUB_REPO), once opened. */
    issueNumber: integer('issue_number'),
    issueUrl: text('issue_url'),
  },
  (t) => [index('action_items_incident_idx').on(t.incidentNumber), index('action_items_state_idx').on(t.state)],
);

/** Checklist items of incidents (from CHECKLISTS_FILE), with who ticked each and when. */
export const checklistItems = sqliteTable(
  'checklist_items',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentNumber: integer('incident_number')
      .notNull()
      .references(() => incidents.number),
    position: integer('position').notNull(),
    text: text('text').notNull(),
    required: integer('required', { mode: 'boolean' }).notNull(),
    source: text('source').notNull(),
    checkedAt: integer('checked_at'),
    checkedBy: text('checked_by'),
  },
  (t) => [uniqueIndex('checklist_items_position_idx').on(t.incidentNumber, t.position)],
);

/** The latest postmortem document of each incident, so it can be fetched again. */
export const postmortems = sqliteTable('postmortems', {
  incidentNumber: integer('incident_number')
    .primaryKey()
    .references(() => incidents.number),
  markdown: text('markdown').notNull(),
  generatedAt: integer('generated_at').notNull(),
});

/**
 * The postmortem's human sections, written by people on the web (or the API) and put into the postmortem document
 * in place of "To be written". Separate from `postmortems` because they may be written before the document is.
 */
export const postmortemSections = sqliteTable('postmortem_sections', {
  incidentNumber: integer('incident_number')
    .primaryKey()
    .references(() => incidents.number),
  summary: text('summary').notNull().default(''),
  impact: text('impact').notNull().default(''),
  contributingFactors: text('contributing_factors').notNull().default(''),
  wentWell: text('went_well').notNull().default(''),
  wentWrong: text('went_wrong').notNull().default(''),
  updatedAt: integer('updated_at').notNull(),
  updatedBy: text('updated_by').notNull(),
});

/** One row per weekly digest slot sent: like reminders, a digest is claimed once, whatever the replicas. */
export const digestsSent = sqliteTable('digests_sent', {
  slot: integer('slot').primaryKey(),
  sentAt: integer('sent_at').notNull(),
});

/**
 * Web sessions created by signing in with WEB_AUTH_TOKEN. Only a SHA-256 of the session id is kept, so a copy of
 * the database opens no session; in the database (not memory) so replicas share them and a restart keeps them.
 */
export const webSessions = sqliteTable(
  'web_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    viewer: text('viewer').notNull(),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
  },
  (t) => [index('web_sessions_last_seen_idx').on(t.lastSeenAt)],
);

/** One row /healthz rewrites, to prove the database takes writes (a read-only or full disk fails it). */
export const healthHeartbeat = sqliteTable('health_heartbeat', {
  id: integer('id').primaryKey(),
  at: integer('at').notNull(),
});

/**
 * Single-use nonces of Mattermost dialogs sitroom opened: a row is inserted when the dialog is submitted, so the
 * same dialog state (which passes through the user's browser) can be used once, whatever the replicas. Slack request
 * signatures accepted within Slack's replay window are kept here too (`slack-signature:v0=…`), for the same reason.
 */
export const dialogNonces = sqliteTable(
  'dialog_nonces',
  {
    nonce: text('nonce').primaryKey(),
    usedAt: integer('used_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  // Every signed Slack request writes a row: pruning the expired ones walks this index, not the whole table.
  (t) => [index('dialog_nonces_expires_idx').on(t.expiresAt)],
);

/**
 * The outbox: every outward chat effect, written in the same transaction as the change that implies it and
 * delivered afterwards by the dispatcher (src/delivery). A row is claimed (`claimed_until`) before it is sent,
 * so two processes never send it both; `version` orders state-setting effects sharing a `coalesce_key`.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    platform: text('platform').notNull(),
    /** 'incident' (war rooms, announcements, nags, replies) is always served before 'alert' (cards). */
    lane: text('lane').notNull(),
    /** Rows with the same target are delivered one at a time, in id order (a room's posts stay in order). */
    target: text('target').notNull(),
    kind: text('kind').notNull(),
    payload: text('payload', { mode: 'json' }).notNull(),
    /** State-setting effects (topic, card): only the newest row of a key is sent. */
    coalesceKey: text('coalesce_key'),
    version: integer('version').notNull(),
    incidentNumber: integer('incident_number'),
    /** Who caused it: told when delivery is given up. */
    actor: text('actor'),
    /** pending | sent | superseded | gave_up */
    state: text('state').notNull(),
    attempts: integer('attempts').notNull(),
    createdAt: integer('created_at').notNull(),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    claimedUntil: integer('claimed_until').notNull(),
    doneAt: integer('done_at'),
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

/**
 * Incidents someone published on the public status page, under their public title. A row outlives unpublishing
 * (live = false), so publishing again keeps the public id and the public updates.
 */
export const publications = sqliteTable(
  'publications',
  {
    incidentNumber: integer('incident_number')
      .primaryKey()
      .references(() => incidents.number),
    publicId: text('public_id').notNull().unique(),
    title: text('title').notNull(),
    /** null: follow the incident's severity. */
    impact: text('impact'),
    components: text('components', { mode: 'json' }).notNull(),
    publishedAt: integer('published_at').notNull(),
    publishedBy: text('published_by').notNull(),
    /** Publication.changedAt: the last change the public sees (0: stored before it was kept). */
    changedAt: integer('changed_at').notNull().default(0),
    live: integer('live', { mode: 'boolean' }).notNull(),
  },
  (t) => [index('publications_live_idx').on(t.live, t.publishedAt)],
);

/** Public updates of published incidents (separate from the internal stakeholder updates). */
export const publicUpdates = sqliteTable(
  'public_updates',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentNumber: integer('incident_number')
      .notNull()
      .references(() => incidents.number),
    text: text('text').notNull(),
    at: integer('at').notNull(),
    by: text('by').notNull(),
  },
  (t) => [index('public_updates_incident_idx').on(t.incidentNumber, t.id)],
);

/**
 * Teams paged through Alertmanager for an incident (`/incident page`). A page fires (re-posted every minute) until
 * its incident leaves `active`; `severity` is the label it was raised with, kept for the alert's whole life.
 */
export const pages = sqliteTable(
  'pages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentNumber: integer('incident_number')
      .notNull()
      .references(() => incidents.number),
    team: text('team').notNull(),
    message: text('message').notNull(),
    severity: text('severity').notNull(),
    pagedAt: integer('paged_at').notNull(),
    pagedBy: text('paged_by').notNull(),
    refreshedAt: integer('refreshed_at').notNull(),
    resolvedAt: integer('resolved_at'),
  },
  (t) => [index('pages_incident_idx').on(t.incidentNumber), index('pages_firing_idx').on(t.resolvedAt)],
);

/**
 * Each incident's window on Grafana dashboards: the annotation's id once Grafana made it, and the state last queued
 * (so each change is sent once, whichever replica notices it).
 */
export const dashboardAnnotations = sqliteTable('dashboard_annotations', {
  incidentNumber: integer('incident_number')
    .primaryKey()
    .references(() => incidents.number),
  annotationId: text('annotation_id'),
  queuedState: text('queued_state').notNull(),
});

/**
 * Values every replica must share, created on first start: `session_secret` (the CSRF key and other signing keys
 * when SESSION_SECRET is unset). Inserted with ON CONFLICT DO NOTHING, so replicas starting together agree.
 */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * Short leases that let one replica at a time do what must be done by exactly one but is not work to claim
 * (today: `database_gauges`, which replica exports the /metrics gauges read from the database, so their sum over
 * replicas is right). Taken with one atomic upsert: free, expired, or already the holder's (src/storage/leases.ts).
 */
export const leases = sqliteTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: integer('expires_at').notNull(),
});

/**
 * Change counters bumped inside write transactions ('incidents': incidents, checklists, follow-ups; 'publications'),
 * so a cache in any replica sees another replica's writes (IncidentStore.version). SQLite's data_version only
 * works on one file; this works on either engine.
 */
export const changeCounters = sqliteTable('change_counters', {
  name: text('name').primaryKey(),
  n: integer('n').notNull(),
});

/** The topic sitroom last set on each war room (src/chat/topic-memory.ts), shared by replicas; the key is a SHA-256. */
export const channelTopics = sqliteTable(
  'channel_topics',
  {
    platform: text('platform').notNull(),
    channelId: text('channel_id').notNull(),
    topicHash: text('topic_hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.channelId] })],
);
