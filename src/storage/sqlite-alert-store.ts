/**
 * AlertStore on SQLite. Ingestion is the hot path (every Alertmanager delivery), so it runs on prepared
 * statements in one IMMEDIATE transaction: a delivery is stored whole or not at all.
 */
import type { Statement } from 'better-sqlite3';
import type { AlertGroup, GroupAlert, Labels } from '../alerts/alert-group.ts';
import type { WebhookPayload } from '../alerts/alertmanager-payload.ts';
import type { AlertStore, CardRef, IngestResult } from '../alerts/ports.ts';
import type { Platform } from '../incidents/incident.ts';
import type { AlertFacts, LinkedAlertGroup } from '../incidents/ports.ts';
import type { Db } from './database.ts';

interface GroupRow {
  id: number;
  group_key: string;
  receiver: string;
  group_labels: string;
  common_labels: string;
  common_annotations: string;
  external_url: string;
  truncated_alerts: number;
  first_firing_at: number | null;
  last_delivery_key: string;
  last_delivery_at: number;
  version: number;
  updated_at: number;
  firing_count: number;
  acknowledged_by: string | null;
  acknowledged_at: number | null;
  not_actionable_by: string | null;
  not_actionable_at: number | null;
  incident_number: number | null;
  silence_id: string | null;
  silence_until: number | null;
  silenced_by: string | null;
}

interface AlertRow {
  fingerprint: string;
  starts_at: number;
  status: string;
  ends_at: number | null;
  labels: string;
  annotations: string;
  generator_url: string;
}

const toGroup = (r: GroupRow): AlertGroup => ({
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
  acknowledged: r.acknowledged_by !== null && r.acknowledged_at !== null ? { by: r.acknowledged_by, at: r.acknowledged_at } : null,
  notActionable: r.not_actionable_by !== null && r.not_actionable_at !== null ? { by: r.not_actionable_by, at: r.not_actionable_at } : null,
  incidentNumber: r.incident_number,
  silence: r.silence_id !== null && r.silence_until !== null ? { id: r.silence_id, until: r.silence_until, by: r.silenced_by ?? '' } : null,
});

const toAlert = (r: AlertRow): GroupAlert => ({
  fingerprint: r.fingerprint,
  startsAt: r.starts_at,
  status: r.status === 'firing' ? 'firing' : 'resolved',
  endsAt: r.ends_at,
  labels: JSON.parse(r.labels) as Labels,
  annotations: JSON.parse(r.annotations) as Labels,
  generatorUrl: r.generator_url,
});

/** Alerts whose row is the latest firing of their fingerprint and still firing. */
const FIRING_COUNT = `SELECT COUNT(*) AS n FROM alerts a WHERE a.group_id = ? AND a.status = 'firing'
  AND a.starts_at = (SELECT MAX(b.starts_at) FROM alerts b WHERE b.group_id = a.group_id AND b.fingerprint = a.fingerprint)`;

export class SqliteAlertStore implements AlertStore, AlertFacts {
  private readonly db: Db;
  private readonly s: Record<string, Statement>;

