/** IncidentStore contract, on SQLite and PostgreSQL (extracted from test/storage/sqlite-incident-store.test.ts, async). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../../src/incidents/incident.ts';
import { assignRole, postUpdate, transition } from '../../../src/incidents/incident-rules.ts';
import { claimDueReminder } from '../../../src/incidents/reminders.ts';
import { event, type TimelineEvent } from '../../../src/incidents/timeline.ts';
import type { Stores } from '../../../src/storage/open-database.ts';
import { HOUR, MINUTE, T0 } from '../../fakes/fixed-clock.ts';
import { anIncident } from '../../fakes/incident-builder.ts';
import { type Engine, ENGINES } from './engines.ts';

const declared = (overrides: Partial<Incident> = {}): Incident => anIncident({ number: 0, ...overrides });
const declaredEvent = (at = T0): TimelineEvent => event('declared', at, 'alice', 'Declared SEV2: Checkout latency spike', { severity: 'sev2', private: false });

describe.each(ENGINES.map((make) => [make().name, make] as const))('IncidentStore on %s', (_name, makeEngine) => {
  let engine: Engine;
  let stores: Stores;
  let store: Stores['incidents'];

  beforeEach(async () => {
    engine = makeEngine();
    stores = await engine.open();
    store = stores.incidents;
  });

  afterEach(async () => {
    await engine.cleanup();
  });

  describe('create and get', () => {
    it('numbers incidents 1, 2, 3', async () => {
      const numbers = [];
      for (let i = 0; i < 3; i += 1) numbers.push((await store.create(declared(), [declaredEvent()])).number);
      expect(numbers).toEqual([1, 2, 3]);
    });

    it('gives back exactly what was stored', async () => {
      const full = declared({
        isPrivate: true,
        platform: 'mattermost',
        roles: { commander: 'carol', 'partner-comms': 'dave' },
        lastUpdate: { text: 'Rolled back', at: T0 + MINUTE, by: 'carol' },
        room: { channelId: 'C1', channelName: 'inc-1-checkout', cardMessageId: 'M1' },
        reminderStage: 'escalate',
        phase: 'mitigated',
        mitigatedAt: T0 + 2 * MINUTE,
        type: 'security',
        drill: true,
      });
      const created = await store.create(full, [declaredEvent()]);
      expect(await store.get(created.number)).toEqual({ ...full, number: 1 });
    });

    it('keeps a cadence that is off', async () => {
      const { number } = await store.create(declared({ cadence: null, nextUpdateDue: null, reminderAt: null, reminderStage: null }), []);
      expect(await store.get(number)).toMatchObject({ cadence: null, nextUpdateDue: null, reminderAt: null, reminderStage: null });
    });

    it('is undefined for an unknown number', async () => {
      expect(await store.get(99)).toBeUndefined();
    });
  });

  it('keeps timeline events in order with their data', async () => {
    const { number } = await store.create(declared(), [declaredEvent()]);
    await store.mutate(number, (current) => assignRole(current, 'commander', 'carol', 'alice', T0 + MINUTE));
    await store.mutate(number, (current) => postUpdate(current, 'Rolled back', 'carol', T0 + 2 * MINUTE));
    expect(await store.timeline(number)).toEqual([
      declaredEvent(),
      event('role_assigned', T0 + MINUTE, 'alice', 'IC is now carol', { role: 'commander', user: 'carol', previous: null }),
      event('update_posted', T0 + 2 * MINUTE, 'carol', 'Rolled back', { late: false }),
    ]);
  });

  describe('roles', () => {
    it('round-trip through create and mutate, including replacing a holder', async () => {
      const { number } = await store.create(declared({ roles: { commander: 'carol' } }), []);
      await store.mutate(number, (current) => assignRole(current, 'comms', 'carol', 'alice', T0));
      await store.mutate(number, (current) => assignRole(current, 'commander', 'dave', 'alice', T0));
      await store.mutate(number, (current) => assignRole(current, 'social-comms', 'erin', 'alice', T0));
      expect((await store.get(number))?.roles).toEqual({ commander: 'dave', comms: 'carol', 'social-comms': 'erin' });
    });

    it('come back with incidents listed in bulk', async () => {
      await store.create(declared({ roles: { commander: 'carol' } }), []);
      await store.create(declared({ roles: { scribe: 'dave' } }), []);
      expect((await store.listOpen()).map((i) => i.roles)).toEqual([{ commander: 'carol' }, { scribe: 'dave' }]);
      expect((await store.dueReminders(T0 + HOUR, 10, ['slack'])).map((i) => i.roles)).toEqual([{ commander: 'carol' }, { scribe: 'dave' }]);
    });
  });

  describe('mutate', () => {
    it('hands the rule the stored incident and saves its change with the events', async () => {
      const { number } = await store.create(declared(), [declaredEvent()]);
      await store.mutate(number, (current) => assignRole(current, 'commander', 'carol', 'alice', T0));
      let seen: Incident | undefined;
      const change = await store.mutate(number, (current) => {
        seen = current;
        return transition(current, 'mitigate', 'drained', 'carol', T0 + MINUTE);
      });
      expect(seen?.roles).toEqual({ commander: 'carol' });
      expect(change?.incident.phase).toBe('mitigated');
      expect(await store.get(number)).toMatchObject({ phase: 'mitigated', mitigatedAt: T0 + MINUTE });
      expect((await store.timeline(number)).map((e) => e.kind)).toEqual(['declared', 'role_assigned', 'phase_changed']);
    });

    it('writes nothing when the rule returns null', async () => {
      const { number } = await store.create(declared(), [declaredEvent()]);
      const before = await store.get(number);
      expect(await store.mutate(number, () => null)).toBeNull();
      expect(await store.get(number)).toEqual(before);
      expect(await store.timeline(number)).toHaveLength(1);
    });

    it('writes nothing when the rule throws', async () => {
      const { number } = await store.create(declared(), [declaredEvent()]);
      await expect(store.mutate(number, (current) => transition(current, 'resolve', '', 'alice', T0))).rejects.toThrowError(/phase_skip/);
      expect((await store.get(number))?.phase).toBe('active');
      expect(await store.timeline(number)).toHaveLength(1);
    });

    it('is null for an unknown incident, without calling the rule', async () => {
      let called = false;
      const result = await store.mutate(42, () => {
        called = true;
        return null;
      });
      expect(result).toBeNull();
      expect(called).toBe(false);
    });
  });

  describe('reminders_sent: one reminder per incident, due time and stage', () => {
    it('refuses a second claim of the same reminder and rolls back everything that came with it', async () => {
      const { number } = await store.create(declared(), [declaredEvent()]);
      const stale = (await store.get(number))!;
      expect(await store.mutate(number, (current) => claimDueReminder(current, T0 + HOUR) ?? null)).not.toBeNull();
      const afterFirst = await store.get(number);

      // A replica that read the incident before the first claim tries to claim the same lapse again.
      const second = await store.mutate(number, () => {
        const claimed = claimDueReminder(stale, T0 + HOUR + MINUTE);
        return claimed ? { ...claimed, incident: { ...claimed.incident, title: 'changed by the loser' } } : null;
      });

      expect(second).toBeNull();
      expect(await store.get(number)).toEqual(afterFirst);
      expect((await store.timeline(number)).map((e) => e.kind)).toEqual(['declared']);
      expect(await engine.count('reminders_sent')).toBe(1);
    });

    it('allows the escalation of the same lapse and the nag of the next one', async () => {
      const { number } = await store.create(declared(), []);
      await store.mutate(number, (current) => claimDueReminder(current, T0 + HOUR) ?? null);
      expect(await store.mutate(number, (current) => claimDueReminder(current, T0 + 2 * HOUR) ?? null)).not.toBeNull();
      await store.mutate(number, (current) => postUpdate(current, 'Still digging', 'carol', T0 + 2 * HOUR));
      expect(await store.mutate(number, (current) => claimDueReminder(current, T0 + 3 * HOUR) ?? null)).not.toBeNull();
      expect(await engine.count('reminders_sent')).toBe(3);
    });
  });

  describe('queries', () => {
    it('dueReminders finds only due incidents of the platforms, earliest first, up to the limit', async () => {
      const at = async (reminderAt: number | null, platform: Incident['platform'] = 'slack') =>
        (await store.create(declared({ reminderAt, nextUpdateDue: reminderAt, platform }), [])).number;
      const late = await at(T0 + 30 * MINUTE);
      const early = await at(T0 + 10 * MINUTE);
      await at(T0 + 2 * HOUR);
      await at(null);
      const exactlyNow = await at(T0 + HOUR);
      const mattermost = await at(T0 + 5 * MINUTE, 'mattermost');

      expect((await store.dueReminders(T0 + HOUR, 10, ['slack'])).map((i) => i.number)).toEqual([early, late, exactlyNow]);
      expect((await store.dueReminders(T0 + HOUR, 2, ['slack'])).map((i) => i.number)).toEqual([early, late]);
      expect((await store.dueReminders(T0 + HOUR, 10, ['mattermost', 'slack'])).map((i) => i.number)).toEqual([mattermost, early, late, exactlyNow]);
      expect(await store.dueReminders(T0, 10, ['slack'])).toEqual([]);
    });

    it('findByRoom finds the incident by platform and channel', async () => {
      await store.create(declared({ room: { channelId: 'C1', channelName: 'inc-1', cardMessageId: null } }), []);
      const second = await store.create(declared({ platform: 'mattermost', room: { channelId: 'C1', channelName: 'inc-2', cardMessageId: null } }), []);
      expect((await store.findByRoom('slack', 'C1'))?.number).toBe(1);
      expect((await store.findByRoom('mattermost', 'C1'))?.number).toBe(second.number);
      expect(await store.findByRoom('slack', 'C2')).toBeUndefined();
    });

    it('listOpen excludes closed incidents, oldest first', async () => {
      for (const phase of ['active', 'closed', 'mitigated', 'resolved'] as const) await store.create(declared({ phase }), []);
      expect((await store.listOpen()).map((i) => [i.number, i.phase])).toEqual([
        [1, 'active'],
        [3, 'mitigated'],
        [4, 'resolved'],
      ]);
    });

    it('pages newest first with filters, and lists by declared and closed time', async () => {
      await store.create(declared({ severity: 'sev1', declaredAt: T0 }), []);
      await store.create(declared({ severity: 'sev2', declaredAt: T0 + HOUR, phase: 'closed', closedAt: T0 + 2 * HOUR }), []);
      await store.create(declared({ severity: 'sev1', declaredAt: T0 + 2 * HOUR, phase: 'closed', closedAt: T0 + 3 * HOUR }), []);
      expect((await store.page({ limit: 10 })).map((i) => i.number)).toEqual([3, 2, 1]);
      expect((await store.page({ severity: 'sev1', limit: 10 })).map((i) => i.number)).toEqual([3, 1]);
      expect((await store.page({ phase: 'closed', before: 3, limit: 10 })).map((i) => i.number)).toEqual([2]);
      expect((await store.page({ limit: 1 })).map((i) => i.number)).toEqual([3]);
      expect((await store.declaredSince(T0 + HOUR)).map((i) => i.number)).toEqual([2, 3]);
      expect((await store.closedSince(T0, 1)).map((i) => i.number)).toEqual([3]);
    });

    it('counts open incidents by severity and phase, and overdue updates, leaving drills out', async () => {
      await store.create(declared({ severity: 'sev1', nextUpdateDue: T0 }), []);
      await store.create(declared({ severity: 'sev1', nextUpdateDue: T0 }), []);
      await store.create(declared({ severity: 'sev2', phase: 'mitigated', nextUpdateDue: T0 + HOUR }), []);
      await store.create(declared({ severity: 'sev1', drill: true, nextUpdateDue: T0 }), []);
      await store.create(declared({ severity: 'sev3', phase: 'closed' }), []);
      const open = (await store.countOpen()).map((r) => ({ ...r, count: Number(r.count) }));
      expect(open.sort((a, b) => a.severity.localeCompare(b.severity))).toEqual([
        { severity: 'sev1', phase: 'active', count: 2 },
        { severity: 'sev2', phase: 'mitigated', count: 1 },
      ]);
      expect(await store.countOverdue(T0 + MINUTE)).toBe(2);
    });
  });

  describe('mutateDue: the reminder tick in one transaction', () => {
    const claim = (current: Incident) => claimDueReminder(current, T0 + HOUR) ?? null;

    it('saves the changes of the due incidents of the platforms, earliest first, up to the limit', async () => {
      const at = async (reminderAt: number | null, platform: Incident['platform'] = 'slack') =>
        (await store.create(declared({ reminderAt, nextUpdateDue: reminderAt, platform }), [])).number;
      const late = await at(T0 + 30 * MINUTE);
      const early = await at(T0 + 10 * MINUTE);
      await at(T0 + 2 * HOUR);
      await at(T0 + 5 * MINUTE, 'mattermost');
      const seen: number[] = [];
      const changes = await store.mutateDue(T0 + HOUR, 10, ['slack'], (current) => {
        seen.push(current.number);
        return claim(current);
      });
      expect(seen).toEqual([early, late]);
      expect(changes.map((c) => c.incident.number)).toEqual([early, late]);
      expect(await engine.count('reminders_sent')).toBe(2);
      expect((await store.get(early))?.reminderStage).toBe(changes[0]!.incident.reminderStage);
      expect((await store.mutateDue(T0 + HOUR, 1, ['mattermost'], claim)).map((c) => c.incident.number)).toHaveLength(1);
    });

    it('writes nothing for a rule returning null, and nothing at all when the rule throws', async () => {
      const { number } = await store.create(declared({ reminderAt: T0, nextUpdateDue: T0 }), []);
      expect(await store.mutateDue(T0 + HOUR, 10, ['slack'], () => null)).toEqual([]);
      await expect(
        store.mutateDue(T0 + HOUR, 10, ['slack'], () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await engine.count('reminders_sent')).toBe(0);
      expect((await store.get(number))?.reminderAt).toBe(T0);
    });

    it('claims each lapse once when two replicas tick at the same moment', async () => {
      const other = await engine.openAgain();
      for (let i = 0; i < 5; i++) await store.create(declared({ reminderAt: T0 + i * MINUTE, nextUpdateDue: T0 + i * MINUTE }), []);
      const [a, b] = await Promise.all([store.mutateDue(T0 + HOUR, 10, ['slack'], claim), other.incidents.mutateDue(T0 + HOUR, 10, ['slack'], claim)]);
      const numbers = [...a, ...b].map((c) => c.incident.number).sort();
      expect(numbers).toEqual([1, 2, 3, 4, 5]);
      expect(await engine.count('reminders_sent')).toBe(5);
      // A later tick finds nothing due: the claims moved every reminder on.
      expect(await other.incidents.mutateDue(T0 + HOUR, 10, ['slack'], claim)).toEqual([]);
    });
  });

  describe('openOverview', () => {
    it('counts each open phase and gives the newest of each, oldest first, leaving closed incidents out', async () => {
      for (let i = 0; i < 4; i++) await store.create(declared(), []);
      for (let i = 0; i < 2; i++) await store.create(declared({ phase: 'mitigated' }), []);
      await store.create(declared({ phase: 'closed', closedAt: T0 }), []);
      const overview = await store.openOverview(3);
      expect(overview.counts).toEqual({ active: 4, mitigated: 2 });
      expect(overview.newest.map((i) => [i.number, i.phase])).toEqual([
        [2, 'active'],
        [3, 'active'],
        [4, 'active'],
        [5, 'mitigated'],
        [6, 'mitigated'],
      ]);
      expect(await store.openOverview(0)).toEqual({ counts: { active: 4, mitigated: 2 }, newest: [] });
    });

    it('comes back with roles', async () => {
      const { number } = await store.create(declared(), []);
      await store.mutate(number, (current) => assignRole(current, 'commander', 'bob', 'alice', T0 + MINUTE));
      expect((await store.openOverview(5)).newest[0]?.roles).toEqual((await store.get(number))?.roles);
    });
  });

  describe('captured chat messages', () => {
    const captured = (at: number, text: string) => event('message_captured', at, 'dave', text, { captured: true, capturedBy: 'alice', capturedAt: T0 + HOUR, permalink: null, files: null });

    it('adds a message once, whatever the replica that hears it again, in time order on the timeline', async () => {
      const other = await engine.openAgain();
      const { number } = await store.create(declared(), [declaredEvent()]);
      await store.mutate(number, (current) => postUpdate(current, 'Rolled back', 'carol', T0 + 30 * MINUTE));
      expect(await store.addCapturedMessage(number, captured(T0 + 10 * MINUTE, 'it is the cache'), 'slack:C1:1')).toBe(true);
      expect(await other.incidents.addCapturedMessage(number, captured(T0 + 10 * MINUTE, 'it is the cache'), 'slack:C1:1')).toBe(false);
      expect(await store.addCapturedMessage(number, captured(T0 + 5 * MINUTE, 'seeing 500s'), 'slack:C1:2')).toBe(true);
      const timeline = await store.timeline(number);
      expect(timeline.map((e) => e.text)).toEqual(['Declared SEV2: Checkout latency spike', 'seeing 500s', 'it is the cache', expect.any(String)]);
      expect(timeline[1]?.data).toEqual({ captured: true, capturedBy: 'alice', capturedAt: T0 + HOUR, permalink: null, files: null });
    });

    it('moves version()', async () => {
      const { number } = await store.create(declared(), []);
      const before = await store.version();
      await store.addCapturedMessage(number, captured(T0, 'x'), 'slack:C1:9');
      expect(await store.version()).not.toBe(before);
    });
  });

  describe('version', () => {
    it('moves with a write made through another connection (another replica)', async () => {
      const other = await engine.openAgain();
      const before = await store.version();
      const { number } = await other.incidents.create(declared(), []);
      const afterCreate = await store.version();
      expect(afterCreate).not.toBe(before);
      await other.incidents.mutate(number, (current) => postUpdate(current, 'Rolled back', 'carol', T0 + MINUTE));
      expect(await store.version()).not.toBe(afterCreate);
    });
  });

  describe('two replicas on one database', () => {
    it('claim the same reminder lapse at once: one wins, one nag is queued', async () => {
      const other = await engine.openAgain();
      const { number } = await store.create(declared({ room: { channelId: 'C1', channelName: 'inc-1', cardMessageId: null } }), []);
      const stale = (await store.get(number))!;
      // Both replicas read the incident before either claims: each rule claims the lapse from that same read.
      const claim = () => {
        const claimed = claimDueReminder(stale, T0 + HOUR);
        if (!claimed) throw new Error('not due');
        return claimed;
      };
      const results = await Promise.all([store.mutate(number, claim), other.incidents.mutate(number, claim)]);
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect(await engine.count('reminders_sent')).toBe(1);
      expect((await stores.outbox.backlog()).pending.incident).toBe(results.find((r) => r !== null)?.effects?.length ?? 0);
    });

    it('declare the same alert group at once: one incident, linked to the group', async () => {
      const other = await engine.openAgain();
      const { group } = await stores.alerts.ingest(
        { version: '4', groupKey: '{}:{alertname="Down"}', status: 'firing', receiver: 'sitroom', groupLabels: { alertname: 'Down' }, commonLabels: { alertname: 'Down' }, commonAnnotations: {}, externalURL: 'http://am', truncatedAlerts: 0, alerts: [] },
        'k1',
        T0,
      );
      const results = await Promise.all([
        store.createForAlertGroup(group.id, declared({ title: 'Down' }), [declaredEvent()]),
        other.incidents.createForAlertGroup(group.id, declared({ title: 'Down' }), [declaredEvent()]),
      ]);
      const created = results.flatMap((r) => (r && 'incident' in r ? [r.incident] : []));
      expect(created).toHaveLength(1);
      expect(results.flatMap((r) => (r && 'alreadyLinked' in r ? [r.alreadyLinked] : []))).toEqual([created[0]!.number]);
      expect(await engine.count('incidents')).toBe(1);
      expect((await stores.alerts.group(group.id))?.incidentNumber).toBe(created[0]!.number);
      expect(await store.createForAlertGroup(999, declared(), [])).toBeUndefined();
    });
  });
});
