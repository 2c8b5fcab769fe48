/** The Lease wrapper: renews through the store at the clock's time, and a database that fails means "not held". */
import { describe, expect, it } from 'vitest';
import { gaugeLeaseTtlMs, Lease, type LeaseStore } from '../../src/storage/leases.ts';
import { FixedClock, SECOND, T0 } from '../fakes/fixed-clock.ts';

function recording(answer: () => Promise<boolean>): LeaseStore & { claims: unknown[][] } {
  const claims: unknown[][] = [];
  return {
    claims,
    claim: (...args) => {
      claims.push(args);
      return answer();
    },
    release: () => Promise.resolve(),
  };
}

describe('Lease', () => {
  it('claims its name for its holder at the clock’s time, for its term', async () => {
    const clock = new FixedClock();
    const store = recording(() => Promise.resolve(true));
    const lease = new Lease({ store, name: 'database_gauges', holder: 'replica-a', ttlMs: 30 * SECOND, now: () => clock.now() });
    expect(await lease.hold()).toBe(true);
    clock.advance(5 * SECOND);
    await lease.hold();
    expect(store.claims).toEqual([
      ['database_gauges', 'replica-a', T0, 30 * SECOND],
      ['database_gauges', 'replica-a', T0 + 5 * SECOND, 30 * SECOND],
    ]);
  });

  it('is not held when the database fails, without throwing (the scrape goes on without the database gauges)', async () => {
    const store = recording(() => Promise.reject(new Error('SQLITE_READONLY: attempt to write a readonly database')));
    const lease = new Lease({ store, name: 'database_gauges', holder: 'replica-a', ttlMs: 30 * SECOND, now: () => T0 });
    expect(await lease.hold()).toBe(false);
  });

  it('lasts three scheduler ticks, at least 30 s', () => {
    expect(gaugeLeaseTtlMs(5)).toBe(30 * SECOND);
    expect(gaugeLeaseTtlMs(20)).toBe(60 * SECOND);
  });
});
