/**
 * AlertStore on PostgreSQL. A delivery locks its group row (FOR UPDATE) for its transaction, so two replicas storing
 * deliveries of one group apply them one after the other; a group created by two replicas at once is inserted once
 * (ON CONFLICT on group_key) and the loser locks the winner's row. inOneTransaction runs its work on one connection
 * (found through AsyncLocalStorage by the store calls inside it), each of them in a savepoint.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import type { AlertGroup, GroupAlert } from '../../alerts/alert-group.ts';
import type { WebhookAlert, WebhookPayload } from '../../alerts/alertmanager-payload.ts';
import type { AlertStore, CardRef, IngestResult, OpenDelivery } from '../../alerts/ports.ts';
import type { Platform } from '../../incidents/incident.ts';
import type { AlertFacts, LinkedAlertGroup } from '../../incidents/ports.ts';
import { type AlertRow, type GroupRow, groupParams, toAlert, toGroup, toLinked } from '../sqlite-alert-store.ts';
import { inTransaction } from './pg-database.ts';
import type { Async, Sql } from './pg-sql.ts';

/** Alerts whose latest firing (by start) is still firing: DISTINCT ON keeps the first row of each fingerprint. */
const FIRING_COUNT = `SELECT COUNT(*) FROM (SELECT DISTINCT ON (fingerprint) status FROM alerts WHERE group_id = $1
  ORDER BY fingerprint, starts_at DESC) latest WHERE status = 'firing'`;

type Store = Omit<Async<AlertStore>, 'inOneTransaction'> & Async<AlertFacts>;

export class PgAlertStore implements Store {
  private readonly pool: pg.Pool;
  private readonly tx = new AsyncLocalStorage<pg.PoolClient>();
  private savepoints = 0;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** The connection of the transaction this call runs in, else the pool. */
  private sql(): Sql {
    return this.tx.getStore() ?? this.pool;
  }

