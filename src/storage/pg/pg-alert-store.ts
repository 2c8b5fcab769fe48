/**
 * AlertStore on PostgreSQL, doing what the SQLite store does (../sqlite-alert-store.ts) in the same transactions: a
 * delivery locks its group row (FOR UPDATE) for its transaction, so two replicas storing deliveries of one group apply
 * them one after the other; a group created by two replicas at once is inserted once (ON CONFLICT on group_key) and
 * the loser locks the winner's row. A delivery that makes a group fire again starts its new episode, and the outbox
 * rows `written` asks for are queued, in the delivery's own transaction.
 */
import type pg from 'pg';
import type { AlertDigest, AlertGroup, GroupAlert, Labels } from '../../alerts/alert-group.ts';
import { CARD_ALERT_LIMIT, earliestAlert } from '../../alerts/alert-rules.ts';
import type { WebhookAlert, WebhookPayload } from '../../alertmanager/alertmanager-payload.ts';
import { newEpisodeStart } from '../../alerts/episodes.ts';
import { type AlertStore, type CardRef, changedSomething, type DeliveryOutcome, type IngestResult, type OpenDelivery, type WrittenEffects } from '../../alerts/ports.ts';
import type { Platform } from '../../incidents/incident.ts';
import type { Phase } from '../../incidents/phases.ts';
import type { AlertFacts, LinkedAlertGroup } from '../../incidents/ports.ts';
import { type AlertRow, type GroupRow, groupParams, sameAsShown, type ShownRow, toAlert, toGroup, toLinked } from '../sqlite-alert-store.ts';
import { DigestCounts } from '../alert-digest-counts.ts';
import { inTransaction } from './pg-database.ts';
import { type Sql, writeOutboxPg } from './pg-sql.ts';

const ALERT_COLUMNS = 'fingerprint, starts_at, status, ends_at, labels, annotations, generator_url';

