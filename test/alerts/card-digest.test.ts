/**
 * The card of a group is built from a digest the store keeps as alerts are written (AlertStore.digest), not from
 * every alert row: an 80,000-alert storm group's view read and parsed every row and held the event loop ~590 ms.
 * The digest must give exactly the card that every row gives (digestAlerts, the reference), and read a bounded
 * number of rows whatever the group's size.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryKey, type WebhookPayload } from '../../src/alertmanager/alertmanager-payload.ts';
import { CARD_ALERT_LIMIT, DEFAULT_SEVERITY_MAP, digestAlerts, viewDigest, viewGroup } from '../../src/alerts/alert-rules.ts';
import { alertCard } from '../../src/chat/alert-messages.ts';
import { messageContext } from '../fakes/chat-context.ts';
import { type Db, MIGRATIONS_FOLDER, openDatabase } from '../../src/storage/database.ts';
import { SqliteAlertStore } from '../../src/storage/sqlite-alert-store.ts';
import { alertHarness } from '../fakes/alert-harness.ts';
import { CAPTURE_NOW, type RawAlert, rawAlert, rawPayload, validPayload, WEB1_STARTS } from '../fakes/alert-fixtures.ts';

const ctx = messageContext({ now: CAPTURE_NOW });
const cardOpts = { silences: true, warRoom: undefined };
const dbs: Db[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const db of dbs.splice(0)) if (db.$client.open) db.$client.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function newStore(path = ':memory:', migrations = MIGRATIONS_FOLDER) {
  const db = openDatabase(path, migrations);
  dbs.push(db);
  return { db, store: new SqliteAlertStore(db) };
}

/** Stores `p` as the webhook stores a storm: opened, written in slices, then finished. */
async function ingestInSlices(store: SqliteAlertStore, p: WebhookPayload, now: number, slice = 1000) {
  const key = deliveryKey(p);
  const opened = await store.openDelivery(p, key, now);
  if ('duplicate' in opened) return opened.duplicate;
  const newly = [];
  for (let at = 0; at < p.alerts.length; at += slice) newly.push(...(await store.writeAlerts(opened, p.alerts.slice(at, at + slice), now)));
  return store.finishDelivery(opened, p, key, now, newly);
}

/** The group's card from the store's digest, and the card computed the old way from every alert row. */
async function bothCards(store: SqliteAlertStore, groupId: number) {
  const group = (await store.group(groupId))!;
  const fromDigest = viewDigest(group, await store.digest(groupId), DEFAULT_SEVERITY_MAP);
  const fromRows = viewGroup(group, await store.alerts(groupId), DEFAULT_SEVERITY_MAP);
  return { fromDigest, fromRows, cardFromDigest: alertCard(fromDigest, ctx, cardOpts), cardFromRows: alertCard(fromRows, ctx, cardOpts) };
}

/**
 * A storm unlike the fixture's uniform one: every third alert resolved, the first few without a source link or a
 * runbook, and half on another service, so counts, shared labels and links all depend on more than the first row.
 */
function mixedStorm(count: number): WebhookPayload {
  const alerts: RawAlert[] = [];
  for (let n = 0; n < count; n++) {
    const base = rawAlert(n);
    alerts.push({
      ...base,
      status: n % 3 === 0 ? 'resolved' : 'firing',
      ...(n % 3 === 0 ? { endsAt: new Date(WEB1_STARTS + n * 1000 + 60_000).toISOString() } : {}),
      labels: { ...base.labels, service: n % 2 === 0 ? 'checkout' : 'payments' },
      annotations: n < 7 ? { summary: 'Checkout 5xx > 5%' } : base.annotations,
      generatorURL: n < 5 ? '' : base.generatorURL,
    });
  }
  return validPayload(rawPayload(alerts));
}