  /** `work` in its own transaction, or in a savepoint of the enclosing inOneTransaction (undone alone if it throws). */
  private async atomic<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const outer = this.tx.getStore();
    if (!outer) return inTransaction(this.pool, (client) => this.tx.run(client, () => work(client)));
    const savepoint = `s${(this.savepoints += 1)}`;
    await outer.query(`SAVEPOINT ${savepoint}`);
    try {
      const result = await work(outer);
      await outer.query(`RELEASE SAVEPOINT ${savepoint}`);
      return result;
    } catch (e) {
      await outer.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
      throw e;
    }
  }

  inOneTransaction<T>(work: () => T | Promise<T>): Promise<T> {
    return this.atomic(async () => work());
  }

  ingest(p: WebhookPayload, key: string, now: number): Promise<IngestResult> {
    return this.atomic(async (client) => {
      const opened = await this.open(client, p, key, now);
      if ('duplicate' in opened) return opened.duplicate;
      return this.finish(client, opened, p, key, now, await this.write(client, opened, p.alerts, now));
    });
  }

  openDelivery(p: WebhookPayload, key: string, now: number): Promise<OpenDelivery | { duplicate: IngestResult }> {
    return this.atomic((client) => this.open(client, p, key, now));
  }

  writeAlerts(open: OpenDelivery, alerts: readonly WebhookAlert[], now: number): Promise<GroupAlert[]> {
    return this.atomic((client) => this.write(client, open, alerts, now));
  }

  finishDelivery(open: OpenDelivery, p: WebhookPayload, key: string, now: number, newlyFiring: GroupAlert[]): Promise<IngestResult> {
    return this.atomic((client) => this.finish(client, open, p, key, now, newlyFiring));
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
    if (created.rows[0]) return { groupId: created.rows[0].id, existed: false, firingBefore: 0 };
    const existing = (
      await client.query<{ id: number; last_delivery_key: string; firing_count: number }>({
        name: 'alert-group-lock',
        text: 'SELECT id, last_delivery_key, firing_count FROM alert_groups WHERE group_key = $1 FOR UPDATE',
        values: [p.groupKey],
      })
    ).rows[0]!;
    if (existing.last_delivery_key === key) {
      const group = (await this.group(existing.id))!;
      return { duplicate: { group, duplicate: true, newlyFiring: [], becameResolved: false, firesAgain: false } };
    }
    return { groupId: existing.id, existed: true, firingBefore: existing.firing_count };
  }

  private async write(client: pg.PoolClient, open: OpenDelivery, alerts: readonly WebhookAlert[], now: number): Promise<GroupAlert[]> {
    const newlyFiring: GroupAlert[] = [];
    for (const a of alerts) {
      const startsAt = a.startsAt ?? now;
      // xmax = 0 on the returned row: it was inserted, not updated (a firing not stored before is news for the war room).
      const r = await client.query<{ inserted: boolean }>({
        name: 'alert-upsert',
        text: `INSERT INTO alerts (group_id, fingerprint, starts_at, status, ends_at, labels, annotations, generator_url)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
          ON CONFLICT (group_id, fingerprint, starts_at) DO UPDATE SET status = excluded.status, ends_at = excluded.ends_at,
          labels = excluded.labels, annotations = excluded.annotations, generator_url = excluded.generator_url RETURNING (xmax = 0) AS inserted`,
        values: [open.groupId, a.fingerprint, startsAt, a.status, a.endsAt, JSON.stringify(a.labels), JSON.stringify(a.annotations), a.generatorURL],
      });
      if (a.status === 'firing' && r.rows[0]?.inserted) {
        newlyFiring.push({ fingerprint: a.fingerprint, startsAt, status: 'firing', endsAt: a.endsAt, labels: a.labels, annotations: a.annotations, generatorUrl: a.generatorURL });
      }
    }
    return newlyFiring;
  }

  private async finish(client: pg.PoolClient, open: OpenDelivery, p: WebhookPayload, key: string, now: number, newlyFiring: GroupAlert[]): Promise<IngestResult> {
    const g = groupParams(p, now);
    const r = await client.query<GroupRow>({
      name: 'alert-finish',
      text: `UPDATE alert_groups SET receiver = $2, group_labels = $3, common_labels = $4, common_annotations = $5, external_url = $6,
        truncated_alerts = $7, first_firing_at = LEAST(first_firing_at, $8), last_delivery_key = $9, last_delivery_at = $10,
        version = version + 1, updated_at = $10, firing_count = (${FIRING_COUNT}) WHERE id = $1 RETURNING *`,
      values: [open.groupId, g.receiver, g.groupLabels, g.commonLabels, g.commonAnnotations, g.externalUrl, g.truncated, g.firstFiringAt, key, now],
    });
    const row = r.rows[0]!;
    const before = open.firingBefore;
    const firing = row.firing_count;
    return { group: toGroup(row), duplicate: false, newlyFiring, becameResolved: before > 0 && firing === 0, firesAgain: open.existed && before === 0 && firing > 0 };
  }

  async group(id: number): Promise<AlertGroup | undefined> {
    const r = await this.sql().query<GroupRow>({ name: 'alert-group', text: 'SELECT * FROM alert_groups WHERE id = $1', values: [id] });
    return r.rows[0] && toGroup(r.rows[0]);
  }

  async recentGroups(since: number, limit: number): Promise<AlertGroup[]> {
    const r = await this.sql().query<GroupRow>('SELECT * FROM alert_groups WHERE last_delivery_at >= $1 ORDER BY last_delivery_at DESC, id DESC LIMIT $2', [since, limit]);
    return r.rows.map(toGroup);
  }

  async alerts(groupId: number): Promise<GroupAlert[]> {
    const r = await this.sql().query<AlertRow>('SELECT fingerprint, starts_at, status, ends_at, labels, annotations, generator_url FROM alerts WHERE group_id = $1', [groupId]);
    return r.rows.map(toAlert);
  }

  updateGroup(id: number, now: number, change: (current: AlertGroup) => AlertGroup | null): Promise<AlertGroup | null> {
    return this.atomic(async (client) => {
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
    const r = await this.sql().query<GroupRow>('SELECT * FROM alert_groups WHERE incident_number = $1 ORDER BY id', [incidentNumber]);
    return r.rows.map(toGroup);
  }

  async linkedTo(incidentNumber: number): Promise<LinkedAlertGroup[]> {
    return (await this.groupsOfIncident(incidentNumber)).map(toLinked);
  }

  async noiseSince(since: number): Promise<{ groups: number; notActionable: number }> {
    const r = await this.sql().query<{ groups: number; notActionable: number }>(
      'SELECT COUNT(*) AS groups, COUNT(not_actionable_at) AS "notActionable" FROM alert_groups WHERE COALESCE(first_firing_at, last_delivery_at) >= $1',
      [since],
    );
    return r.rows[0]!;
  }

  async card(groupId: number, platform: Platform): Promise<(CardRef & { version: number }) | undefined> {
    const r = await this.sql().query<{ channel: string | null; message_id: string | null; version: number }>({
      name: 'alert-card',
      text: 'SELECT channel, message_id, version FROM alert_cards WHERE group_id = $1 AND platform = $2',
      values: [groupId, platform],
    });
    const row = r.rows[0];
    return row?.channel && row.message_id ? { channel: row.channel, messageId: row.message_id, version: row.version } : undefined;
  }

  /** The (group, platform) key decides between replicas: an insert, or taking over a stale claim with no card. */
  claimCard(groupId: number, platform: Platform, now: number, staleMs: number): Promise<boolean> {
    return this.atomic(async (client) => {
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
    await this.sql().query('UPDATE alert_cards SET claimed_at = 0 WHERE group_id = $1 AND platform = $2 AND message_id IS NULL', [groupId, platform]);
  }

  startEpisode(groupId: number, firstFiringAt: number, now: number): Promise<AlertGroup | null> {
    return this.atomic(async (client) => {
      const r = await client.query<GroupRow>(
        `UPDATE alert_groups SET acknowledged_by = NULL, acknowledged_at = NULL, not_actionable_by = NULL, not_actionable_at = NULL, incident_number = NULL,
          silence_id = NULL, silence_until = NULL, silenced_by = NULL, first_firing_at = $1, version = version + 1, updated_at = $2 WHERE id = $3 RETURNING *`,
        [firstFiringAt, now, groupId],
      );
      if (!r.rows[0]) return null;
      await client.query('DELETE FROM alert_cards WHERE group_id = $1', [groupId]);
      return toGroup(r.rows[0]);
    });
  }

  async saveCard(groupId: number, platform: Platform, card: CardRef, version: number): Promise<void> {
    await this.sql().query({
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
      const r = await this.sql().query<{ id: number }>({
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
