/**
 * AlertStore on SQLite. Ingestion is the hot path (every Alertmanager delivery), so it runs on statements prepared
 * once (drizzle's builder costs ~100-150 us a call here), ~5 per delivery plus 1-2 per alert: a delivery is stored
 * whole in one IMMEDIATE transaction (or several deliveries in one, each in its own savepoint), or for a storm
 * in parts that only count once the last part has recorded the delivery's key (see openDelivery).
 *
 * A card's view never reads a group's alerts whole: as alerts are written, each fingerprint's latest row is flagged
 * (alerts.latest), the group counts its fingerprints and firing ones, and alert_label_counts counts each label value,
 * all in the writing transaction; digest() then reads counts and, by partial indexes, at most ~25 alert rows.
 */
import type { Statement, Transaction } from 'better-sqlite3';
import type { AlertDigest, AlertGroup, GroupAlert, Labels } from '../alerts/alert-group.ts';
import { CARD_ALERT_LIMIT, earliestAlert } from '../alerts/alert-rules.ts';
import type { WebhookAlert, WebhookPayload } from '../alertmanager/alertmanager-payload.ts';
import { newEpisodeStart } from '../alerts/episodes.ts';
import { type AlertStore, type CardRef, changedSomething, type DeliveryOutcome, type IngestResult, type OpenDelivery, type WrittenEffects } from '../alerts/ports.ts';
import { writeOutbox } from './sqlite-outbox-store.ts';
import type { Platform } from '../incidents/incident.ts';
import type { Phase } from '../incidents/phases.ts';
import type { AlertFacts, LinkedAlertGroup } from '../incidents/ports.ts';
import { DigestCounts } from './alert-digest-counts.ts';
import { ShownAlertsCache } from './shown-alerts-cache.ts';
import type { Db } from './database.ts';
import type { SqlRow } from './raw-rows.ts';
import type { alertGroups, alerts } from './schema.ts';

/** The row as a plain statement returns it (raw-rows.ts): the schema is its source. */
export type GroupRow = SqlRow<typeof alertGroups>;

/** The row as a plain statement returns it (raw-rows.ts): the schema is its source. */
export type AlertRow = SqlRow<typeof alerts>;

/** What people did with the group (acknowledged, not actionable, its incident, its silence), from its row. */
const handling = (r: FinishedRow): Pick<AlertGroup, 'acknowledged' | 'notActionable' | 'incidentNumber' | 'silence'> => ({
  acknowledged: r.acknowledged_by !== null && r.acknowledged_at !== null ? { by: r.acknowledged_by, at: r.acknowledged_at } : null,
  notActionable: r.not_actionable_by !== null && r.not_actionable_at !== null ? { by: r.not_actionable_by, at: r.not_actionable_at } : null,
  incidentNumber: r.incident_number,
  silence: r.silence_id !== null && r.silence_until !== null ? { id: r.silence_id, until: r.silence_until, by: r.silenced_by ?? '' } : null,
});

export const toGroup = (r: GroupRow): AlertGroup => ({
  id: r.id,
  groupKey: r.group_key,
  receiver: r.receiver,
  groupLabels: JSON.parse(r.group_labels) as Labels,
  commonLabels: JSON.parse(r.common_labels) as Labels,
  commonAnnotations: JSON.parse(r.common_annotations) as Labels,
  externalUrl: r.external_url,
  truncatedAlerts: r.truncated_alerts,
  firstFiringAt: r.first_firing_at,
  lastDeliveryAt: r.last_delivery_at,
  version: r.version,
  firingCount: r.firing_count,
  ...handling(r),
});

/** A linked group as the written record sees it. */
export const toLinked = (g: AlertGroup): LinkedAlertGroup => ({
  id: g.id,
  title: g.commonLabels['alertname'] ?? g.groupLabels['alertname'] ?? g.groupKey,
  groupKey: g.groupKey,
  firstFiringAt: g.firstFiringAt,
  acknowledgedAt: g.acknowledged?.at ?? null,
  acknowledgedBy: g.acknowledged?.by ?? null,
  silenceId: g.silence?.id ?? null,
});

/**
 * A stored alert. Its annotations are parsed when first read: a card reads them for the few alerts it lists, and
 * parsing every one made the view of an 80,000-alert storm group take seconds.
 */