  constructor(db: Db) {
    this.db = db;
    const c = db.$client;
    this.s = {
      byKey: c.prepare('SELECT * FROM alert_groups WHERE group_key = ?'),
      byId: c.prepare('SELECT * FROM alert_groups WHERE id = ?'),
      insertGroup: c.prepare(`INSERT INTO alert_groups (group_key, receiver, group_labels, common_labels, common_annotations, external_url,
        truncated_alerts, first_firing_at, last_delivery_key, last_delivery_at, version, updated_at, firing_count)
        VALUES (@groupKey, @receiver, @groupLabels, @commonLabels, @commonAnnotations, @externalUrl, @truncated, @firstFiringAt, @key, @now, 1, @now, 0)
        RETURNING id`),
      updateDelivery: c.prepare(`UPDATE alert_groups SET receiver = @receiver, group_labels = @groupLabels, common_labels = @commonLabels,
        common_annotations = @commonAnnotations, external_url = @externalUrl, truncated_alerts = @truncated,
        first_firing_at = COALESCE(MIN(first_firing_at, @firstFiringAt), first_firing_at, @firstFiringAt),
        last_delivery_key = @key, last_delivery_at = @now, version = version + 1, updated_at = @now WHERE id = @id`),
      setFiringCount: c.prepare('UPDATE alert_groups SET firing_count = ? WHERE id = ?'),
      firingCount: c.prepare(FIRING_COUNT),
      alertKeys: c.prepare('SELECT fingerprint, starts_at FROM alerts WHERE group_id = ?'),
      upsertAlert: c.prepare(`INSERT INTO alerts (group_id, fingerprint, starts_at, status, ends_at, labels, annotations, generator_url)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (group_id, fingerprint, starts_at) DO UPDATE SET status = excluded.status, ends_at = excluded.ends_at,
        labels = excluded.labels, annotations = excluded.annotations, generator_url = excluded.generator_url`),
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

  ingest(p: WebhookPayload, key: string, now: number): IngestResult {
    return this.db.$client.transaction((): IngestResult => {
      const existing = this.s['byKey']!.get(p.groupKey) as GroupRow | undefined;
      if (existing && existing.last_delivery_key === key) {
        return { group: toGroup(existing), duplicate: true, newlyFiring: [], becameResolved: false, firesAgain: false };
      }
      let firstFiringAt: number | null = null;
      for (const a of p.alerts) if (a.status === 'firing') firstFiringAt = Math.min(firstFiringAt ?? Infinity, a.startsAt ?? now);
      const params = {
        groupKey: p.groupKey,
        receiver: p.receiver,
        groupLabels: JSON.stringify(p.groupLabels),
        commonLabels: JSON.stringify(p.commonLabels),
        commonAnnotations: JSON.stringify(p.commonAnnotations),
        externalUrl: p.externalURL,
        truncated: p.truncatedAlerts,
        firstFiringAt,
        key,
        now,
      };
      let id: number;
      const known = new Set<string>();
      if (existing) {
        id = existing.id;
        this.s['updateDelivery']!.run({ ...params, id });
        for (const row of this.s['alertKeys']!.iterate(id) as Iterable<{ fingerprint: string; starts_at: number }>) known.add(`${row.fingerprint} ${row.starts_at}`);
      } else {
        id = (this.s['insertGroup']!.get(params) as { id: number }).id;
      }
      const newlyFiring: GroupAlert[] = [];
      for (const a of p.alerts) {
        const startsAt = a.startsAt ?? now;
        this.s['upsertAlert']!.run(id, a.fingerprint, startsAt, a.status, a.endsAt, JSON.stringify(a.labels), JSON.stringify(a.annotations), a.generatorURL);
        if (a.status === 'firing' && !known.has(`${a.fingerprint} ${startsAt}`)) {
          newlyFiring.push({ fingerprint: a.fingerprint, startsAt, status: 'firing', endsAt: a.endsAt, labels: a.labels, annotations: a.annotations, generatorUrl: a.generatorURL });
        }
      }
      const firing = (this.s['firingCount']!.get(id) as { n: number }).n;
      this.s['setFiringCount']!.run(firing, id);
      const group = toGroup(this.s['byId']!.get(id) as GroupRow);
      const before = existing?.firing_count ?? 0;
      return { group, duplicate: false, newlyFiring, becameResolved: before > 0 && firing === 0, firesAgain: existing !== undefined && before === 0 && firing > 0 };
    }).immediate();
  }

  group(id: number): AlertGroup | undefined {
    const row = this.s['byId']!.get(id) as GroupRow | undefined;
    return row && toGroup(row);
  }

  recentGroups(since: number, limit: number): AlertGroup[] {
    return (this.s['recent']!.all(since, limit) as GroupRow[]).map(toGroup);
  }

  alerts(groupId: number): GroupAlert[] {
    return (this.s['alertsOf']!.all(groupId) as AlertRow[]).map(toAlert);
  }

  updateGroup(id: number, now: number, change: (current: AlertGroup) => AlertGroup | null): AlertGroup | null {
    return this.db.$client.transaction(() => {
      const current = this.group(id);
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
      return this.group(id) ?? null;
    }).immediate();
  }

  groupsOfIncident(incidentNumber: number): AlertGroup[] {
    return (this.s['ofIncident']!.all(incidentNumber) as GroupRow[]).map(toGroup);
  }

  linkedTo(incidentNumber: number): LinkedAlertGroup[] {
    return this.groupsOfIncident(incidentNumber).map((g) => ({
      id: g.id,
      title: g.commonLabels['alertname'] ?? g.groupLabels['alertname'] ?? g.groupKey,
      groupKey: g.groupKey,
      firstFiringAt: g.firstFiringAt,
      acknowledgedAt: g.acknowledged?.at ?? null,
      acknowledgedBy: g.acknowledged?.by ?? null,
      silenceId: g.silence?.id ?? null,
    }));
  }

  noiseSince(since: number): { groups: number; notActionable: number } {
    return this.s['noise']!.get(since) as { groups: number; notActionable: number };
  }

  card(groupId: number, platform: Platform): (CardRef & { version: number }) | undefined {
    const row = this.s['card']!.get(groupId, platform) as { channel: string | null; message_id: string | null; version: number } | undefined;
    return row?.channel && row.message_id ? { channel: row.channel, messageId: row.message_id, version: row.version } : undefined;
  }

  claimCard(groupId: number, platform: Platform, now: number, staleMs: number): boolean {
    return this.db.$client.transaction(() => {
      if (this.s['claimInsert']!.run(groupId, platform, now).changes === 1) return true;
      return this.s['claimStale']!.run(now, groupId, platform, now - staleMs).changes === 1;
    }).immediate();
  }

  releaseCardClaim(groupId: number, platform: Platform): void {
    this.s['releaseClaim']!.run(groupId, platform);
  }

  startEpisode(groupId: number, firstFiringAt: number, now: number): AlertGroup | null {
    return this.db.$client.transaction(() => {
      if (this.s['startEpisode']!.run(firstFiringAt, now, groupId).changes === 0) return null;
      this.s['dropCards']!.run(groupId);
      return this.group(groupId) ?? null;
    }).immediate();
  }

  saveCard(groupId: number, platform: Platform, card: CardRef, version: number): void {
    this.s['saveCard']!.run(groupId, platform, card.channel, card.messageId, version);
  }

  staleCards(platforms: readonly Platform[], since: number, limit: number): number[] {
    const ids = new Set<number>();
    for (const platform of platforms) {
      for (const row of this.s['stale']!.all(platform, since, limit) as { id: number }[]) ids.add(row.id);
    }
    return [...ids].slice(0, limit);
  }
}
