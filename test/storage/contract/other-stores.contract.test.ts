/**
 * Contract of the alert, outbox, follow-up, checklist, publication, session, nonce, settings and lease stores, on SQLite
 * and PostgreSQL, with the two-replica claims (outbox rows, first cards, digest slots, dialog nonces, the session secret,
 * leases).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryKey, type WebhookPayload } from '../../../src/alertmanager/alertmanager-payload.ts';
import type { QueuedEffect } from '../../../src/incidents/effects.ts';
import type { Incident } from '../../../src/incidents/incident.ts';
import { event } from '../../../src/incidents/timeline.ts';
import type { Stores } from '../../../src/storage/open-database.ts';
import { sessionSecret } from '../../../src/storage/settings.ts';
import { fixturePayload, GROUP_SEQUENCE, rawAlert, rawPayload, validPayload, WEB1, WEB1_STARTS, WEB2, WEB2_STARTS } from '../../fakes/alert-fixtures.ts';
import { MINUTE, T0 } from '../../fakes/fixed-clock.ts';
import { anIncident } from '../../fakes/incident-builder.ts';
import { type Engine, ENGINES } from './engines.ts';
import { NONCE_PRUNE_EVERY_MS } from '../../../src/storage/sqlite-dialog-nonces.ts';

const note = (number: number, at = T0) => event('note', at, 'alice', 'a note', {});
const effect = (target: string, overrides: Partial<QueuedEffect> = {}): QueuedEffect => ({
  platform: 'slack',
  lane: 'incident',
  target,
  incidentNumber: 1,
  effect: { kind: 'topic', number: 1 },
  at: T0,
  ...overrides,
});

/** A queued effect of another kind than chat's (digest, page alert, annotation). */
const queued = <E extends { kind: string }>(target: string, e: E, overrides: Partial<QueuedEffect> = {}): QueuedEffect<E> => ({ ...effect(target, overrides), effect: e });