export function toAlert(r: AlertRow): GroupAlert {
  let annotations: Labels | undefined;
  const alert = {
    fingerprint: r.fingerprint,
    startsAt: r.starts_at,
    status: r.status === 'firing' ? 'firing' : 'resolved',
    endsAt: r.ends_at,
    labels: JSON.parse(r.labels) as Labels,
    generatorUrl: r.generator_url,
  } as const;
  return Object.defineProperty(alert, 'annotations', {
    enumerable: true,
    get: () => (annotations ??= JSON.parse(r.annotations) as Labels),
  }) as GroupAlert;
}

/** The group's fields a delivery writes (its key and time come separately). */
export function groupParams(p: WebhookPayload, now: number) {
  let firstFiringAt: number | null = null;
  for (const a of p.alerts) if (a.status === 'firing') firstFiringAt = Math.min(firstFiringAt ?? Infinity, a.startsAt ?? now);
  return {
    groupKey: p.groupKey,
    receiver: p.receiver,
    groupLabels: JSON.stringify(p.groupLabels),
    commonLabels: JSON.stringify(p.commonLabels),
    commonAnnotations: JSON.stringify(p.commonAnnotations),
    externalUrl: p.externalURL,
    truncated: p.truncatedAlerts,
    firstFiringAt,
    now,
  };
}

/** A fingerprint's latest row, as write() compares a delivered alert with it. */
export type ShownRow = Pick<AlertRow, 'fingerprint' | 'starts_at' | 'status' | 'ends_at' | 'labels' | 'annotations' | 'generator_url'>;
const SHOWN_COLUMNS = 'fingerprint, starts_at, status, ends_at, labels, annotations, generator_url';
/** A ShownRow read raw, its columns in SHOWN_COLUMNS order. */
type ShownTuple = [string, number, string, number | null, string, string, string];

/** The group's first firing after a delivery whose firing alerts start at @firstFiringAt (null: none firing). */
const FIRST_FIRING = 'COALESCE(MIN(first_firing_at, @firstFiringAt), first_firing_at, @firstFiringAt)';
/** Whether a delivery changes what the group shows (old values on the right of an UPDATE's SET). */
const GROUP_CHANGED = `@wrote OR receiver IS NOT @receiver OR group_labels IS NOT @groupLabels OR common_labels IS NOT @commonLabels
  OR common_annotations IS NOT @commonAnnotations OR external_url IS NOT @externalUrl OR truncated_alerts IS NOT @truncated
  OR firing_count IS NOT latest_firing OR first_firing_at IS NOT ${FIRST_FIRING}`;

/**
 * What finishDelivery returns: the columns a delivery does not set itself. The rest of the group (its labels,
 * annotations, receiver, URL) is what the delivery just wrote, taken from the payload: returning the whole row cost a
 * row object of 21 columns and three JSON.parse calls per delivery.
 */
const FINISHED_COLUMNS = `id, first_firing_at, version, firing_count, acknowledged_by, acknowledged_at, not_actionable_by, not_actionable_at,
  incident_number, silence_id, silence_until, silenced_by`;
type FinishedRow = Pick<GroupRow, 'id' | 'first_firing_at' | 'version' | 'firing_count' | 'acknowledged_by' | 'acknowledged_at' | 'not_actionable_by' | 'not_actionable_at' | 'incident_number' | 'silence_id' | 'silence_until' | 'silenced_by'>;

/** The group as a delivery of `p` at `now` left it: the payload's fields and the row's others (what toGroup would read back). */
const groupAfterDelivery = (p: WebhookPayload, now: number, r: FinishedRow): AlertGroup => ({
  id: r.id,
  groupKey: p.groupKey,
  receiver: p.receiver,
  groupLabels: p.groupLabels,
  commonLabels: p.commonLabels,
  commonAnnotations: p.commonAnnotations,
  externalUrl: p.externalURL,
  truncatedAlerts: p.truncatedAlerts,
  firstFiringAt: r.first_firing_at,
  lastDeliveryAt: now,
  version: r.version,
  firingCount: r.firing_count,
  ...handling(r),
});

/**
 * Groups with more latest rows than this many per delivered alert (plus a few) are compared alert by alert: a group
 * that once held a storm keeps its resolved fingerprints' rows, and a small delivery should not read them all.
 */