/** Code-point order: the same on every replica, whatever its locale. */
const byGroupKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class PgAlertStore implements AlertStore, AlertFacts {
  private readonly pool: pg.Pool;
  /** Per delivery being stored: the version before it and whether an alert row was written (as on SQLite). */
  private readonly progress = new WeakMap<OpenDelivery, { versionBefore: number; wrote: boolean }>();

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  ingest(p: WebhookPayload, key: string, now: number, written?: WrittenEffects): Promise<IngestResult> {
    return inTransaction(this.pool, async (client) => {
      const result = await this.ingestNow(client, p, key, now);
      await this.withWritten(client, [result], written);
      return result;
    });
  }

  /**
   * One transaction, each delivery in its own savepoint: one that throws is rolled back alone (as on SQLite). Each
   * delivery locks its group row until the commit, so deliveries are stored in group-key order (a stable sort keeps a
   * group's own deliveries in arrival order): two replicas' batches over the same groups then lock them in the same
   * order, where batches taking A then B and B then A deadlocked (40P01). Outcomes keep the order they were given in.
   */
  ingestBatch(deliveries: readonly { payload: WebhookPayload; key: string }[], now: number, written?: WrittenEffects): Promise<DeliveryOutcome[]> {
    const order = deliveries.map((_, i) => i).sort((a, b) => byGroupKey(deliveries[a]!.payload.groupKey, deliveries[b]!.payload.groupKey));
    return inTransaction(this.pool, async (client) => {
      const each: DeliveryOutcome[] = new Array<DeliveryOutcome>(deliveries.length);
      const stored: IngestResult[] = [];
      for (const i of order) {
        const d = deliveries[i]!;
        await client.query('SAVEPOINT delivery');
        try {
          const result = await this.ingestNow(client, d.payload, d.key, now);
          await client.query('RELEASE SAVEPOINT delivery');
          each[i] = { ok: true, result };
          stored.push(result);
        } catch (error) {
          await client.query('ROLLBACK TO SAVEPOINT delivery');
          each[i] = { ok: false, error };
        }
      }
      // In the order stored, so the outbox rows are written in group order too.
      await this.withWritten(client, stored, written);
      return each;
    });
  }

  /** Queues, in the caller's transaction, the outbox rows `written` asks for the deliveries that changed something. */
  private async withWritten(client: pg.PoolClient, results: readonly IngestResult[], written: WrittenEffects | undefined): Promise<void> {
    const changed = results.filter(changedSomething);
    if (written && changed.length > 0) await writeOutboxPg(client, written(changed));
  }

  private async ingestNow(client: pg.PoolClient, p: WebhookPayload, key: string, now: number): Promise<IngestResult> {
    const opened = await this.open(client, p, key, now);
    if ('duplicate' in opened) return opened.duplicate;
    return this.finish(client, opened, p, key, now, await this.write(client, opened, p.alerts, now));
  }

  openDelivery(p: WebhookPayload, key: string, now: number): Promise<OpenDelivery | { duplicate: IngestResult }> {
    return inTransaction(this.pool, (client) => this.open(client, p, key, now));
  }

  writeAlerts(open: OpenDelivery, alerts: readonly WebhookAlert[], now: number): Promise<GroupAlert[]> {
    return inTransaction(this.pool, (client) => this.write(client, open, alerts, now));
  }

  finishDelivery(open: OpenDelivery, p: WebhookPayload, key: string, now: number, newlyFiring: GroupAlert[], written?: WrittenEffects): Promise<IngestResult> {
    return inTransaction(this.pool, async (client) => {
      const result = await this.finish(client, open, p, key, now, newlyFiring);
      await this.withWritten(client, [result], written);
      return result;
    });
  }

  /** A group that fires again after its incident closed (or with none) starts a new episode, in the delivery's transaction. */
  private async settle(client: pg.PoolClient, result: IngestResult, now: number): Promise<IngestResult> {
    if (!result.firesAgain) return result;
    const n = result.group.incidentNumber;
    const phase = n === null ? undefined : (await client.query<{ phase: Phase }>({ name: 'alert-incident-phase', text: 'SELECT phase FROM incidents WHERE number = $1', values: [n] })).rows[0]?.phase;
    const start = newEpisodeStart(result, phase, now);
    if (start === null) return result;
    const group = await this.startEpisodeIn(client, result.group.id, start, now);
    return group ? { ...result, group } : result;
  }

  private async open(client: pg.PoolClient, p: WebhookPayload, key: string, now: number): Promise<OpenDelivery | { duplicate: IngestResult }> {
    const g = groupParams(p, now);
    // A new group is created without a delivery key: it gets one only when the whole delivery is stored.
    const created = await client.query<{ id: number }>({
      name: 'alert-group-insert',
      text: `INSERT INTO alert_groups (group_key, receiver, group_labels, common_labels, common_annotations, external_url,
        truncated_alerts, first_firing_at, last_delivery_key, last_delivery_at, version, updated_at, firing_count)
        VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, '', $8, 0, $8, 0) ON CONFLICT (group_key) DO NOTHING RETURNING id`,
      values: [g.groupKey, g.receiver, g.groupLabels, g.commonLabels, g.commonAnnotations, g.externalUrl, g.truncated, now],
    });
    if (created.rows[0]) return this.opened({ groupId: created.rows[0].id, existed: false, firingBefore: 0 }, 0, true);
    const existing = (
      await client.query<{ id: number; last_delivery_key: string; firing_count: number; version: number }>({
        name: 'alert-group-lock-version',
        text: 'SELECT id, last_delivery_key, firing_count, version FROM alert_groups WHERE group_key = $1 FOR UPDATE',
        values: [p.groupKey],
      })
    ).rows[0]!;
    if (existing.last_delivery_key === key) {
      const group = (await this.groupIn(client, existing.id))!;
      return { duplicate: { group, duplicate: true, newlyFiring: [], becameResolved: false, firesAgain: false } };
    }
    return this.opened({ groupId: existing.id, existed: true, firingBefore: existing.firing_count }, existing.version, false);
  }

  private opened(open: OpenDelivery, versionBefore: number, wrote: boolean): OpenDelivery {
    this.progress.set(open, { versionBefore, wrote });
    return open;
  }

  /**
   * Upserts the alerts and keeps the digest current, as on SQLite (../sqlite-alert-store.ts): which row is each
   * fingerprint's latest (the latest start wins; a late earlier firing is stored but not shown), the group's counts
   * and the label counts. The group row is locked by open(), so two replicas never count one delivery's alerts twice.
   */
  private async write(client: pg.PoolClient, open: OpenDelivery, alerts: readonly WebhookAlert[], now: number): Promise<GroupAlert[]> {
    const newlyFiring: GroupAlert[] = [];
    const id = open.groupId;
    const counts = new DigestCounts();
    let wrote = false;
    for (const a of alerts) {
      const startsAt = a.startsAt ?? now;
      const labels = JSON.stringify(a.labels);
      const annotations = JSON.stringify(a.annotations);
      const shown = (
        await client.query<ShownRow>({
          name: 'alert-latest-row-of',
          text: `SELECT ${ALERT_COLUMNS} FROM alerts WHERE group_id = $1 AND fingerprint = $2 AND latest = 1`,
          values: [id, a.fingerprint],
        })
      ).rows[0];
      // An alert that says what its latest row says is not written again (Alertmanager re-sends whole groups).
      if (shown && sameAsShown(a, startsAt, labels, annotations, shown)) continue;
      wrote = true;
      const placed = counts.place(a, startsAt, labels, shown);
      if (placed.unflag !== null) {
        await client.query({ name: 'alert-unflag-latest', text: 'UPDATE alerts SET latest = 0 WHERE group_id = $1 AND fingerprint = $2 AND starts_at = $3', values: [id, a.fingerprint, placed.unflag] });
      }
      const isNew =
        placed.isNew ??
        (await client.query({ name: 'alert-has', text: 'SELECT 1 FROM alerts WHERE group_id = $1 AND fingerprint = $2 AND starts_at = $3', values: [id, a.fingerprint, startsAt] })).rowCount === 0;
      if (a.status === 'firing' && isNew) {
        newlyFiring.push({ fingerprint: a.fingerprint, startsAt, status: 'firing', endsAt: a.endsAt, labels: a.labels, annotations: a.annotations, generatorUrl: a.generatorURL });
      }
      await client.query({
        name: 'alert-upsert',
        text: `INSERT INTO alerts (group_id, fingerprint, starts_at, status, ends_at, labels, annotations, generator_url, runbook_url, latest)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
          ON CONFLICT (group_id, fingerprint, starts_at) DO UPDATE SET status = excluded.status, ends_at = excluded.ends_at,
          labels = excluded.labels, annotations = excluded.annotations, generator_url = excluded.generator_url,
          runbook_url = excluded.runbook_url, latest = excluded.latest`,
        values: [id, a.fingerprint, startsAt, a.status, a.endsAt, labels, annotations, a.generatorURL, a.annotations['runbook_url'] ?? '', placed.latest],
      });
    }
    if (counts.fingerprints !== 0 || counts.firing !== 0) {
      await client.query({
        name: 'alert-count',
        text: 'UPDATE alert_groups SET latest_alerts = latest_alerts + $1, latest_firing = latest_firing + $2 WHERE id = $3',
        values: [counts.fingerprints, counts.firing, id],
      });
    }
    const progress = this.progress.get(open);
    if (progress && wrote) progress.wrote = true;
    for (const [name, value, by] of counts.labelChanges()) {
      await client.query({
        name: 'alert-count-label',
        text: `INSERT INTO alert_label_counts (group_id, name, value, alerts) VALUES ($1, $2, $3, $4)
          ON CONFLICT (group_id, name, value) DO UPDATE SET alerts = alert_label_counts.alerts + excluded.alerts`,
        values: [id, name, value, by],
      });
    }
    return newlyFiring;
  }

  private async finish(client: pg.PoolClient, open: OpenDelivery, p: WebhookPayload, key: string, now: number, newlyFiring: GroupAlert[]): Promise<IngestResult> {
    const g = groupParams(p, now);
    const progress = this.progress.get(open) ?? { versionBefore: -1, wrote: true };
    // The version (what a card shows) moves only when something changed, as on SQLite (old values on the right of SET).
    const changed = `$11 OR receiver IS DISTINCT FROM $2 OR group_labels::text IS DISTINCT FROM $3::json::text OR common_labels::text IS DISTINCT FROM $4::json::text
      OR common_annotations::text IS DISTINCT FROM $5::json::text OR external_url IS DISTINCT FROM $6 OR truncated_alerts IS DISTINCT FROM $7
      OR firing_count IS DISTINCT FROM latest_firing OR first_firing_at IS DISTINCT FROM LEAST(first_firing_at, $8)`;
    const r = await client.query<GroupRow>({
      name: 'alert-finish-if-changed',
      text: `UPDATE alert_groups SET receiver = $2, group_labels = $3, common_labels = $4, common_annotations = $5, external_url = $6,
        truncated_alerts = $7, first_firing_at = LEAST(first_firing_at, $8), last_delivery_key = $9, last_delivery_at = $10,
        version = version + CASE WHEN ${changed} THEN 1 ELSE 0 END, updated_at = CASE WHEN ${changed} THEN $10 ELSE updated_at END,
        firing_count = latest_firing WHERE id = $1 RETURNING *`,
      values: [open.groupId, g.receiver, g.groupLabels, g.commonLabels, g.commonAnnotations, g.externalUrl, g.truncated, g.firstFiringAt, key, now, progress.wrote],
    });
    const row = r.rows[0]!;
    const before = open.firingBefore;
    const firing = row.firing_count;
    const result: IngestResult = { group: toGroup(row), duplicate: false, newlyFiring, becameResolved: before > 0 && firing === 0, firesAgain: open.existed && before === 0 && firing > 0 };
    return this.settle(client, row.version === progress.versionBefore ? { ...result, unchanged: true } : result, now);
  }

  /** What a card shows, from the counts kept by write() and at most ~25 alert rows (the partial indexes), as on SQLite. */
  async digest(groupId: number): Promise<AlertDigest> {
    const sql = this.pool;
    const counts = (await sql.query<Pick<GroupRow, 'latest_alerts' | 'latest_firing'>>({ name: 'alert-counts', text: 'SELECT latest_alerts, latest_firing FROM alert_groups WHERE id = $1', values: [groupId] })).rows[0];
    const total = counts?.latest_alerts ?? 0;
    const firing = counts?.latest_firing ?? 0;
    const first = async (status: string) =>
      (
        await sql.query<AlertRow>({
          name: 'alert-first-of-status',
          text: `SELECT ${ALERT_COLUMNS} FROM alerts WHERE group_id = $1 AND latest = 1 AND status = $2 ORDER BY starts_at, fingerprint LIMIT $3`,
          values: [groupId, status, CARD_ALERT_LIMIT],
        })
      ).rows.map(toAlert);
    const firstFiring = firing > 0 ? await first('firing') : [];
    const firstResolved = total > firing ? await first('resolved') : [];
    const earliest = earliestAlert(firstFiring, firstResolved);
    // A label is shared when every fingerprint carries it, so only the earliest alert's are looked up.
    let sharedLabels: Labels | undefined;
    if (earliest) {
      const shared: Record<string, string> = {};
      for (const [name, value] of Object.entries(earliest.labels)) {
        const r = await sql.query<{ alerts: number }>({ name: 'alert-label-count', text: 'SELECT alerts FROM alert_label_counts WHERE group_id = $1 AND name = $2 AND value = $3', values: [groupId, name, value] });
        if (r.rows[0]?.alerts === total) shared[name] = value;
      }
      sharedLabels = shared;
    }
    const firstLink = async (column: 'generator_url' | 'runbook_url') => {
      const r = await sql.query<{ url: string }>({
        name: `alert-first-${column}`,
        text: `SELECT ${column} AS url FROM alerts WHERE group_id = $1 AND latest = 1 AND ${column} != '' ORDER BY starts_at, fingerprint LIMIT 1`,
        values: [groupId],
      });
      return r.rows[0]?.url;
    };
    return { firing, resolved: total - firing, firstFiring, firstResolved, sharedLabels, generatorUrl: await firstLink('generator_url'), runbookUrl: await firstLink('runbook_url') };
  }

  group(id: number): Promise<AlertGroup | undefined> {
    return this.groupIn(this.pool, id);
  }

  private async groupIn(sql: Sql, id: number): Promise<AlertGroup | undefined> {
    const r = await sql.query<GroupRow>({ name: 'alert-group', text: 'SELECT * FROM alert_groups WHERE id = $1', values: [id] });
    return r.rows[0] && toGroup(r.rows[0]);
  }

  async recentGroups(since: number, limit: number): Promise<AlertGroup[]> {
    const r = await this.pool.query<GroupRow>('SELECT * FROM alert_groups WHERE last_delivery_at >= $1 ORDER BY last_delivery_at DESC, id DESC LIMIT $2', [since, limit]);
    return r.rows.map(toGroup);
  }

  async alerts(groupId: number): Promise<GroupAlert[]> {
    const r = await this.pool.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE group_id = $1`, [groupId]);
    return r.rows.map(toAlert);
  }

  updateGroup(id: number, now: number, change: (current: AlertGroup) => AlertGroup | null): Promise<AlertGroup | null> {
    return inTransaction(this.pool, async (client) => {
      const locked = await client.query<GroupRow>('SELECT * FROM alert_groups WHERE id = $1 FOR UPDATE', [id]);
      const next = locked.rows[0] && change(toGroup(locked.rows[0]));
      if (!next) return null;
      const r = await client.query<GroupRow>(
        `UPDATE alert_groups SET acknowledged_by = $2, acknowledged_at = $3, not_actionable_by = $4, not_actionable_at = $5, incident_number = $6,
          silence_id = $7, silence_until = $8, silenced_by = $9, version = version + 1, updated_at = $10 WHERE id = $1 RETURNING *`,
        [
          id,
          next.acknowledged?.by ?? null,
          next.acknowledged?.at ?? null,
          next.notActionable?.by ?? null,
          next.notActionable?.at ?? null,
          next.incidentNumber,
          next.silence?.id ?? null,
          next.silence?.until ?? null,
          next.silence?.by ?? null,
          now,
        ],
      );
      return toGroup(r.rows[0]!);
    });
  }

  async groupsOfIncident(incidentNumber: number): Promise<AlertGroup[]> {
    const r = await this.pool.query<GroupRow>('SELECT * FROM alert_groups WHERE incident_number = $1 ORDER BY id', [incidentNumber]);
    return r.rows.map(toGroup);
  }

  async linkedTo(incidentNumber: number): Promise<LinkedAlertGroup[]> {
    return (await this.groupsOfIncident(incidentNumber)).map(toLinked);
  }

  async noiseSince(since: number): Promise<{ groups: number; notActionable: number }> {
    const r = await this.pool.query<{ groups: number; notActionable: number }>(
      'SELECT COUNT(*) AS groups, COUNT(not_actionable_at) AS "notActionable" FROM alert_groups WHERE COALESCE(first_firing_at, last_delivery_at) >= $1',
      [since],
    );
    return r.rows[0]!;
  }

  async card(groupId: number, platform: Platform): Promise<(CardRef & { version: number }) | undefined> {
    const r = await this.pool.query<{ channel: string | null; message_id: string | null; version: number }>({
      name: 'alert-card',
      text: 'SELECT channel, message_id, version FROM alert_cards WHERE group_id = $1 AND platform = $2',
      values: [groupId, platform],
    });
    const row = r.rows[0];
    return row?.channel && row.message_id ? { channel: row.channel, messageId: row.message_id, version: row.version } : undefined;
  }

  /** The (group, platform) key decides between replicas: an insert, or taking over a stale claim with no card. */
  claimCard(groupId: number, platform: Platform, now: number, staleMs: number): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const inserted = await client.query('INSERT INTO alert_cards (group_id, platform, version, claimed_at) VALUES ($1, $2, 0, $3) ON CONFLICT DO NOTHING', [groupId, platform, now]);
      if (inserted.rowCount === 1) return true;
      const stale = await client.query('UPDATE alert_cards SET claimed_at = $1 WHERE group_id = $2 AND platform = $3 AND message_id IS NULL AND claimed_at < $4', [
        now,
        groupId,
        platform,
        now - staleMs,
      ]);
      return stale.rowCount === 1;
    });
  }

  async releaseCardClaim(groupId: number, platform: Platform): Promise<void> {
    await this.pool.query('UPDATE alert_cards SET claimed_at = 0 WHERE group_id = $1 AND platform = $2 AND message_id IS NULL', [groupId, platform]);
  }

  startEpisode(groupId: number, firstFiringAt: number, now: number): Promise<AlertGroup | null> {
    return inTransaction(this.pool, (client) => this.startEpisodeIn(client, groupId, firstFiringAt, now));
  }

  private async startEpisodeIn(client: pg.PoolClient, groupId: number, firstFiringAt: number, now: number): Promise<AlertGroup | null> {
    const r = await client.query<GroupRow>(
      `UPDATE alert_groups SET acknowledged_by = NULL, acknowledged_at = NULL, not_actionable_by = NULL, not_actionable_at = NULL, incident_number = NULL,
        silence_id = NULL, silence_until = NULL, silenced_by = NULL, first_firing_at = $1, version = version + 1, updated_at = $2 WHERE id = $3 RETURNING *`,
      [firstFiringAt, now, groupId],
    );
    if (!r.rows[0]) return null;
    await client.query('DELETE FROM alert_cards WHERE group_id = $1', [groupId]);
    return toGroup(r.rows[0]);
  }

  async saveCard(groupId: number, platform: Platform, card: CardRef, version: number): Promise<void> {
    await this.pool.query({
      name: 'alert-save-card',
      text: `INSERT INTO alert_cards (group_id, platform, channel, message_id, version, claimed_at) VALUES ($1, $2, $3, $4, $5, 0)
        ON CONFLICT (group_id, platform) DO UPDATE SET channel = excluded.channel, message_id = excluded.message_id,
        version = GREATEST(alert_cards.version, excluded.version)`,
      values: [groupId, platform, card.channel, card.messageId, version],
    });
  }

  async staleCards(platforms: readonly Platform[], since: number, limit: number): Promise<number[]> {
    const ids = new Set<number>();
    for (const platform of platforms) {
      const r = await this.pool.query<{ id: number }>({
        name: 'alert-stale-cards',
        text: `SELECT g.id FROM alert_groups g LEFT JOIN alert_cards c ON c.group_id = g.id AND c.platform = $1
          WHERE g.updated_at >= $2 AND (c.message_id IS NULL OR c.version < g.version) ORDER BY g.updated_at LIMIT $3`,
        values: [platform, since, limit],
      });
      for (const row of r.rows) ids.add(row.id);
    }
    return [...ids].slice(0, limit);
  }
}
