import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/incidents/incident.ts';
import { assignRole, postUpdate, transition } from '../../src/incidents/incident-rules.ts';
import { isUpdateOverdue } from '../../src/incidents/overdue.ts';
import { PHASES, type PhaseAction } from '../../src/incidents/phases.ts';
import type { Severity } from '../../src/incidents/severity.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteIncidentStore } from '../../src/storage/sqlite-incident-store.ts';
import { HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';

let db: Db;
let store: SqliteIncidentStore;

beforeEach(() => {
  db = openDatabase(':memory:');
  store = new SqliteIncidentStore(db);
});

afterEach(() => {
  if (db.$client.open) db.$client.close();
});

/** An incident declared at `at` (the rules' due times), moved through `steps` one minute apart. */
async function stored(severity: Severity, steps: PhaseAction[] = [], at = T0): Promise<Incident> {
  const { number } = await store.create(anIncident({ number: 0 }, { severity }), []);
  // anIncident is declared at T0; shift every time to `at`.
  const shift = at - T0;
  await store.mutate(number, (current) => ({
    incident: {
      ...current,
      declaredAt: at,
      nextUpdateDue: current.nextUpdateDue === null ? null : current.nextUpdateDue + shift,
      reminderAt: current.reminderAt === null ? null : current.reminderAt + shift,
    },
    events: [],
  }));
  for (const [n, action] of steps.entries()) await store.mutate(number, (current) => transition(current, action, '', 'carol', at + (n + 1) * MINUTE));
  const incident = await store.get(number);
  if (!incident) throw new Error('unreachable');
  return incident;
}

const sorted = (rows: { severity: Severity; phase: string; count: number }[]) =>
  [...rows].sort((a, b) => `${a.severity} ${a.phase}`.localeCompare(`${b.severity} ${b.phase}`));

describe('countOpen', () => {
  it('is empty with no incidents', async () => {
    expect(await store.countOpen()).toEqual([]);
  });

  it('groups open incidents by severity and phase, leaving closed ones out', async () => {
    await stored('sev2');
    await stored('sev2');
    await stored('sev2', ['mitigate']);
    await stored('sev1');
    await stored('sev3', ['mitigate', 'resolve']);
    await stored('sev2', ['mitigate', 'resolve', 'close']);
    await stored('sev1', ['mitigate', 'resolve', 'close']);
    expect(sorted(await store.countOpen())).toEqual([
      { severity: 'sev1', phase: 'active', count: 1 },
      { severity: 'sev2', phase: 'active', count: 2 },
      { severity: 'sev2', phase: 'mitigated', count: 1 },
      { severity: 'sev3', phase: 'resolved', count: 1 },
    ]);
  });

  it('follows reopens and severity changes', async () => {
    const i = await stored('sev2', ['mitigate', 'resolve']);
    await store.mutate(i.number, (current) => transition(current, 'reopen', 'back again', 'carol', T0 + HOUR));
    await store.mutate(i.number, (current) => ({ incident: { ...current, severity: 'sev1' }, events: [] }));
    expect(await store.countOpen()).toEqual([{ severity: 'sev1', phase: 'active', count: 1 }]);
  });
});

describe('countOverdue', () => {
  it('counts active and mitigated incidents whose update was due before now', async () => {
    // sev2: due one hour after declaration, at T0 + 1h.
    await stored('sev2');
    await stored('sev2', ['mitigate']);
    expect(await store.countOverdue(T0 + HOUR + 1)).toBe(2);
  });

  it('does not count an update due exactly now, or later', async () => {
    await stored('sev2');
    expect(await store.countOverdue(T0 + HOUR)).toBe(0);
    expect(await store.countOverdue(T0 + 30 * MINUTE)).toBe(0);
  });

  it('leaves out resolved and closed incidents and incidents without cadence', async () => {
    await stored('sev2', ['mitigate', 'resolve']);
    await stored('sev2', ['mitigate', 'resolve', 'close']);
    await stored('sev4');
    expect(await store.countOverdue(T0 + 10 * HOUR)).toBe(0);
  });

  it('stops counting an incident once its update is posted', async () => {
    const i = await stored('sev2');
    expect(await store.countOverdue(T0 + 2 * HOUR)).toBe(1);
    await store.mutate(i.number, (current) => postUpdate(current, 'Rolled back', 'dave', T0 + 2 * HOUR));
    expect(await store.countOverdue(T0 + 2 * HOUR + MINUTE)).toBe(0);
  });
});

describe('declaredSince', () => {
  it('lists incidents declared at or after the time, oldest first, with their roles', async () => {
    await stored('sev2', [], T0 - 8 * 24 * HOUR);
    const edge = await stored('sev3', [], T0 - 7 * 24 * HOUR);
    const recent = await stored('sev1', ['mitigate'], T0 - HOUR);
    await store.mutate(recent.number, (current) => assignRole(current, 'commander', 'carol', 'alice', T0));
    const since = await store.declaredSince(T0 - 7 * 24 * HOUR);
    expect(since.map((i) => i.number)).toEqual([edge.number, recent.number]);
    expect(since[1]).toEqual(await store.get(recent.number));
    expect(since[1]?.roles).toEqual({ commander: 'carol' });
  });

  it('includes closed incidents: stats look at the whole period', async () => {
    const closed = await stored('sev2', ['mitigate', 'resolve', 'close']);
    expect((await store.declaredSince(T0)).map((i) => i.number)).toEqual([closed.number]);
  });

  it('is empty when nothing was declared since', async () => {
    await stored('sev2');
    expect(await store.declaredSince(T0 + 1)).toEqual([]);
  });
});

describe('version', () => {
  it('changes with every write, also one made through another connection to the same file', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'sitroom-version-'));
    const a = openDatabase(join(dir, 'db.sqlite'));
    const b = openDatabase(join(dir, 'db.sqlite'));
    try {
      const mine = new SqliteIncidentStore(a);
      const other = new SqliteIncidentStore(b);
      const v0 = await mine.version();
      expect(await mine.version()).toBe(v0);
      const created = await mine.create(anIncident({ number: 0 }), []);
      const v1 = await mine.version();
      expect(v1).not.toBe(v0);
      await other.mutate(created.number, (i) => postUpdate(i, 'from the other replica', 'bob', T0 + MINUTE));
      expect(await mine.version()).not.toBe(v1);
    } finally {
      a.$client.close();
      b.$client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('countOverdue agrees with the core predicate', () => {
  it('counts exactly the incidents isUpdateOverdue calls overdue, for every phase and due time around now', async () => {
    const now = T0 + 2 * HOUR;
    const stored: Incident[] = [];
    for (const phase of PHASES) {
      for (const due of [null, now - 1, now, now + 1]) {
        const { number } = await store.create(anIncident({ number: 0 }), []);
        const saved = await store.mutate(number, (current) => ({ incident: { ...current, phase, nextUpdateDue: due }, events: [] }));
        if (saved) stored.push(saved.incident);
      }
    }
    expect(await store.countOverdue(now)).toBe(stored.filter((i) => isUpdateOverdue(i, now)).length);
    expect(await store.countOverdue(now)).toBe(2);
  });
});