const READ_ALL_UP_TO = (alerts: number) => 2 * alerts + 64;

/** Whether the delivered alert says exactly what its latest row says (then nothing about it is written). */
export function sameAsShown(a: WebhookAlert, startsAt: number, labels: string, annotations: string, shown: ShownRow): boolean {
  return (
    shown.starts_at === startsAt &&
    shown.status === a.status &&
    shown.ends_at === a.endsAt &&
    shown.generator_url === a.generatorURL &&
    shown.labels === labels &&
    shown.annotations === annotations
  );
}

export class SqliteAlertStore implements AlertStore, AlertFacts {
  private readonly db: Db;
  private readonly s: Record<string, Statement>;
  /**
   * Per delivery being stored: the group's version before it, and whether any alert row was written. A delivery that
   * repeats the stored state (Alertmanager re-sends the whole group every group_interval) writes no alert row and
   * leaves the version, so no card is re-rendered for it.
   */
  private readonly progress = new WeakMap<OpenDelivery, { versionBefore: number; wrote: boolean; latestAlerts: number }>();
  /**
   * One transaction function for every transaction (a savepoint when nested): better-sqlite3's transaction() builds
   * four wrapper functions each time it is called, which was a measurable part of a webhook delivery's CPU.
   */
  private readonly atomically: Transaction<(work: () => unknown) => unknown>;
  /** Each fingerprint's latest row per group, so a delivery need not read them back (see shown-alerts-cache.ts). */
  private readonly shown = new ShownAlertsCache<ShownRow>();

