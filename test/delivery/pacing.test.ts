import { describe, expect, it } from 'vitest';
import { MATTERMOST_PACING, Pacer, SLACK_PACING } from '../../src/delivery/pacing.ts';
import { backoffMs, nextAttemptAt } from '../../src/delivery/retry-policy.ts';
import { T0 } from '../fakes/fixed-clock.ts';

describe('Pacer (Mattermost rules)', () => {
  it('counts response_url replies in the one bucket the server keys by address, as it counts API calls', () => {
    const pacer = new Pacer(MATTERMOST_PACING);
    // The burst (50) spent half by replies, half by posts: the next call of either kind waits for the bucket (8/s).
    for (let i = 0; i < 25; i += 1) {
      pacer.take('reply', `C${i}`, T0);
      pacer.take('post', `C${i}`, T0);
    }
    expect(pacer.nextSlot('post', 'C99', T0)).toBe(T0 + 125);
    expect(pacer.nextSlot('reply', 'C99', T0)).toBe(T0 + 125);
  });
});

describe('Pacer (Slack rules)', () => {
  it('spaces posts to one channel by 1 s, and leaves other channels alone', () => {
    const pacer = new Pacer(SLACK_PACING);
    pacer.take('post', 'C1', T0);
    expect(pacer.nextSlot('post', 'C1', T0 + 10)).toBe(T0 + 1000);
    expect(pacer.nextSlot('post', 'C2', T0 + 10)).toBe(T0 + 10);
  });

  it('lets chat.update burst, then keeps it to its Tier 3 rate (50 a minute)', () => {
    const pacer = new Pacer(SLACK_PACING);
    for (let i = 0; i < 10; i += 1) {
      expect(pacer.nextSlot('update', `C${i}`, T0)).toBe(T0);
      pacer.take('update', `C${i}`, T0);
    }
    expect(pacer.nextSlot('update', 'C99', T0)).toBe(T0 + 1200);
  });

  it('holds a 429 only where it applies: posting on that channel, a tiered method everywhere', () => {
    const pacer = new Pacer(SLACK_PACING);
    pacer.hold('post', 'C1', T0 + 30_000);
    expect(pacer.nextSlot('post', 'C1', T0)).toBe(T0 + 30_000);
    expect(pacer.nextSlot('post', 'C2', T0)).toBe(T0);
    expect(pacer.nextSlot('update', 'C1', T0)).toBe(T0);
    pacer.hold('update', 'C1', T0 + 5_000);
    expect(pacer.nextSlot('update', 'C7', T0)).toBe(T0 + 5_000);
  });
});

describe('retry policy', () => {
  const policy = { baseMs: 2_000, maxMs: 300_000, giveUpMs: 3_600_000 };

  it('doubles the wait with jitter, up to the cap', () => {
    expect([0, 1, 2].map((n) => backoffMs(policy, n, 0))).toEqual([1_000, 2_000, 4_000]);
    expect([0, 1, 2].map((n) => backoffMs(policy, n, 0.999))).toEqual([1_999, 3_998, 7_996]);
    expect(backoffMs(policy, 40, 0.999)).toBeLessThanOrEqual(300_000);
  });

  it('never retries before Retry-After, and gives up past the give-up time or on a refusal', () => {
    const row = { createdAt: T0, attempts: 0 };
    expect(nextAttemptAt(policy, row, { retry: true, retryAfterMs: 30_000, message: '' }, T0, 0)).toBe(T0 + 30_000);
    expect(nextAttemptAt(policy, row, { retry: true, message: '' }, T0 + 3_600_000, 0)).toBeNull();
    expect(nextAttemptAt(policy, row, { retry: false, message: 'channel_not_found' }, T0, 0)).toBeNull();
  });
});

describe('Pacer: the budget shared by every call', () => {
  it('tells how many calls Mattermost\'s shared budget takes now, and when it takes the next', () => {
    const pacer = new Pacer(MATTERMOST_PACING);
    expect(pacer.room(T0)).toBe(50);
    for (let i = 0; i < 50; i += 1) pacer.take('post', `C${i}`, T0);
    expect(pacer.room(T0)).toBe(0);
    // 8 a second: one call every 125 ms.
    expect(pacer.roomAt(T0)).toBe(T0 + 125);
    expect(pacer.room(T0 + 250)).toBe(2);
  });

  it('sets no limit where each method has its own budget (Slack)', () => {
    const pacer = new Pacer(SLACK_PACING);
    expect(pacer.room(T0)).toBe(Number.POSITIVE_INFINITY);
    expect(pacer.roomAt(T0)).toBe(T0);
  });
});