describe("a group's card from the store's digest", () => {
  it('is the card computed from every alert for an 80,000-alert storm group', async () => {
    const { store } = newStore();
    const result = await ingestInSlices(store, mixedStorm(80_000), CAPTURE_NOW);
    const { fromDigest, fromRows, cardFromDigest, cardFromRows } = await bothCards(store, result.group.id);
    expect(cardFromDigest).toEqual(cardFromRows);
    expect(fromDigest).toEqual(fromRows);
    // The card says what a storm is: counts over all 80,000, ten listed, the rest counted.
    expect({ firing: fromDigest.firing, resolved: fromDigest.resolved, moreAlerts: fromDigest.moreAlerts }).toEqual({ firing: 53_333, resolved: 26_667, moreAlerts: 80_000 - CARD_ALERT_LIMIT });
    expect(fromDigest.links.map((l) => l.label)).toEqual(['Source', 'Runbook', 'Alertmanager']);
  }, 60_000);

  it('is the card computed from every alert, whatever sequence of deliveries built the group', async () => {
    const fingerprint = fc.constantFrom('fa', 'fb', 'fc', 'fd', 'fe');
    const alert = fc.record({
      fingerprint,
      start: fc.integer({ min: 0, max: 4 }),
      resolved: fc.boolean(),
      instance: fc.constantFrom('web-1', 'web-2'),
      service: fc.constantFrom('checkout', 'checkout', 'payments'),
      severity: fc.option(fc.constantFrom('critical', 'warning'), { nil: undefined }),
      runbook: fc.option(fc.constantFrom('https://runbooks.example/a', 'https://runbooks.example/b'), { nil: undefined }),
      summary: fc.option(fc.constantFrom('one', 'two'), { nil: undefined }),
      generator: fc.constantFrom('', 'http://prom.example/a', 'http://prom.example/b'),
    });
    const delivery = fc.record({ alerts: fc.array(alert, { minLength: 1, maxLength: 8 }), sliced: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(delivery, { minLength: 1, maxLength: 6 }), async (deliveries) => {
        const { db, store } = newStore();
        let groupId = 0;
        for (const [i, d] of deliveries.entries()) {
          const raw = d.alerts.map((a, n) =>
            rawAlert(n, {
              fingerprint: a.fingerprint,
              status: a.resolved ? 'resolved' : 'firing',
              startsAt: new Date(WEB1_STARTS + a.start * 60_000).toISOString(),
              labels: { alertname: 'HighErrorRate', instance: a.instance, service: a.service, ...(a.severity ? { severity: a.severity } : {}) },
              annotations: { ...(a.runbook ? { runbook_url: a.runbook } : {}), ...(a.summary ? { summary: a.summary } : {}) },
              generatorURL: a.generator,
            }),
          );
          const p = validPayload(rawPayload(raw, { commonAnnotations: {}, commonLabels: {} }));
          const now = CAPTURE_NOW + i * 1000;
          groupId = (d.sliced ? await ingestInSlices(store, p, now, 3) : await store.ingest(p, deliveryKey(p), now)).group.id;
          const group = (await store.group(groupId))!;
          expect(await store.digest(groupId)).toEqual(digestAlerts(await store.alerts(groupId)));
          const { cardFromDigest, cardFromRows } = await bothCards(store, groupId);
          expect(cardFromDigest).toEqual(cardFromRows);
          // The group's own firing count (what decides "resolved" and "fires again") agrees too.
          expect(group.firingCount).toBe(digestAlerts(await store.alerts(groupId)).firing);
        }
        db.$client.close();
      }),
      { numRuns: 150 },
    );
  });

  it('is the same for alerts stored before the digest existed (the migration fills it in)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sitroom-digest-'));
    dirs.push(dir);
    // The migrations before the digest's (0007), the schema before it.
    const before = join(dir, 'migrations');
    cpSync(MIGRATIONS_FOLDER, before, { recursive: true });
    const journalPath = join(before, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < '0007');
    writeFileSync(journalPath, JSON.stringify(journal));
    const path = join(dir, 'sitroom.db');
    const old = openDatabase(path, before);
    const c = old.$client;
    c.prepare(`INSERT INTO alert_groups (id, group_key, receiver, group_labels, common_labels, common_annotations, external_url, truncated_alerts,
      last_delivery_key, last_delivery_at, version, updated_at, firing_count) VALUES (1, 'g', 'r', '{"alertname":"A"}', '{}', '{}', '', 0, 'k', 0, 1, 0, 2)`).run();
    const insert = c.prepare('INSERT INTO alerts (group_id, fingerprint, starts_at, status, ends_at, labels, annotations, generator_url) VALUES (1, ?, ?, ?, NULL, ?, ?, ?)');
    insert.run('f1', 100, 'resolved', '{"alertname":"A","instance":"i1","service":"s"}', '{}', '');
    insert.run('f1', 200, 'firing', '{"alertname":"A","instance":"i1","service":"s"}', '{"runbook_url":"https://rb.example/1"}', 'http://g/1');
    insert.run('f2', 150, 'firing', '{"alertname":"A","instance":"i2","service":"s"}', '{"summary":"x"}', '');
    insert.run('f3', 50, 'resolved', '{"alertname":"A","instance":"i3","service":"s"}', '{}', 'http://g/3');
    old.$client.close();

    const { store } = newStore(path);
    expect(await store.digest(1)).toEqual(digestAlerts(await store.alerts(1)));
    expect(await store.digest(1)).toMatchObject({ firing: 2, resolved: 1, sharedLabels: { alertname: 'A', service: 's' }, generatorUrl: 'http://g/3', runbookUrl: 'https://rb.example/1' });
  });
});