  constructor(db: Db) {
    this.db = db;
    const c = db.$client;
    this.atomically = c.transaction((work: () => unknown) => work());
    this.s = {
      byKey: c.prepare('SELECT id, last_delivery_key, firing_count, version, latest_alerts FROM alert_groups WHERE group_key = ?'),
      byId: c.prepare('SELECT * FROM alert_groups WHERE id = ?'),
      insertGroup: c.prepare(`INSERT INTO alert_groups (group_key, receiver, group_labels, common_labels, common_annotations, external_url,
        truncated_alerts, first_firing_at, last_delivery_key, last_delivery_at, version, updated_at, firing_count)
        VALUES (@groupKey, @receiver, @groupLabels, @commonLabels, @commonAnnotations, @externalUrl, @truncated, NULL, @key, @now, 0, @now, 0)
        RETURNING id`),
      // One statement writes the delivery's group fields, its key and the firing count, and returns the row. The version
      // (what a card shows) moves only when the delivery changed something: alert rows (@wrote) or a group field.
      finishDelivery: c.prepare(`UPDATE alert_groups SET receiver = @receiver, group_labels = @groupLabels, common_labels = @commonLabels,
        common_annotations = @commonAnnotations, external_url = @externalUrl, truncated_alerts = @truncated,
        first_firing_at = ${FIRST_FIRING}, last_delivery_key = @key, last_delivery_at = @now,
        version = version + (${GROUP_CHANGED}), updated_at = CASE WHEN ${GROUP_CHANGED} THEN @now ELSE updated_at END,
        firing_count = latest_firing WHERE id = @id RETURNING ${FINISHED_COLUMNS}`),
      hasAlert: c.prepare('SELECT 1 FROM alerts WHERE group_id = ? AND fingerprint = ? AND starts_at = ?').pluck(),
      // A primary-key prefix lookup: a fingerprint has one row per firing, and one of them is its latest.
      latestOf: c.prepare(`SELECT ${SHOWN_COLUMNS} FROM alerts WHERE group_id = ? AND fingerprint = ? AND latest = 1`),
      // Every fingerprint's latest row at once, by the partial index: one statement instead of one per alert.
      // Raw rows: better-sqlite3 builds an object per row column by column, several times slower than shownRows' object literal.
      allLatest: c.prepare(`SELECT ${SHOWN_COLUMNS} FROM alerts WHERE group_id = ? AND latest = 1`).raw(),
      // Moves when another connection commits (https://www.sqlite.org/pragma.html#pragma_data_version).
      dataVersion: c.prepare('PRAGMA data_version').pluck(),
      unflagLatest: c.prepare('UPDATE alerts SET latest = 0 WHERE group_id = ? AND fingerprint = ? AND starts_at = ?'),
      upsertAlert: c.prepare(`INSERT INTO alerts (group_id, fingerprint, starts_at, status, ends_at, labels, annotations, generator_url, runbook_url, latest)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (group_id, fingerprint, starts_at) DO UPDATE SET status = excluded.status, ends_at = excluded.ends_at,
        labels = excluded.labels, annotations = excluded.annotations, generator_url = excluded.generator_url,
        runbook_url = excluded.runbook_url, latest = excluded.latest`),
      countAlerts: c.prepare('UPDATE alert_groups SET latest_alerts = latest_alerts + ?, latest_firing = latest_firing + ? WHERE id = ?'),
      countLabel: c.prepare(`INSERT INTO alert_label_counts (group_id, name, value, alerts) VALUES (?, ?, ?, ?)
        ON CONFLICT (group_id, name, value) DO UPDATE SET alerts = alerts + excluded.alerts`),
      labelCount: c.prepare('SELECT alerts FROM alert_label_counts WHERE group_id = ? AND name = ? AND value = ?').pluck(),
      counts: c.prepare('SELECT latest_alerts, latest_firing FROM alert_groups WHERE id = ?'),
      // The statements of digest(): each walks one partial index in order and stops at its LIMIT.
      firstOfStatus: c.prepare(`SELECT fingerprint, starts_at, status, ends_at, labels, annotations, generator_url FROM alerts
        WHERE group_id = ? AND latest = 1 AND status = ? ORDER BY starts_at, fingerprint LIMIT ?`),
      firstGenerator: c.prepare(`SELECT generator_url FROM alerts WHERE group_id = ? AND latest = 1 AND generator_url != ''
        ORDER BY starts_at, fingerprint LIMIT 1`).pluck(),
      firstRunbook: c.prepare(`SELECT runbook_url FROM alerts WHERE group_id = ? AND latest = 1 AND runbook_url != ''
        ORDER BY starts_at, fingerprint LIMIT 1`).pluck(),
      alertsOf: c.prepare('SELECT fingerprint, starts_at, status, ends_at, labels, annotations, generator_url FROM alerts WHERE group_id = ?'),
      saveGroup: c.prepare(`UPDATE alert_groups SET acknowledged_by = @acknowledgedBy, acknowledged_at = @acknowledgedAt,
        not_actionable_by = @notActionableBy, not_actionable_at = @notActionableAt, incident_number = @incidentNumber,
        silence_id = @silenceId, silence_until = @silenceUntil, silenced_by = @silencedBy, version = version + 1, updated_at = @now WHERE id = @id`),
      recent: c.prepare('SELECT * FROM alert_groups WHERE last_delivery_at >= ? ORDER BY last_delivery_at DESC, id DESC LIMIT ?'),
      ofIncident: c.prepare('SELECT * FROM alert_groups WHERE incident_number = ? ORDER BY id'),
      card: c.prepare('SELECT channel, message_id, version, claimed_at FROM alert_cards WHERE group_id = ? AND platform = ?'),
      claimInsert: c.prepare('INSERT OR IGNORE INTO alert_cards (group_id, platform, version, claimed_at) VALUES (?, ?, 0, ?)'),
      claimStale: c.prepare('UPDATE alert_cards SET claimed_at = ? WHERE group_id = ? AND platform = ? AND message_id IS NULL AND claimed_at < ?'),
      releaseClaim: c.prepare('UPDATE alert_cards SET claimed_at = 0 WHERE group_id = ? AND platform = ? AND message_id IS NULL'),
      startEpisode: c.prepare(`UPDATE alert_groups SET acknowledged_by = NULL, acknowledged_at = NULL, not_actionable_by = NULL,
        not_actionable_at = NULL, incident_number = NULL, silence_id = NULL, silence_until = NULL, silenced_by = NULL,
        first_firing_at = ?, version = version + 1, updated_at = ? WHERE id = ?`),
      incidentPhase: c.prepare('SELECT phase FROM incidents WHERE number = ?').pluck(),
      dropCards: c.prepare('DELETE FROM alert_cards WHERE group_id = ?'),
      noise: c.prepare(`SELECT COUNT(*) AS groups, COUNT(not_actionable_at) AS notActionable FROM alert_groups
        WHERE COALESCE(first_firing_at, last_delivery_at) >= ?`),
      saveCard: c.prepare(`INSERT INTO alert_cards (group_id, platform, channel, message_id, version, claimed_at) VALUES (?, ?, ?, ?, ?, 0)
        ON CONFLICT (group_id, platform) DO UPDATE SET channel = excluded.channel, message_id = excluded.message_id,
        version = MAX(alert_cards.version, excluded.version)`),
      stale: c.prepare(`SELECT g.id FROM alert_groups g LEFT JOIN alert_cards c ON c.group_id = g.id AND c.platform = ?
        WHERE g.updated_at >= ? AND (c.message_id IS NULL OR c.version < g.version) ORDER BY g.updated_at LIMIT ?`),
    };
  }