describe.each(ENGINES.map((make) => [make().name, make] as const))('stores on %s', (_name, makeEngine) => {
  let engine: Engine;
  let s: Stores;
  let incident: Incident;

  beforeEach(async () => {
    engine = makeEngine();
    s = await engine.open();
    incident = await s.incidents.create(anIncident({ number: 0 }), []);
  });

  afterEach(async () => {
    await engine.cleanup();
  });

  describe('alerts', () => {
    const ingest = (p: WebhookPayload, now = T0) => s.alerts.ingest(p, deliveryKey(p), now);
    /** WrittenEffects: one card row per stored group. */
    const cardRows = (results: readonly { group: { id: number } }[]) =>
      results.map((r) => queued(`alert:${r.group.id}`, { kind: 'alert_card' as const, group: r.group.id }, { lane: 'alert', incidentNumber: undefined }));
    const statuses = async (groupId: number) => (await s.alerts.alerts(groupId)).map((a) => `${a.fingerprint}@${a.startsAt} ${a.status}`).sort();

    it('stores the captured sequence: one group, one row per alert, its latest state', async () => {
      const results = [];
      for (const [n, name] of GROUP_SEQUENCE.entries()) results.push(await ingest(fixturePayload(name), T0 + n * MINUTE));
      const id = results[0]!.group.id;
      expect(results.map((r) => [r.group.id, r.group.version, r.group.firingCount, r.becameResolved])).toEqual([
        [id, 1, 2, false],
        [id, 2, 1, false],
        [id, 3, 0, true],
      ]);
      expect(results[0]!.newlyFiring.map((a) => a.fingerprint).sort()).toEqual([WEB1, WEB2].sort());
      expect(results[1]!.newlyFiring).toEqual([]);
      expect(await statuses(id)).toEqual([`${WEB1}@${WEB1_STARTS} resolved`, `${WEB2}@${WEB2_STARTS} resolved`]);
      expect(await s.alerts.group(id)).toMatchObject({
        groupKey: '{}:{alertname="HighErrorRate", service="checkout"}',
        groupLabels: { alertname: 'HighErrorRate', service: 'checkout' },
        firstFiringAt: WEB1_STARTS,
        lastDeliveryAt: T0 + 2 * MINUTE,
      });
    });

    it('treats the same delivery sent again as a duplicate that changes nothing', async () => {
      const first = await ingest(fixturePayload('alertmanager-group-2-firing'), T0);
      const again = await ingest(fixturePayload('alertmanager-group-2-firing'), T0 + MINUTE);
      expect(again).toEqual({ group: first.group, duplicate: true, newlyFiring: [], becameResolved: false, firesAgain: false });
      expect(await engine.count('alerts')).toBe(2);
    });

    // Alertmanager re-sends the whole group every group_interval: a repeat of the stored state moved the version (a card update).
    it('records a delivery repeating the stored state (alerts in another order) without moving the version or the alerts', async () => {
      const first = await ingest(fixturePayload('alertmanager-group-2-firing'), T0);
      const before = await s.alerts.alerts(first.group.id);
      const p = fixturePayload('alertmanager-group-2-firing');
      const again = await ingest({ ...p, alerts: [...p.alerts].reverse() }, T0 + 5 * MINUTE);
      expect(again).toMatchObject({ duplicate: false, unchanged: true, group: { version: first.group.version, lastDeliveryAt: T0 + 5 * MINUTE } });
      expect(await s.alerts.alerts(first.group.id)).toEqual(before);
      const changed = await ingest(fixturePayload('alertmanager-group-mixed-1resolved-1firing'), T0 + 6 * MINUTE);
      expect([changed.unchanged, changed.group.version]).toEqual([undefined, first.group.version + 1]);
    });

    it('stores a delivery in parts, counted only when finished', async () => {
      const p = fixturePayload('alertmanager-group-2-firing');
      const opened = await s.alerts.openDelivery(p, deliveryKey(p), T0);
      if ('duplicate' in opened) throw new Error('not new');
      const newly = [...(await s.alerts.writeAlerts(opened, p.alerts.slice(0, 1), T0)), ...(await s.alerts.writeAlerts(opened, p.alerts.slice(1), T0))];
      expect(await s.alerts.openDelivery(p, deliveryKey(p), T0)).not.toHaveProperty('duplicate');
      const done = await s.alerts.finishDelivery(opened, p, deliveryKey(p), T0, newly);
      expect([done.group.firingCount, done.newlyFiring.length]).toEqual([2, 2]);
      expect(await s.alerts.openDelivery(p, deliveryKey(p), T0)).toHaveProperty('duplicate');
    });

    it('starts a new episode when a resolved group fires again', async () => {
      for (const name of GROUP_SEQUENCE) await ingest(fixturePayload(name));
      const again = await ingest(validPayload(rawPayload([rawAlert(1, { fingerprint: WEB1, startsAt: '2026-11-22T17:30:00Z' })])), T0 + MINUTE);
      expect(again.firesAgain).toBe(true);
      const episode = await s.alerts.startEpisode(again.group.id, Date.parse('2026-11-22T17:30:00Z'), T0 + MINUTE);
      expect(episode).toMatchObject({ acknowledged: null, incidentNumber: null, firstFiringAt: Date.parse('2026-11-22T17:30:00Z') });
    });

    it('starts the new episode inside the delivery that fires again after its incident closed, not while it is open', async () => {
      const at = (minute: number) => Date.parse(`2026-11-22T17:${String(minute).padStart(2, '0')}:00Z`);
      const alert = (startMinute: number, endMinute?: number) =>
        validPayload(rawPayload([rawAlert(0, { startsAt: new Date(at(startMinute)).toISOString(), ...(endMinute === undefined ? {} : { status: 'resolved', endsAt: new Date(at(endMinute)).toISOString() }) })]));
      const { group } = await ingest(alert(1), at(2));
      await s.alerts.updateGroup(group.id, at(2), (g) => ({ ...g, acknowledged: { by: 'alice', at: at(2) }, incidentNumber: incident.number }));
      await s.alerts.saveCard(group.id, 'slack', { channel: 'C1', messageId: 'M1' }, group.version);
      await ingest(alert(1, 5), at(5));

      // Its incident still open: the same episode (the war room is told instead).
      const whileOpen = await ingest(alert(10), at(11));
      expect(whileOpen).toMatchObject({ firesAgain: true, group: { incidentNumber: incident.number, acknowledged: { by: 'alice' } } });
      expect(await s.alerts.card(group.id, 'slack')).toBeDefined();

      await ingest(alert(10, 15), at(15));
      await s.incidents.mutate(incident.number, (current) => ({ incident: { ...current, phase: 'closed', closedAt: at(16) }, events: [] }));
      const afterClose = await ingest(alert(20), at(21));
      const episode = { incidentNumber: null, acknowledged: null, firstFiringAt: at(20) };
      expect(afterClose).toMatchObject({ firesAgain: true, group: episode });
      expect(await s.alerts.group(group.id)).toMatchObject(episode);
      expect(await s.alerts.card(group.id, 'slack')).toBeUndefined();
    });

    it('stores a batch in one commit, each delivery in its own savepoint, with the effects of those that changed something', async () => {
      const payload = (name: string) => validPayload(rawPayload([rawAlert(0, { fingerprint: `${name}-0` }), rawAlert(1, { fingerprint: `${name}-1` })], { groupKey: `{}:{alertname="${name}"}` }));
      const dup = payload('DUP');
      await ingest(dup);
      // JSON.stringify throws on a BigInt: BAD fails after its group and first alert were written.
      const bad = payload('BAD');
      (bad.alerts[1]!.labels as Record<string, unknown>)['instance'] = 3n;
      const seen: number[][] = [];
      const outcomes = await s.alerts.ingestBatch(
        [payload('A'), bad, dup, payload('C')].map((p) => ({ payload: p, key: p === dup ? deliveryKey(dup) : `key-${p.groupKey}` })),
        T0 + MINUTE,
        (results) => {
          seen.push(results.map((r) => r.group.id));
          return cardRows(results);
        },
      );
      expect(outcomes.map((o) => (o.ok ? (o.result.duplicate ? 'duplicate' : 'stored') : 'failed'))).toEqual(['stored', 'failed', 'duplicate', 'stored']);
      expect(await engine.count('alert_groups')).toBe(3);
      expect(await engine.count('alerts')).toBe(6);
      const stored = outcomes.flatMap((o) => (o.ok && !o.result.duplicate ? [o.result.group.id] : []));
      expect(seen).toEqual([stored]);
      expect(await engine.count('outbox')).toBe(2);
    });

    it('two replicas storing batches of the same groups in opposite orders both commit (groups are taken in one order)', async () => {
      // On PostgreSQL each delivery locks its group row until the commit: batches locking A then B and B then A
      // deadlocked (40P01) and were answered 503. Both are stored in group-key order now, whatever order they came in.
      const other = await engine.openAgain();
      const keys = ['{}:{alertname="DL-A"}', '{}:{alertname="DL-B"}', '{}:{alertname="DL-C"}'];
      for (let round = 0; round < 8; round += 1) {
        const delivery = (groupKey: string, replica: number) => {
          // Each delivery changes its group (a new firing), so none is a duplicate and each writes rows.
          const alerts = Array.from({ length: 20 }, (_, n) => rawAlert(n, { fingerprint: `dl-${n}`, startsAt: new Date(T0 + (round * 2 + replica) * MINUTE).toISOString() }));
          const payload = validPayload(rawPayload(alerts, { groupKey }));
          return { payload, key: `${groupKey}/${round}/${replica}` };
        };
        const [forward, backward] = await Promise.all([
          s.alerts.ingestBatch(keys.map((k) => delivery(k, 0)), T0 + round * MINUTE, cardRows),
          other.alerts.ingestBatch([...keys].reverse().map((k) => delivery(k, 1)), T0 + round * MINUTE, cardRows),
        ]);
        expect([...forward, ...backward].map((o) => (o.ok ? 'stored' : String(o.error)))).toEqual(Array(6).fill('stored'));
        // Outcomes stay in the order the deliveries were given.
        expect(backward.map((o) => (o.ok ? o.result.group.groupKey : ''))).toEqual([...keys].reverse());
      }
    });

    it('stores nothing of a batch whose written effects throw', async () => {
      const p = fixturePayload('alertmanager-group-2-firing');
      await expect(
        s.alerts.ingestBatch([{ payload: p, key: deliveryKey(p) }], T0, () => {
          throw new Error('no card for you');
        }),
      ).rejects.toThrow('no card for you');
      expect(await engine.count('alert_groups')).toBe(0);
      expect(await engine.count('alerts')).toBe(0);
    });

    it('answers a batch of one failing delivery with its failure and stores nothing of it', async () => {
      const bad = validPayload(rawPayload([rawAlert(0, { fingerprint: 'ONE-0' }), rawAlert(1, { fingerprint: 'ONE-1' })], { groupKey: '{}:{alertname="ONE"}' }));
      // JSON.stringify throws on a BigInt: the delivery fails after its group and first alert were written.
      (bad.alerts[1]!.labels as Record<string, unknown>)['instance'] = 3n;
      let asked = 0;
      const outcomes = await s.alerts.ingestBatch([{ payload: bad, key: 'key-one' }], T0, (results) => {
        asked++;
        return cardRows(results);
      });
      expect(outcomes.map((o) => o.ok)).toEqual([false]);
      expect(asked).toBe(0);
      expect(await engine.count('alert_groups')).toBe(0);
      expect(await engine.count('alerts')).toBe(0);
      expect(await engine.count('outbox')).toBe(0);
    });

    it('queues the written effects with a single delivery and with the last part of a delivery in parts', async () => {
      const effects = cardRows;
      const p = fixturePayload('alertmanager-firing');
      await s.alerts.ingest(p, deliveryKey(p), T0, effects);
      await s.alerts.ingest(p, deliveryKey(p), T0, effects);
      expect(await engine.count('outbox')).toBe(1);
      const q = fixturePayload('alertmanager-group-2-firing');
      const opened = await s.alerts.openDelivery(q, deliveryKey(q), T0);
      if ('duplicate' in opened) throw new Error('not new');
      const newly = await s.alerts.writeAlerts(opened, q.alerts, T0);
      expect(await engine.count('outbox')).toBe(1);
      await s.alerts.finishDelivery(opened, q, deliveryKey(q), T0, newly, effects);
      expect(await engine.count('outbox')).toBe(2);
    });

    it('updates a group atomically and links it to an incident', async () => {
      const { group } = await ingest(fixturePayload('alertmanager-firing'));
      const updated = await s.alerts.updateGroup(group.id, T0 + MINUTE, (g) => ({ ...g, acknowledged: { by: 'alice', at: T0 + MINUTE }, incidentNumber: incident.number }));
      expect(updated).toMatchObject({ version: group.version + 1, acknowledged: { by: 'alice', at: T0 + MINUTE }, incidentNumber: incident.number });
      expect(await s.alerts.updateGroup(group.id, T0, () => null)).toBeNull();
      expect((await s.alerts.groupsOfIncident(incident.number)).map((g) => g.id)).toEqual([group.id]);
      expect((await s.alerts.linkedTo(incident.number))[0]).toMatchObject({ id: group.id, acknowledgedBy: 'alice' });
      expect(await s.alerts.noiseSince(0)).toEqual({ groups: 1, notActionable: 0 });
      expect((await s.alerts.recentGroups(T0, 10)).map((g) => g.id)).toEqual([group.id]);
    });

    it('keeps the card digest current: counts, first alerts, shared labels and links', async () => {
      const at = (n: number) => new Date(WEB1_STARTS + n * 1000).toISOString();
      const p1 = validPayload(rawPayload([rawAlert(1), rawAlert(2), rawAlert(3, { generatorURL: '' })]));
      const { group } = await ingest(p1);
      const first = await s.alerts.digest(group.id);
      expect([first.firing, first.resolved]).toEqual([3, 0]);
      expect(first.firstFiring.map((a) => a.fingerprint)).toEqual(['fp00000000000001', 'fp00000000000002', 'fp00000000000003']);
      expect(first.firstResolved).toEqual([]);
      expect(first.sharedLabels).toEqual({ alertname: 'HighErrorRate', service: 'checkout', severity: 'critical' });
      expect(first.runbookUrl).toBe('https://runbooks.example.com/checkout');
      expect(first.generatorUrl).toMatch(/^http:\/\/prometheus/);

      // Alert 2 resolves, alert 1 changes its severity, and an earlier firing of alert 3 arrives late (stored, not shown).
      const p2 = validPayload(
        rawPayload([
          rawAlert(1, { labels: { alertname: 'HighErrorRate', instance: 'web-1:9100', service: 'checkout', severity: 'warning' } }),
          rawAlert(2, { status: 'resolved', endsAt: at(60) }),
          rawAlert(3, { startsAt: at(-600) }),
        ]),
      );
      await ingest(p2, T0 + MINUTE);
      const second = await s.alerts.digest(group.id);
      expect([second.firing, second.resolved]).toEqual([2, 1]);
      expect(second.firstFiring.map((a) => a.fingerprint)).toEqual(['fp00000000000001', 'fp00000000000003']);
      expect(second.firstResolved.map((a) => a.fingerprint)).toEqual(['fp00000000000002']);
      expect(second.sharedLabels).toEqual({ alertname: 'HighErrorRate', service: 'checkout' });
      expect((await s.alerts.group(group.id))?.firingCount).toBe(2);
      expect(await engine.count('alerts')).toBe(4);
      expect(await s.alerts.digest(999)).toMatchObject({ firing: 0, resolved: 0, firstFiring: [], firstResolved: [], sharedLabels: undefined });
    });

    it('lets one replica claim a first card, and tracks the card version', async () => {
      const other = await engine.openAgain();
      const { group } = await ingest(fixturePayload('alertmanager-firing'));
      const claims = await Promise.all([s.alerts.claimCard(group.id, 'slack', T0, MINUTE), other.alerts.claimCard(group.id, 'slack', T0, MINUTE)]);
      expect(claims.sort()).toEqual([false, true]);
      expect(await s.alerts.claimCard(group.id, 'slack', T0 + 2 * MINUTE, MINUTE)).toBe(true);
      expect(await s.alerts.staleCards(['slack'], T0, 10)).toEqual([group.id]);
      await s.alerts.saveCard(group.id, 'slack', { channel: 'C1', messageId: 'M1' }, group.version);
      await s.alerts.saveCard(group.id, 'slack', { channel: 'C1', messageId: 'M1' }, group.version - 1);
      expect(await s.alerts.card(group.id, 'slack')).toEqual({ channel: 'C1', messageId: 'M1', version: group.version });
      expect(await s.alerts.staleCards(['slack'], T0, 10)).toEqual([]);
      expect(await s.alerts.claimCard(group.id, 'slack', T0 + 9 * MINUTE, MINUTE)).toBe(false);
    });
  });

  describe('outbox', () => {
    it('claims the head of each target, incident lane first, then replies, then alert cards, and leases it', async () => {
      // The reply and the alert card are older rows: the lane, not the age, puts them after the incident's.
      await s.outbox.enqueue([effect('alerts', { lane: 'alert' }), effect('reply:U1', { lane: 'reply' }), effect('room:1'), effect('room:1', { effect: { kind: 'card', number: 1, pin: false } }), effect('room:2')]);
      const claimed = await s.outbox.claim('slack', T0, MINUTE, 10);
      expect(claimed.map((r) => [r.target, r.effect.kind])).toEqual([
        ['room:1', 'topic'],
        ['room:2', 'topic'],
        ['reply:U1', 'topic'],
        ['alerts', 'topic'],
      ]);
      expect(await s.outbox.claim('slack', T0, MINUTE, 10)).toEqual([]);
      await s.outbox.delivered(claimed[0]!.id, T0, 'M1');
      expect((await s.outbox.claim('slack', T0, MINUTE, 10)).map((r) => r.effect.kind)).toEqual(['card']);
      expect(await s.outbox.backlog()).toEqual({ pending: { incident: 2, reply: 1, alert: 1, webhook: 0, github: 0 }, oldestCreatedAt: T0 });
    });

    it('retries later, gives up, and supersedes older rows of a coalesce key', async () => {
      await s.outbox.enqueue([effect('room:1', { coalesceKey: 'topic:1', version: 1 }), effect('room:1', { coalesceKey: 'topic:1', version: 2 })]);
      await s.outbox.enqueue([effect('room:1', { coalesceKey: 'topic:1', version: 2 })]);
      const [row] = await s.outbox.claim('slack', T0, MINUTE, 10);
      expect(row?.version).toBe(2);
      await s.outbox.later(row!.id, T0 + MINUTE, 'rate limited', true);
      expect(await s.outbox.claim('slack', T0, MINUTE, 10)).toEqual([]);
      const [again] = await s.outbox.claim('slack', T0 + MINUTE, MINUTE, 10);
      expect(again).toMatchObject({ id: row!.id, attempts: 1, lastError: 'rate limited' });
      await s.outbox.gaveUp(again!.id, T0 + MINUTE, 'channel_not_found');
      expect((await s.outbox.givenUp(1)).map((r) => r.lastError)).toEqual(['channel_not_found']);
    });

    // An alert storm wrote one row per delivery for each card (each one superseded at the next claim).
    it('moves a queued row no process is sending up to a newer version of its key, instead of writing another', async () => {
      const card = (key: number, version: number, pin = false, at = T0) =>
        effect(`alert:${key}`, { lane: 'alert', coalesceKey: `alert_card:slack:${key}`, version, at, effect: { kind: 'card', number: key, pin } });
      await s.outbox.enqueue([card(7, 1)]);
      await s.outbox.enqueue([card(7, 2), card(7, 3)]);
      expect(await s.outbox.backlog()).toMatchObject({ pending: { alert: 1 } });
      const claimed = await s.outbox.claim('slack', T0, MINUTE, 10);
      expect(claimed.map((r) => r.version)).toEqual([3]);
      // Leased (being sent from the state as it was): a change after the claim gets a row of its own.
      await s.outbox.enqueue([card(7, 4, false, T0 + 1000)]);
      expect(await s.outbox.backlog()).toMatchObject({ pending: { alert: 2 } });
      // Another payload under one key says something else: a row of its own too.
      await s.outbox.enqueue([card(8, 1), card(8, 2, true)]);
      expect(await s.outbox.backlog()).toMatchObject({ pending: { alert: 4 } });
    });

    it('tells this process of the rows it wrote, once their transaction is over, until unsubscribed', async () => {
      const heard: string[] = [];
      const stop = s.outbox.onWritten?.((platform) => heard.push(platform));
      expect(stop).toBeTypeOf('function');
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      await s.incidents.mutate(incident.number, (current) => ({ incident: current, events: [], effects: [effect('room:1', { platform: 'mattermost' })] }));
      await s.outbox.enqueue([effect('room:1'), effect('room:2')]);
      await turn();
      expect(heard.sort()).toEqual(['mattermost', 'slack']);
      stop?.();
      await s.outbox.enqueue([effect('room:3')]);
      await turn();
      expect(heard).toHaveLength(2);
    });

    it('never gives one row to two replicas claiming at once', async () => {
      const other = await engine.openAgain();
      await s.outbox.enqueue(Array.from({ length: 40 }, (_, n) => effect(`room:${n}`)));
      const [a, b] = await Promise.all([s.outbox.claim('slack', T0, MINUTE, 25), other.outbox.claim('slack', T0, MINUTE, 25)]);
      const ids = [...a!, ...b!].map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(40);
    });
  });

  describe('follow-ups and checklists', () => {
    it('stores action items with their timeline entries and updates them atomically', async () => {
      const item = await s.followUps.addActionItem(
        { incidentNumber: incident.number, text: 'Add alert', owner: 'bob', due: '2026-12-01', state: 'open', createdAt: T0, createdBy: 'alice', doneAt: null, doneBy: null },
        note(incident.number),
      );
      const done = await s.followUps.updateActionItem(item.id, (i) => ({ item: { ...i, state: 'done', doneAt: T0 + MINUTE, doneBy: 'bob' }, entry: note(incident.number) }));
      expect(done).toMatchObject({ state: 'done', doneBy: 'bob' });
      expect(await s.followUps.actionItem(item.id)).toEqual(done);
      expect(await s.followUps.openActionItems()).toEqual([]);
      expect((await s.followUps.actionItemsOf(incident.number)).map((i) => i.id)).toEqual([item.id]);
      expect(await s.followUps.updateActionItem(999, (i) => ({ item: i, entry: null }))).toBeUndefined();
      expect(await s.incidents.timeline(incident.number)).toHaveLength(2);
    });

    it('keeps the latest postmortem and its sections', async () => {
      expect(await s.followUps.postmortem(incident.number)).toBeUndefined();
      expect((await s.followUps.postmortemSections(incident.number)).summary).toBe('');
      await s.followUps.savePostmortem(incident.number, '# one', note(incident.number, T0));
      const sections = { summary: 'S', impact: 'I', contributingFactors: 'C', wentWell: 'W', wentWrong: 'X' };
      await s.followUps.savePostmortemSections(incident.number, sections, '# two', note(incident.number, T0 + MINUTE));
      expect(await s.followUps.postmortem(incident.number)).toEqual({ markdown: '# two', generatedAt: T0 + MINUTE });
      expect(await s.followUps.postmortemSections(incident.number)).toEqual(sections);
    });

    it('queues an item effects made from the saved item, and keeps its GitHub issue', async () => {
      const item = await s.followUps.addActionItem(
        { incidentNumber: incident.number, text: 'Add alert', owner: null, due: null, state: 'open', createdAt: T0, createdBy: 'alice', doneAt: null, doneBy: null },
        note(incident.number),
        (saved) => [effect(`item:${saved.id}`, { platform: 'github', lane: 'github' })],
      );
      const claimed = await s.outbox.claim('github', T0, MINUTE, 10);
      expect(claimed.map((r) => [r.target, r.lane])).toEqual([[`item:${item.id}`, 'github']]);
      const linked = await s.followUps.updateActionItem(item.id, (i) => ({ item: { ...i, issue: { number: 42, url: 'https://github.com/o/r/issues/42' } }, entry: note(incident.number) }));
      expect(linked?.issue).toEqual({ number: 42, url: 'https://github.com/o/r/issues/42' });
      expect(await s.followUps.actionItem(item.id)).toEqual(linked);
    });

    it('queues the digest with the claim of its slot, once', async () => {
      const other = await engine.openAgain();
      const digest = () => [queued('digest', { kind: 'overdue' as const, user: 'bob', items: [] }, { platform: 'email' })];
      const claims = await Promise.all([s.followUps.claimDigest(T0, T0, digest), other.followUps.claimDigest(T0, T0, digest)]);
      expect(claims.sort()).toEqual([false, true]);
      expect(await engine.count('outbox')).toBe(1);
      expect((await s.outbox.claim('email', T0, MINUTE, 10)).map((r) => r.target)).toEqual(['digest']);
      let called = false;
      expect(
        await s.followUps.claimDigest(T0, T0, () => {
          called = true;
          return [];
        }),
      ).toBe(false);
      expect(called).toBe(false);
    });

    it('gives each digest slot to one replica', async () => {
      const other = await engine.openAgain();
      const claims = await Promise.all([s.followUps.claimDigest(T0, T0), other.followUps.claimDigest(T0, T0)]);
      expect(claims.sort()).toEqual([false, true]);
    });

    it('stores checklist items, ticks them with a timeline entry, and counts progress', async () => {
      const base = { incidentNumber: incident.number, source: 'sev2', checkedAt: null, checkedBy: null };
      const added = await s.checklists.addChecklistItems([
        { ...base, position: 1, text: 'Page on-call', required: true },
        { ...base, position: 2, text: 'Status page', required: false },
      ]);
      expect(added.map((i) => [i.position, i.required])).toEqual([
        [1, true],
        [2, false],
      ]);
      const ticked = await s.checklists.updateChecklistItem(added[0]!.id, (i) => ({ item: { ...i, checkedAt: T0, checkedBy: 'bob' }, entry: note(incident.number) }));
      expect(await s.checklists.checklistItem(added[0]!.id)).toEqual(ticked);
      expect((await s.checklists.checklistOf(incident.number)).map((i) => i.text)).toEqual(['Page on-call', 'Status page']);
      expect(await s.checklists.progressOf([incident.number, 99])).toEqual(new Map([[incident.number, { done: 1, total: 2 }]]));
      expect(await s.checklists.updateChecklistItem(999, (i) => ({ item: i, entry: note(1) }))).toBeUndefined();
    });
  });

  describe('pages and dashboard annotations', () => {
    const paged = (team: string) => event('note', T0, 'alice', `paged ${team}`, {});
    const newPage = (team: string) => ({ incidentNumber: incident.number, team, message: 'help', severity: 'sev2' as const, pagedAt: T0, pagedBy: 'alice', refreshedAt: T0, resolvedAt: null });

    it('adds pages with their entry and effects, each rule seeing the pages before it', async () => {
      const other = await engine.openAgain();
      const seen: number[] = [];
      const add = (stores: Stores, team: string) =>
        stores.integrations.addPage(
          incident.number,
          (pages) => {
            seen.push(pages.length);
            return { page: newPage(team), entry: paged(team) };
          },
          (page) => [queued(`page:${page.id}`, { kind: 'page_alert' as const, number: incident.number, pageId: page.id }, { platform: 'alertmanager', lane: 'alert' })],
        );
      const [a, b] = await Promise.all([add(s, 'db'), add(other, 'web')]);
      expect(seen.sort()).toEqual([0, 1]);
      expect((await s.integrations.pagesOf(incident.number)).map((p) => p.id)).toEqual([a.id, b.id].sort());
      expect(await s.integrations.page(a.id)).toEqual(a);
      expect((await s.outbox.claim('alertmanager', T0, MINUTE, 10)).map((r) => r.target).sort()).toEqual([`page:${a.id}`, `page:${b.id}`].sort());
      expect(await s.incidents.timeline(incident.number)).toHaveLength(2);
    });

    it('updates a page atomically, and lists the firing ones', async () => {
      const page = await s.integrations.addPage(incident.number, () => ({ page: newPage('db'), entry: paged('db') }), () => []);
      expect(await s.integrations.updatePage(page.id, () => null)).toEqual(page);
      const resolved = await s.integrations.updatePage(page.id, (p) => ({ page: { ...p, resolvedAt: T0 + MINUTE }, entry: note(incident.number), effects: [] }));
      expect(resolved?.resolvedAt).toBe(T0 + MINUTE);
      expect(await s.integrations.page(page.id)).toEqual(resolved);
      expect(await s.integrations.firingPages()).toEqual([]);
      expect(await s.integrations.updatePage(999, () => null)).toBeUndefined();
    });

    it('queues each annotation state once, whatever the replica, and keeps Grafana\'s id', async () => {
      const other = await engine.openAgain();
      const annotation = () => [queued('annotation:1', { kind: 'annotation' as const, number: incident.number }, { platform: 'grafana', lane: 'alert' })];
      expect(await s.integrations.annotationIdOf(incident.number)).toBeNull();
      const results = await Promise.all([s.integrations.queueAnnotation(incident.number, 'open', annotation()), other.integrations.queueAnnotation(incident.number, 'open', annotation())]);
      expect(results.sort()).toEqual([false, true]);
      expect(await s.integrations.queueAnnotation(incident.number, 'resolved', annotation())).toBe(true);
      expect(await engine.count('outbox')).toBe(2);
      await other.integrations.saveAnnotationId(incident.number, '77');
      expect(await s.integrations.annotationIdOf(incident.number)).toBe('77');
    });
  });

  describe('publications', () => {
    it('publishes with updates appended, takes down, and lists what is live', async () => {
      const publication = { incidentNumber: incident.number, publicId: 'p1', title: 'Checkout slow', impact: null, components: ['Checkout'], publishedAt: T0, publishedBy: 'alice', changedAt: T0, live: true, updates: [{ text: 'Looking', at: T0, by: 'alice' }] };
      const before = await s.publications.version();
      await s.publications.mutatePublication(incident.number, () => ({ publication, events: [note(incident.number)] }));
      expect(await s.publications.version()).not.toBe(before);
      await s.publications.mutatePublication(incident.number, (p) => ({ publication: { ...p!, publicId: 'ignored', changedAt: T0 + 1, updates: [...p!.updates, { text: 'Fixed', at: T0 + 1, by: 'bob' }] }, events: [] }));
      expect(await s.publications.publicationOf(incident.number)).toEqual({ ...publication, changedAt: T0 + 1, updates: [...publication.updates, { text: 'Fixed', at: T0 + 1, by: 'bob' }] });
      expect((await s.publications.livePublications(10)).map((p) => p.publicId)).toEqual(['p1']);
      await s.publications.mutatePublication(incident.number, (p) => ({ publication: { ...p!, live: false }, events: [] }));
      expect(await s.publications.livePublications(10)).toEqual([]);
      expect(await s.publications.mutatePublication(incident.number, () => null)).toMatchObject({ live: false });
    });
  });

  describe('sessions, dialog nonces, settings', () => {
    it('keeps sessions for every replica', async () => {
      const other = await engine.openAgain();
      await s.sessions.create('h1', { viewer: 'alice', createdAt: T0, lastSeenAt: T0 });
      await other.sessions.touch('h1', T0 + MINUTE);
      expect(await s.sessions.find('h1')).toEqual({ viewer: 'alice', createdAt: T0, lastSeenAt: T0 + MINUTE });
      await s.sessions.expire(T0 + 2 * MINUTE, 0);
      expect(await other.sessions.find('h1')).toBeUndefined();
    });

    it('uses a dialog nonce once, whatever the replica', async () => {
      const other = await engine.openAgain();
      expect(await s.nonces.use('n1', T0, T0 + MINUTE)).toBe(true);
      expect(await other.nonces.use('n1', T0, T0 + MINUTE)).toBe(false);
    });

    it('forgets a used nonce once it has expired (pruned at most every NONCE_PRUNE_EVERY_MS, not on every use)', async () => {
      expect(await s.nonces.use('n2', T0, T0 + MINUTE)).toBe(true);
      expect(await s.nonces.use('n2', T0 + MINUTE - 1, T0 + 2 * MINUTE)).toBe(false);
      // Expired, and the last prune is more than NONCE_PRUNE_EVERY_MS ago: the row is gone, the nonce is new again.
      expect(await s.nonces.use('n2', T0 + MINUTE + NONCE_PRUNE_EVERY_MS, T0 + 3 * MINUTE)).toBe(true);
    });

    it('generates the session secret once and gives every replica the same', async () => {
      const other = await engine.openAgain();
      const [a, b] = await Promise.all([sessionSecret(undefined, s.settings), sessionSecret(undefined, other.settings)]);
      expect(a).toBe(b);
      expect(a.length).toBeGreaterThanOrEqual(32);
      expect(await sessionSecret(undefined, s.settings)).toBe(a);
      expect(await sessionSecret('x'.repeat(40), s.settings)).toBe('x'.repeat(40));
    });

    it('remembers the last topic of each channel for every replica, per platform', async () => {
      const other = await engine.openAgain();
      expect(await s.topics('slack').isLast('C1', 'x')).toBe(false);
      await s.topics('slack').remember('C1', 'x');
      expect(await other.topics('slack').isLast('C1', 'x')).toBe(true);
      await other.topics('slack').remember('C1', 'y');
      expect(await s.topics('slack').isLast('C1', 'x')).toBe(false);
      expect(await s.topics('mattermost').isLast('C1', 'y')).toBe(false);
    });

    it('gives a lease to one replica at a time: renewed by its holder, taken over once expired or released', async () => {
      const other = await engine.openAgain();
      const ttl = 30_000;
      expect(await s.leases.claim('gauges', 'a', T0, ttl)).toBe(true);
      expect(await other.leases.claim('gauges', 'b', T0 + 1, ttl)).toBe(false);
      // Renewed by its holder before it runs out, so b is still refused after the first term.
      expect(await s.leases.claim('gauges', 'a', T0 + ttl - 1, ttl)).toBe(true);
      expect(await other.leases.claim('gauges', 'b', T0 + ttl + 1, ttl)).toBe(false);
      expect(await other.leases.claim('gauges', 'b', T0 + 2 * ttl - 1, ttl)).toBe(true);
      expect(await s.leases.claim('gauges', 'a', T0 + 2 * ttl, ttl)).toBe(false);
      // Another lease name is another lease; releasing someone else's lease does nothing.
      expect(await s.leases.claim('other', 'a', T0 + 2 * ttl, ttl)).toBe(true);
      await s.leases.release('gauges', 'a');
      expect(await s.leases.claim('gauges', 'a', T0 + 2 * ttl, ttl)).toBe(false);
      await other.leases.release('gauges', 'b');
      expect(await s.leases.claim('gauges', 'a', T0 + 2 * ttl, ttl)).toBe(true);
    });

    it('never gives a free lease to two replicas claiming at once', async () => {
      const replicas = [s, ...(await Promise.all([1, 2, 3].map(() => engine.openAgain())))];
      for (let round = 0; round < 5; round += 1) {
        // Each round starts after the last holder's term: every replica finds it expired and races for it.
        const at = T0 + round * MINUTE;
        const won = await Promise.all(replicas.map((r, i) => r.leases.claim('gauges', `r${i}`, at, 1000)));
        expect(won.filter(Boolean)).toHaveLength(1);
      }
    });

    it('proves the database takes a write', async () => {
      await s.proveWritable(T0);
      await s.proveWritable(T0 + 1);
      expect(await engine.count('health_heartbeat')).toBe(1);
    });
  });
});