/**
 * Counts the rows every statement of `db` hands back, and remembers the SQL run, so a test can tell how much of the
 * table a call read; SQLite's own scans behind an aggregate are caught by the query plans instead.
 */
function countRows(db: Db) {
  const client = db.$client;
  const prepare = client.prepare.bind(client);
  const seen = { rows: 0, sql: new Set<string>() };
  client.prepare = ((source: string) => {
    const statement = prepare(source);
    const { get, all } = statement;
    statement.get = (...args: unknown[]) => {
      seen.sql.add(source);
      const row: unknown = get.apply(statement, args);
      if (row !== undefined) seen.rows++;
      return row;
    };
    statement.all = (...args: unknown[]) => {
      seen.sql.add(source);
      const rows = all.apply(statement, args);
      seen.rows += rows.length;
      return rows;
    };
    return statement;
  }) as typeof client.prepare;
  return seen;
}

describe("a group's view reads a bounded part of its alerts", () => {
  /** Rows read by AlertService.view of one group of `size` alerts, and the SQL it ran. */
  async function viewOf(size: number) {
    const db = openDatabase(':memory:');
    const seen = countRows(db);
    const h = alertHarness({ db });
    const p = mixedStorm(size);
    const { group } = await h.store.ingest(p, deliveryKey(p), CAPTURE_NOW);
    seen.rows = 0;
    seen.sql.clear();
    const view = await h.alerts.view(group.id);
    h.db.$client.close();
    return { view, rows: seen.rows, sql: [...seen.sql] };
  }

  it('reads the same few rows for a group of 200 alerts and one of 5,000', async () => {
    const small = await viewOf(200);
    const large = await viewOf(5_000);
    expect(large.view?.firing).toBe(3_333);
    expect(large.rows).toBe(small.rows);
    // The group, ten alerts of each state, a link each and one label count per label of the earliest alert.
    expect(large.rows).toBeLessThanOrEqual(1 + 1 + 2 * CARD_ALERT_LIMIT + 2 + 4);
  });

  it('runs only statements that search an index and stop at a limit (no scan of the alerts)', async () => {
    const { db } = newStore();
    const { sql } = await viewOf(200);
    expect(sql.length).toBeGreaterThan(0);
    for (const statement of sql) {
      const plan = (db.$client.prepare(`EXPLAIN QUERY PLAN ${statement}`).all(...new Array<number>((statement.match(/\?/g) ?? []).length).fill(1)) as { detail: string }[]).map((r) => r.detail);
      expect(plan.join('; '), statement).not.toMatch(/\bSCAN\b|TEMP B-TREE/);
    }
  });
});