  async ingest(p: WebhookPayload, key: string, now: number, written?: WrittenEffects): Promise<IngestResult> {
    return this.inOneTransaction(() => this.withWritten([this.ingestNow(p, key, now)], written)[0]!);
  }

  async ingestBatch(deliveries: readonly { payload: WebhookPayload; key: string }[], now: number, written?: WrittenEffects): Promise<DeliveryOutcome[]> {
    const only = deliveries.length === 1 ? deliveries[0] : undefined;
    if (only) return this.ingestAlone(only, now, written);
    // Every delivery stores, nearly always: no savepoint each (two statements a delivery). One that throws rolls the
    // whole transaction back, and the batch is stored again with each delivery in a savepoint of its own.
    try {
      return this.inOneTransaction(() => {
        const results = deliveries.map((d) => this.ingestNow(d.payload, d.key, now));
        this.withWritten(results, written);
        return results.map((result): DeliveryOutcome => ({ ok: true, result }));
      });
    } catch {
      return this.ingestEachInSavepoint(deliveries, now, written);
    }
  }

  /** The batch again after a delivery failed in it: each delivery in its own savepoint, so one that fails is undone alone. */
  private ingestEachInSavepoint(deliveries: readonly { payload: WebhookPayload; key: string }[], now: number, written?: WrittenEffects): DeliveryOutcome[] {
    return this.inOneTransaction(() => {
      const each = deliveries.map((d): DeliveryOutcome => {
        try {
          // A nested transaction is a savepoint: a delivery that throws is rolled back alone.
          return { ok: true, result: this.inOneTransaction(() => this.ingestNow(d.payload, d.key, now)) };
        } catch (error) {
          return { ok: false, error };
        }
      });
      this.withWritten(each.flatMap((o) => (o.ok ? [o.result] : [])), written);
      return each;
    });
  }

  /**
   * A batch of one (every delivery when they come one at a time): the transaction is the delivery's own, so it needs
   * no savepoint (two more statements a commit). What the batch does is kept: the delivery failing rolls back its own
   * work and is its outcome; `written` or the commit failing fails the whole call.
   */
  private ingestAlone(d: { payload: WebhookPayload; key: string }, now: number, written: WrittenEffects | undefined): DeliveryOutcome[] {
    let own: { error: unknown } | undefined;
    try {
      return this.inOneTransaction(() => {
        let result: IngestResult;
        try {
          result = this.ingestNow(d.payload, d.key, now);
        } catch (error) {
          own = { error };
          throw error;
        }
        this.withWritten([result], written);
        return [{ ok: true, result }];
      });
    } catch (error) {
      if (own) return [{ ok: false, error: own.error }];
      throw error;
    }
  }

  /** Queues, in the caller's transaction, the outbox rows `written` asks for the deliveries that changed something. */
  private withWritten(results: IngestResult[], written: WrittenEffects | undefined): IngestResult[] {
    const changed = results.filter(changedSomething);
    if (written && changed.length > 0) writeOutbox(this.db.$client, written(changed));
    return results;
  }

  /** Runs `work` in one IMMEDIATE transaction (a savepoint when one is open). Synchronous: not part of the port. */
  inOneTransaction<T>(work: () => T): T {
    try {
      return this.atomically.immediate(work) as T;
    } catch (error) {
      // Rolled back (the transaction, or the savepoint when nested): the rows it wrote may be in the cache.
      this.shown.clear();
      throw error;
    }
  }

  private ingestNow(p: WebhookPayload, key: string, now: number): IngestResult {
    const opened = this.open(p, key, now);
    if ('duplicate' in opened) return opened.duplicate;
    // Written in the transaction that opened it: the group's count of alerts read then still holds.
    return this.finish(opened, p, key, now, this.write(opened, p.alerts, now, this.progress.get(opened)?.latestAlerts));
  }

