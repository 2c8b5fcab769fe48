import { describe, expect, it } from 'vitest';
import { formatAge, formatTime } from '../../src/presentation/format-time.ts';
import { HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';

describe('formatTime', () => {
  it('shows the time alone for today, with the zone', () => {
    expect(formatTime(T0 + 30 * MINUTE, 'UTC', T0)).toBe('14:30 UTC');
  });

  it('adds the date for another day', () => {
    expect(formatTime(T0 + 12 * HOUR, 'UTC', T0)).toBe('2025-03-15 02:00 UTC');
  });

  it('decides "today" in the configured time zone', () => {
    // 01:00 UTC on the 15th is still the 14th, 21:00, in New York (UTC-4 since 9 March 2025).
    expect(formatTime(T0 + 11 * HOUR, 'UTC', T0)).toBe('2025-03-15 01:00 UTC');
    expect(formatTime(T0 + 11 * HOUR, 'America/New_York', T0)).toBe('21:00 GMT-4');
  });
});

describe('formatAge', () => {
  it.each([
    [0, '0m'],
    [59 * 1000, '0m'],
    [3 * MINUTE, '3m'],
    [2 * HOUR + 5 * MINUTE, '2h 5m'],
    [28 * HOUR, '1d 4h'],
    [-MINUTE, '0m'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});
