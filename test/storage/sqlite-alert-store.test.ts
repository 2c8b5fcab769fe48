import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryKey, type WebhookPayload } from '../../src/alertmanager/alertmanager-payload.ts';
import type { IngestResult } from '../../src/alerts/ports.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteAlertStore } from '../../src/storage/sqlite-alert-store.ts';
import { SqliteIncidentStore } from '../../src/storage/sqlite-incident-store.ts';
import {
  fixtureJson,
  fixturePayload,
  type FixtureName,
  GROUP_SEQUENCE,
  rawAlert,
  rawPayload,
  stormPayload,
  validPayload,
  WEB1,
  WEB1_STARTS,
  WEB2,
  WEB2_STARTS,
} from '../fakes/alert-fixtures.ts';
import { MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';

let db: Db;
let store: SqliteAlertStore;

beforeEach(() => {
  db = openDatabase(':memory:');
  store = new SqliteAlertStore(db);
});

afterEach(() => {
  if (db.$client.open) db.$client.close();
});

/** Counts rows inserted or updated in `tables` from now on (temporary triggers on this connection). */
function countWrites(tables: string[]): () => number {
  const c = db.$client;
  c.exec('CREATE TEMP TABLE IF NOT EXISTS row_writes (t TEXT)');
  for (const t of tables) {
    c.exec(`CREATE TEMP TRIGGER IF NOT EXISTS ${t}_inserted AFTER INSERT ON main.${t} BEGIN INSERT INTO row_writes VALUES ('${t}'); END`);
    c.exec(`CREATE TEMP TRIGGER IF NOT EXISTS ${t}_updated AFTER UPDATE ON main.${t} BEGIN INSERT INTO row_writes VALUES ('${t}'); END`);
  }
  c.exec('DELETE FROM row_writes');
  return () => (c.prepare('SELECT COUNT(*) FROM row_writes').pluck().get() as number);
}
const count = (table: string): number => (db.$client.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const ingest = async (p: WebhookPayload, now = T0): Promise<IngestResult> => store.ingest(p, deliveryKey(p), now);
const ingestFixture = (name: FixtureName, now = T0): Promise<IngestResult> => ingest(fixturePayload(name), now);
/** Ingests the captured sequence a minute apart, one after the other; returns each result. */
const ingestSequence = async (): Promise<IngestResult[]> => {
  const results: IngestResult[] = [];
  for (const [n, name] of GROUP_SEQUENCE.entries()) results.push(await ingestFixture(name, T0 + n * MINUTE));
  return results;
};
/** web-1 firing again after it resolved: same fingerprint, new start. */
const web1FiresAgain = () => validPayload(rawPayload([rawAlert(1, { fingerprint: WEB1, startsAt: '2026-11-22T17:30:00Z' })]));
const statuses = async (groupId: number) =>
  (await store
    .alerts(groupId))
    .map((a) => `${a.fingerprint}@${a.startsAt} ${a.status}`)
    .sort();

describe('ingest', () => {
  it('stores the captured sequence: one group, one row per alert, its latest state', async () => {
    const results = await ingestSequence();
    const id = results[0]!.group.id;
    expect(results.map((r) => r.group.id)).toEqual([id, id, id]);
    expect(results.map((r) => [r.group.version, r.group.firingCount])).toEqual([
      [1, 2],
      [2, 1],
      [3, 0],
    ]);
    expect(await statuses(id)).toEqual([`${WEB1}@${WEB1_STARTS} resolved`, `${WEB2}@${WEB2_STARTS} resolved`]);
    expect(await store.group(id)).toMatchObject({
      groupKey: '{}:{alertname="HighErrorRate", service="checkout"}',
      receiver: 'incident-bot',
      groupLabels: { alertname: 'HighErrorRate', service: 'checkout' },
      externalUrl: 'http://127.0.0.1:9093',
      firstFiringAt: WEB1_STARTS,
      lastDeliveryAt: T0 + 2 * MINUTE,
      acknowledged: null,
      incidentNumber: null,
      silence: null,
    });
  });

  it('gives each alert back as it was delivered', async () => {
    const { group } = await ingestFixture('alertmanager-group-mixed-1resolved-1firing');
    const web1 = (await store.alerts(group.id)).find((a) => a.fingerprint === WEB1);
    expect(web1).toEqual({
      fingerprint: WEB1,
      startsAt: WEB1_STARTS,
      status: 'resolved',
      endsAt: Date.parse('2026-11-22T17:01:18Z'),
      labels: { alertname: 'HighErrorRate', instance: 'web-1:9100', service: 'checkout', severity: 'critical' },
      annotations: { runbook_url: 'https://runbooks.example.com/checkout', summary: 'Checkout 5xx > 5%' },
      generatorUrl: 'http://prometheus.example:9090/graph?g0.expr=rate%28http_errors_total%5B5m%5D%29',
    });
  });

  it('keeps groups apart by groupKey', async () => {
    const a = await ingestFixture('alertmanager-firing');
    const b = await ingestFixture('alertmanager-group-2-firing');
    expect(a.group.id).not.toBe(b.group.id);
    expect(await store.alerts(a.group.id)).toHaveLength(1);
    expect(await store.alerts(b.group.id)).toHaveLength(2);
  });

  it('treats the same delivery sent again as a duplicate that changes nothing', async () => {
    const first = await ingestFixture('alertmanager-group-2-firing', T0);
    const again = await ingestFixture('alertmanager-group-2-firing', T0 + MINUTE);
    expect(again).toEqual({ group: first.group, duplicate: true, newlyFiring: [], becameResolved: false, firesAgain: false });
    expect(await store.group(first.group.id)).toEqual(first.group);
    expect(count('alerts')).toBe(2);
  });

  // Alertmanager re-sends the whole group every group_interval; every delivery rewrote every alert row and moved the
  // version (a card update) even when it said exactly what was stored.
  it('stores a delivery repeating the stored state (alerts in another order) without writing an alert row or moving the version', async () => {
    const first = await ingestFixture('alertmanager-group-2-firing', T0);
    const id = first.group.id;
    const rowsBefore = db.$client.prepare('SELECT * FROM alerts ORDER BY fingerprint').all();
    const writes = countWrites(['alerts', 'alert_label_counts']);
    const p = fixturePayload('alertmanager-group-2-firing');
    const reordered = { ...p, alerts: [...p.alerts].reverse() };
    const again = await ingest(reordered, T0 + 5 * MINUTE);
    expect(writes()).toBe(0);
    expect(again).toMatchObject({ duplicate: false, unchanged: true, newlyFiring: [], becameResolved: false, firesAgain: false });
    expect(again.group.version).toBe(first.group.version);
    // What must move does: the delivery is the group's last (a re-send of it is a duplicate), at its time.
    expect(again.group.lastDeliveryAt).toBe(T0 + 5 * MINUTE);
    expect((await ingest(reordered, T0 + 6 * MINUTE)).duplicate).toBe(true);
    expect(db.$client.prepare('SELECT * FROM alerts ORDER BY fingerprint').all()).toEqual(rowsBefore);
    // Unchanged, so no card sweep picks the group up as changed either.
    expect(db.$client.prepare('SELECT updated_at FROM alert_groups WHERE id = ?').pluck().get(id)).toBe(T0);
  });

  it('writes only the alerts a delivery changes, and moves the version for a change of the group alone', async () => {
    const first = await ingestFixture('alertmanager-group-2-firing', T0);
    const writes = countWrites(['alerts']);
    // The mixed delivery resolves web-1 and leaves web-2 firing as it was.
    const mixed = await ingestFixture('alertmanager-group-mixed-1resolved-1firing', T0 + MINUTE);
    expect(writes()).toBe(1);
    expect(mixed.group.version).toBe(first.group.version + 1);
    expect(await statuses(mixed.group.id)).toEqual([`${WEB1}@${WEB1_STARTS} resolved`, `${WEB2}@${WEB2_STARTS} firing`]);
    const relabelled = await ingest(validPayload({ ...fixtureJson('alertmanager-group-mixed-1resolved-1firing'), commonAnnotations: { summary: 'new words' } }), T0 + 2 * MINUTE);
    expect(writes()).toBe(1);
    expect([relabelled.unchanged, relabelled.group.version]).toEqual([undefined, mixed.group.version + 1]);
    expect(relabelled.group.commonAnnotations).toEqual({ summary: 'new words' });
  });

  it('lists as newly firing only alerts (fingerprint + start) seen firing for the first time', async () => {
    const [first, mixed, final] = await ingestSequence();
    expect(first!.newlyFiring.map((a) => a.fingerprint)).toEqual([WEB1, WEB2]);
    expect(first!.newlyFiring[0]).toMatchObject({ status: 'firing', startsAt: WEB1_STARTS, labels: { instance: 'web-1:9100' } });
    expect(mixed!.newlyFiring).toEqual([]);
    expect(final!.newlyFiring).toEqual([]);
    expect((await ingest(web1FiresAgain())).newlyFiring.map((a) => [a.fingerprint, a.startsAt])).toEqual([[WEB1, Date.parse('2026-11-22T17:30:00Z')]]);
  });

  it('reports becameResolved exactly once, with the delivery that resolves the last alert', async () => {
    const results = await ingestSequence();
    expect(results.map((r) => r.becameResolved)).toEqual([false, false, true]);
    // Another delivery with nothing firing (here: Alertmanager now reports a truncated alert) is not a second resolution.
    const resentDifferently = validPayload({ ...fixtureJson('alertmanager-group-final-resolved'), truncatedAlerts: 1 });
    const later = await ingest(resentDifferently, T0 + 5 * MINUTE);
    expect([later.duplicate, later.becameResolved]).toEqual([false, false]);
  });

  it('does not report a group that never fired as resolved', async () => {
    expect((await ingestFixture('alertmanager-resolved')).becameResolved).toBe(false);
  });

  it('keeps a fingerprint that fires again as a second row, and counts it firing', async () => {
    const [first] = await ingestSequence();
    const refired = await ingest(web1FiresAgain(), T0 + 10 * MINUTE);
    expect(refired.group.firingCount).toBe(1);
    expect((await store.alerts(first!.group.id)).filter((a) => a.fingerprint === WEB1).map((a) => a.status)).toEqual(
      expect.arrayContaining(['resolved', 'firing']),
    );
    expect(await store.alerts(first!.group.id)).toHaveLength(3);
  });

  it('stores a storm of 10,000 alerts whole in one call', async () => {
    const storm = validPayload(stormPayload(10_000));
    const started = performance.now();
    const result = await ingest(storm);
    console.log(`ingest of 10,000 alerts took ${(performance.now() - started).toFixed(0)} ms`);
    expect(result.newlyFiring).toHaveLength(10_000);
    expect(result.group.firingCount).toBe(10_000);
    expect(await store.alerts(result.group.id)).toHaveLength(10_000);
  });

  // A spread Math.min(...starts) overflows the stack above ~125,000 alerts; 130,000 small alerts fit the default 64 MB limit.
  it('stores a delivery of 130,000 small alerts', async () => {
    const alerts = Array.from({ length: 130_000 }, (_, n) => rawAlert(n, { annotations: {}, generatorURL: '' }));
    const result = await ingest(validPayload(rawPayload(alerts)));
    expect(result.group.firstFiringAt).toBe(Date.parse(alerts[0]!.startsAt));
  });

  it('stores nothing of a delivery that fails half-way', async () => {
    const alerts = [rawAlert(1), rawAlert(2), rawAlert(3)];
    const p = validPayload(rawPayload(alerts));
    // JSON.stringify throws on a BigInt: the third alert fails after two rows were written in the transaction.
    (p.alerts[2]!.labels as Record<string, unknown>)['instance'] = 3n;
    await expect(ingest(p)).rejects.toThrow(/BigInt/);
    expect([count('alert_groups'), count('alerts')]).toEqual([0, 0]);
  });

  it('leaves a known group as it was when a later delivery fails half-way', async () => {
    const { group } = await ingestFixture('alertmanager-group-2-firing');
    const p = fixturePayload('alertmanager-group-mixed-1resolved-1firing');
    (p.alerts[1]!.labels as Record<string, unknown>)['instance'] = 2n;
    await expect(ingest(p, T0 + MINUTE)).rejects.toThrow(/BigInt/);
    expect(await store.group(group.id)).toEqual(group);
    expect(await statuses(group.id)).toEqual([`${WEB1}@${WEB1_STARTS} firing`, `${WEB2}@${WEB2_STARTS} firing`]);
  });

  // The store keeps each group's latest rows in memory (shown-alerts-cache.ts); a rolled-back write must not stay there.
  it('stores a delivery whole after the same one failed half-way', async () => {
    const firing = [rawAlert(1), rawAlert(2), rawAlert(3)];
    const { group } = await ingest(validPayload(rawPayload(firing)));
    const twoResolved = () => validPayload(rawPayload([rawAlert(1, { status: 'resolved', endsAt: '2026-11-22T17:20:00Z' }), rawAlert(2, { status: 'resolved', endsAt: '2026-11-22T17:20:00Z' }), rawAlert(3)]));
    const failing = twoResolved();
    // Two alerts written in the transaction, then the third fails.
    (failing.alerts[2]!.labels as Record<string, unknown>)['instance'] = 3n;
    await expect(store.ingest(failing, 'the failing delivery', T0 + MINUTE)).rejects.toThrow(/BigInt/);
    const result = await ingest(twoResolved(), T0 + 2 * MINUTE);
    expect(result.group.firingCount).toBe(1);
    expect((await store.alerts(group.id)).map((a) => a.status).sort()).toEqual(['firing', 'resolved', 'resolved']);
  });

  it('stores a batch whole after the same batch was rolled back by its outbox write', async () => {
    const { group } = await ingestFixture('alertmanager-group-2-firing');
    const p = fixturePayload('alertmanager-group-mixed-1resolved-1firing');
    const batch = [{ payload: p, key: deliveryKey(p) }];
    const refuse = () => {
      throw new Error('outbox refused');
    };
    await expect(store.ingestBatch(batch, T0 + MINUTE, refuse)).rejects.toThrow('outbox refused');
    const [outcome] = await store.ingestBatch(batch, T0 + 2 * MINUTE);
    expect(outcome).toMatchObject({ ok: true, result: { group: { firingCount: 1 } } });
    expect(await statuses(group.id)).toEqual([`${WEB1}@${WEB1_STARTS} resolved`, `${WEB2}@${WEB2_STARTS} firing`]);
  });

  it('compares a delivery with what another process stored meanwhile on the same file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sitroom-alert-store-'));
    const file = join(dir, 'sitroom.db');
    const dbA = openDatabase(file);
    const dbB = openDatabase(file);
    try {
      const [a, b] = [new SqliteAlertStore(dbA), new SqliteAlertStore(dbB)];
      const firing = fixturePayload('alertmanager-group-2-firing');
      const { group } = await a.ingest(firing, deliveryKey(firing), T0);
      // The other process stores web-1's resolution; then this one is sent web-1 firing again (same start).
      const mixed = fixturePayload('alertmanager-group-mixed-1resolved-1firing');
      await b.ingest(mixed, deliveryKey(mixed), T0 + MINUTE);
      const again = validPayload({ ...fixtureJson('alertmanager-group-2-firing'), truncatedAlerts: 0, receiver: 'incident-bot' });
      const result = await a.ingest(again, `${deliveryKey(again)}-resent`, T0 + 2 * MINUTE);
      expect(result.group.firingCount).toBe(2);
      expect((await a.alerts(group.id)).map((x) => `${x.fingerprint} ${x.status}`).sort()).toEqual([`${WEB1} firing`, `${WEB2} firing`]);
    } finally {
      dbA.$client.close();
      dbB.$client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('updateGroup', () => {
  it('applies the change, bumps the version and returns the group as saved', async () => {
    const { group } = await ingestFixture('alertmanager-group-2-firing');
    const updated = await store.updateGroup(group.id, T0 + MINUTE, (g) => ({ ...g, acknowledged: { by: 'alice', at: T0 + MINUTE } }));
    expect(updated).toEqual({ ...group, version: group.version + 1, acknowledged: { by: 'alice', at: T0 + MINUTE } });
    expect(await store.group(group.id)).toEqual(updated);
  });

  it('round-trips everything a button records', async () => {
    const incident = await new SqliteIncidentStore(db).create(anIncident({ number: 0 }), []);
    const { group } = await ingestFixture('alertmanager-group-2-firing');
    const change = {
      acknowledged: { by: 'alice', at: T0 + 1 },
      notActionable: { by: 'bob', at: T0 + 2 },
      incidentNumber: incident.number,
      silence: { id: 'silence-1', until: T0 + 60 * MINUTE, by: 'carol' },
    };
    await store.updateGroup(group.id, T0, (g) => ({ ...g, ...change }));
    expect(await store.group(group.id)).toMatchObject(change);
  });

  it('returns null and writes nothing for an unknown group or a change that declines', async () => {
    const { group } = await ingestFixture('alertmanager-group-2-firing');
    expect(await store.updateGroup(999, T0, (g) => g)).toBeNull();
    expect(await store.updateGroup(group.id, T0, () => null)).toBeNull();
    expect((await store.group(group.id))?.version).toBe(group.version);
  });
});

describe('groupsOfIncident', () => {
  it('lists the groups linked to an incident, and only those', async () => {
    const incidents = new SqliteIncidentStore(db);
    const one = (await incidents.create(anIncident({ number: 0 }), [])).number;
    const two = (await incidents.create(anIncident({ number: 0 }), [])).number;
    const a = (await ingestFixture('alertmanager-firing')).group;
    const b = (await ingestFixture('alertmanager-group-2-firing')).group;
    await store.updateGroup(a.id, T0, (g) => ({ ...g, incidentNumber: one }));
    await store.updateGroup(b.id, T0, (g) => ({ ...g, incidentNumber: two }));
    expect((await store.groupsOfIncident(one)).map((g) => g.id)).toEqual([a.id]);
    expect(await store.groupsOfIncident(3)).toEqual([]);
  });
});

describe('cards', () => {
  const STALE = MINUTE;
  const ref = { channel: 'C-ALERTS', messageId: 'M1' };

  it('first claim wins; a second within staleMs loses; after staleMs it is taken over', async () => {
    const { group } = await ingestFixture('alertmanager-firing');
    expect(await store.claimCard(group.id, 'slack', T0, STALE)).toBe(true);
    expect(await store.claimCard(group.id, 'slack', T0 + STALE - 1, STALE)).toBe(false);
    expect(await store.claimCard(group.id, 'slack', T0 + STALE + 1, STALE)).toBe(true);
    expect(await store.claimCard(group.id, 'slack', T0 + STALE + 2, STALE)).toBe(false);
  });

  it('claims each platform separately, and never once a card exists', async () => {
    const { group } = await ingestFixture('alertmanager-firing');
    expect(await store.claimCard(group.id, 'slack', T0, STALE)).toBe(true);
    expect(await store.claimCard(group.id, 'mattermost', T0, STALE)).toBe(true);
    await store.saveCard(group.id, 'slack', ref, group.version);
    expect(await store.claimCard(group.id, 'slack', T0 + 10 * STALE, STALE)).toBe(false);
  });

  it('saves a card and gives it back with the version it shows; never goes back to an older version', async () => {
    const { group } = await ingestFixture('alertmanager-firing');
    expect(await store.card(group.id, 'slack')).toBeUndefined();
    await store.claimCard(group.id, 'slack', T0, STALE);
    expect(await store.card(group.id, 'slack')).toBeUndefined();
    await store.saveCard(group.id, 'slack', ref, 3);
    expect(await store.card(group.id, 'slack')).toEqual({ ...ref, version: 3 });
    await store.saveCard(group.id, 'slack', ref, 2);
    expect((await store.card(group.id, 'slack'))?.version).toBe(3);
    expect(await store.card(group.id, 'mattermost')).toBeUndefined();
  });

  it('staleCards finds groups changed since `since` whose card is missing or behind', async () => {
    const upToDate = (await ingestFixture('alertmanager-firing', T0)).group;
    const behind = (await ingestFixture('alertmanager-group-2-firing', T0 + 1)).group;
    const missing = (await ingest(validPayload(rawPayload([rawAlert(7)], { groupKey: 'other' })), T0 + 2)).group;
    await store.saveCard(upToDate.id, 'slack', ref, upToDate.version);
    await store.saveCard(behind.id, 'slack', ref, behind.version);
    await store.updateGroup(behind.id, T0 + 3, (g) => ({ ...g, acknowledged: { by: 'alice', at: T0 + 3 } }));
    expect(await store.staleCards(['slack'], T0, 10)).toEqual([missing.id, behind.id]);
    expect(await store.staleCards(['slack'], T0 + 3, 10)).toEqual([behind.id]);
    expect(await store.staleCards(['slack'], T0, 1)).toEqual([missing.id]);
  });

  it('staleCards looks at every platform given', async () => {
    const { group } = await ingestFixture('alertmanager-firing', T0);
    await store.saveCard(group.id, 'slack', ref, group.version);
    expect(await store.staleCards(['slack'], T0, 10)).toEqual([]);
    expect(await store.staleCards(['slack', 'mattermost'], T0, 10)).toEqual([group.id]);
  });
});