  async openDelivery(p: WebhookPayload, key: string, now: number): Promise<OpenDelivery | { duplicate: IngestResult }> {
    return this.inOneTransaction(() => this.open(p, key, now));
  }

  async writeAlerts(open: OpenDelivery, alerts: readonly WebhookAlert[], now: number): Promise<GroupAlert[]> {
    return this.inOneTransaction(() => this.write(open, alerts, now));
  }

  async finishDelivery(open: OpenDelivery, p: WebhookPayload, key: string, now: number, newlyFiring: GroupAlert[], written?: WrittenEffects): Promise<IngestResult> {
    return this.inOneTransaction(() => this.withWritten([this.finish(open, p, key, now, newlyFiring)], written)[0]!);
  }

  /** A group that fires again after its incident closed (or with none) starts a new episode, in the delivery's transaction. */
  private settle(result: IngestResult, now: number): IngestResult {
    if (!result.firesAgain) return result;
    const n = result.group.incidentNumber;
    const phase = n === null ? undefined : (this.s['incidentPhase']!.get(n) as Phase | undefined);
    const start = newEpisodeStart(result, phase, now);
    if (start === null) return result;
    const group = this.startEpisodeNow(result.group.id, start, now);
    return group ? { ...result, group } : result;
  }

  // The three steps, run inside a transaction their caller opened.
  private open(p: WebhookPayload, key: string, now: number): OpenDelivery | { duplicate: IngestResult } {
    const existing = this.s['byKey']!.get(p.groupKey) as Pick<GroupRow, 'id' | 'last_delivery_key' | 'firing_count' | 'version' | 'latest_alerts'> | undefined;
    if (existing && existing.last_delivery_key === key) {
      return { duplicate: { group: this.groupNow(existing.id)!, duplicate: true, newlyFiring: [], becameResolved: false, firesAgain: false } };
    }
    if (existing) return this.opened({ groupId: existing.id, existed: true, firingBefore: existing.firing_count }, existing.version, false, existing.latest_alerts);
    // A new group is created without a delivery key: it gets one only when the whole delivery is stored.
    const id = (this.s['insertGroup']!.get({ ...groupParams(p, now), key: '' }) as { id: number }).id;
    return this.opened({ groupId: id, existed: false, firingBefore: 0 }, 0, true, 0);
  }

  private opened(open: OpenDelivery, versionBefore: number, wrote: boolean, latestAlerts: number): OpenDelivery {
    this.progress.set(open, { versionBefore, wrote, latestAlerts });
    return open;
  }

  /** The latest rows of the group by fingerprint, read at once when the group is not much larger than the delivery. */
  private shownRows(groupId: number, alerts: number, latestAlerts: number | undefined): ReadonlyMap<string, ShownRow> | undefined {
    const latest = latestAlerts ?? (this.s['counts']!.get(groupId) as Pick<GroupRow, 'latest_alerts'> | undefined)?.latest_alerts ?? 0;
    this.shown.check(this.s['dataVersion']!.get() as number);
    const kept = this.shown.get(groupId, latest);
    if (kept) return kept;
    if (latest > READ_ALL_UP_TO(alerts)) return undefined;
    const shown = new Map<string, ShownRow>();
    for (const r of this.s['allLatest']!.all(groupId) as ShownTuple[]) {
      shown.set(r[0], { fingerprint: r[0], starts_at: r[1], status: r[2], ends_at: r[3], labels: r[4], annotations: r[5], generator_url: r[6] });
    }
    this.shown.set(groupId, shown);
    return shown;
  }

  /**
   * Upserts the alerts and keeps the digest current: which row is each fingerprint's latest (the latest start wins;
   * a late-arriving earlier firing is stored but not shown), the group's counts and the label counts.
   */
  /** `latestAlerts`: the group's count of latest rows when the caller read it in this transaction (one read less). */
  private write(open: OpenDelivery, alerts: readonly WebhookAlert[], now: number, latestAlerts?: number): GroupAlert[] {
    const newlyFiring: GroupAlert[] = [];
    const id = open.groupId;
    const counts = new DigestCounts();
    const shownAll = this.shownRows(id, alerts.length, latestAlerts);
    const seen = new Set<string>();
    let wrote = false;
    for (const a of alerts) {
      const startsAt = a.startsAt ?? now;
      const labels = JSON.stringify(a.labels);
      const annotations = JSON.stringify(a.annotations);
      // Read at once before the first write, a row stands for its fingerprint only until that fingerprint is written
      // (a delivery listing one fingerprint twice reads the second time what the first wrote).
      const readBefore = shownAll !== undefined && !seen.has(a.fingerprint);
      const shown = readBefore ? shownAll.get(a.fingerprint) : (this.s['latestOf']!.get(id, a.fingerprint) as ShownRow | undefined);
      seen.add(a.fingerprint);
      if (shown && sameAsShown(a, startsAt, labels, annotations, shown)) continue;
      wrote = true;
      const placed = counts.place(a, startsAt, labels, shown);
      if (placed.unflag !== null) this.s['unflagLatest']!.run(id, a.fingerprint, placed.unflag);
      // A firing not stored before is news for the war room.
      const isNew = placed.isNew ?? this.s['hasAlert']!.get(id, a.fingerprint, startsAt) === undefined;
      if (a.status === 'firing' && isNew) {
        newlyFiring.push({ fingerprint: a.fingerprint, startsAt, status: 'firing', endsAt: a.endsAt, labels: a.labels, annotations: a.annotations, generatorUrl: a.generatorURL });
      }
      const runbook = a.annotations['runbook_url'] ?? '';
      this.s['upsertAlert']!.run(id, a.fingerprint, startsAt, a.status, a.endsAt, labels, annotations, a.generatorURL, runbook, placed.latest);
      if (placed.latest === 1) {
        this.shown.put(id, a.fingerprint, { fingerprint: a.fingerprint, starts_at: startsAt, status: a.status, ends_at: a.endsAt, labels, annotations, generator_url: a.generatorURL });
      }
    }
    const progress = this.progress.get(open);
    if (progress && wrote) progress.wrote = true;
    if (counts.fingerprints !== 0 || counts.firing !== 0) this.s['countAlerts']!.run(counts.fingerprints, counts.firing, id);
    for (const [name, value, by] of counts.labelChanges()) this.s['countLabel']!.run(id, name, value, by);
    return newlyFiring;
  }

  private finish(open: OpenDelivery, p: WebhookPayload, key: string, now: number, newlyFiring: GroupAlert[]): IngestResult {
    // Without its bookkeeping (an OpenDelivery this store did not open), the delivery counts as a change.
    const progress = this.progress.get(open) ?? { versionBefore: -1, wrote: true };
    const row = this.s['finishDelivery']!.get({ ...groupParams(p, now), key, id: open.groupId, wrote: progress.wrote ? 1 : 0 }) as FinishedRow;
    const firing = row.firing_count;
    const before = open.firingBefore;
    const result: IngestResult = { group: groupAfterDelivery(p, now, row), duplicate: false, newlyFiring, becameResolved: before > 0 && firing === 0, firesAgain: open.existed && before === 0 && firing > 0 };
    return this.settle(row.version === progress.versionBefore ? { ...result, unchanged: true } : result, now);
  }

  async group(id: number): Promise<AlertGroup | undefined> {
    return this.groupNow(id);
  }

  // The synchronous read, for use inside this store's transactions (better-sqlite3 runs them synchronously).
  private groupNow(id: number): AlertGroup | undefined {
    const row = this.s['byId']!.get(id) as GroupRow | undefined;
    return row && toGroup(row);
  }

  async recentGroups(since: number, limit: number): Promise<AlertGroup[]> {
    return (this.s['recent']!.all(since, limit) as GroupRow[]).map(toGroup);
  }

  async alerts(groupId: number): Promise<GroupAlert[]> {
    return (this.s['alertsOf']!.all(groupId) as AlertRow[]).map(toAlert);
  }

  async digest(groupId: number): Promise<AlertDigest> {
    const counts = this.s['counts']!.get(groupId) as Pick<GroupRow, 'latest_alerts' | 'latest_firing'> | undefined;
    const total = counts?.latest_alerts ?? 0;
    const firing = counts?.latest_firing ?? 0;
    const first = (status: string) => (this.s['firstOfStatus']!.all(groupId, status, CARD_ALERT_LIMIT) as AlertRow[]).map(toAlert);
    const firstFiring = firing > 0 ? first('firing') : [];
    const firstResolved = total > firing ? first('resolved') : [];
    // A label is shared when every fingerprint carries it, so only the earliest alert's need be looked up (in its
    // order, which is the order a card lists them in).
    const earliest = earliestAlert(firstFiring, firstResolved);
    const sharedLabels = earliest && Object.fromEntries(Object.entries(earliest.labels).filter(([k, v]) => this.s['labelCount']!.get(groupId, k, v) === total));
    return {
      firing,
      resolved: total - firing,
      firstFiring,
      firstResolved,
      sharedLabels,
      generatorUrl: (this.s['firstGenerator']!.get(groupId) as string | undefined) ?? undefined,
      runbookUrl: (this.s['firstRunbook']!.get(groupId) as string | undefined) ?? undefined,
    };
  }

  async updateGroup(id: number, now: number, change: (current: AlertGroup) => AlertGroup | null): Promise<AlertGroup | null> {
    return this.inOneTransaction(() => {
      const current = this.groupNow(id);
      const next = current && change(current);
      if (!next) return null;
      this.s['saveGroup']!.run({
        id,
        now,
        acknowledgedBy: next.acknowledged?.by ?? null,
        acknowledgedAt: next.acknowledged?.at ?? null,
        notActionableBy: next.notActionable?.by ?? null,
        notActionableAt: next.notActionable?.at ?? null,
        incidentNumber: next.incidentNumber,
        silenceId: next.silence?.id ?? null,
        silenceUntil: next.silence?.until ?? null,
        silencedBy: next.silence?.by ?? null,
      });
      return this.groupNow(id) ?? null;
    });
  }

  async groupsOfIncident(incidentNumber: number): Promise<AlertGroup[]> {
    return this.groupsOfIncidentNow(incidentNumber);
  }

  private groupsOfIncidentNow(incidentNumber: number): AlertGroup[] {
    return (this.s['ofIncident']!.all(incidentNumber) as GroupRow[]).map(toGroup);
  }

  async linkedTo(incidentNumber: number): Promise<LinkedAlertGroup[]> {
    return this.groupsOfIncidentNow(incidentNumber).map(toLinked);
  }

  async noiseSince(since: number): Promise<{ groups: number; notActionable: number }> {
    return this.s['noise']!.get(since) as { groups: number; notActionable: number };
  }

  async card(groupId: number, platform: Platform): Promise<(CardRef & { version: number }) | undefined> {
    const row = this.s['card']!.get(groupId, platform) as { channel: string | null; message_id: string | null; version: number } | undefined;
    return row?.channel && row.message_id ? { channel: row.channel, messageId: row.message_id, version: row.version } : undefined;
  }

  async claimCard(groupId: number, platform: Platform, now: number, staleMs: number): Promise<boolean> {
    return this.inOneTransaction(() => {
      if (this.s['claimInsert']!.run(groupId, platform, now).changes === 1) return true;
      return this.s['claimStale']!.run(now, groupId, platform, now - staleMs).changes === 1;
    });
  }

  async releaseCardClaim(groupId: number, platform: Platform): Promise<void> {
    this.s['releaseClaim']!.run(groupId, platform);
  }

  async startEpisode(groupId: number, firstFiringAt: number, now: number): Promise<AlertGroup | null> {
    return this.startEpisodeNow(groupId, firstFiringAt, now);
  }

  private startEpisodeNow(groupId: number, firstFiringAt: number, now: number): AlertGroup | null {
    return this.inOneTransaction(() => {
      if (this.s['startEpisode']!.run(firstFiringAt, now, groupId).changes === 0) return null;
      this.s['dropCards']!.run(groupId);
      return this.groupNow(groupId) ?? null;
    });
  }

  async saveCard(groupId: number, platform: Platform, card: CardRef, version: number): Promise<void> {
    this.s['saveCard']!.run(groupId, platform, card.channel, card.messageId, version);
  }

  async staleCards(platforms: readonly Platform[], since: number, limit: number): Promise<number[]> {
    const ids = new Set<number>();
    for (const platform of platforms) {
      for (const row of this.s['stale']!.all(platform, since, limit) as { id: number }[]) ids.add(row.id);
    }
    return [...ids].slice(0, limit);
  }
}
