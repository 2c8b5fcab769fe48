/**
 * One reading of Retry-After for every outward call (chat, response_url, webhooks, GitHub, Alertmanager, Grafana):
 * RFC 9110 section 10.2.3 allows delay-seconds or an HTTP-date; anything else is no instruction at all.
 */
import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, retryAfterMs } from '../../src/delivery/retry-after.ts';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

describe('retryAfterMs', () => {
  it('reads delay-seconds', () => {
    expect(retryAfterMs('30', NOW)).toBe(30_000);
    expect(retryAfterMs(' 0 ', NOW)).toBe(0);
  });

  it('reads an HTTP-date as the time left until it, and a date already past as no wait', () => {
    expect(retryAfterMs(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(retryAfterMs('Fri, 27 Nov 2026 12:02:00 GMT', NOW)).toBe(120_000);
    expect(retryAfterMs(new Date(NOW - 5_000).toUTCString(), NOW)).toBe(0);
  });

  it('caps a wait at an hour, so one header cannot park deliveries for days', () => {
    expect(retryAfterMs('999999', NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterMs(new Date(NOW + 86_400_000).toUTCString(), NOW)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('treats a missing, empty, negative, fractional or unreadable value as no instruction', () => {
    for (const value of [null, undefined, '', '  ', '-5', '1.5', 'soon', '12abc', 'Soon, really']) expect(retryAfterMs(value, NOW), String(value)).toBeUndefined();
  });
});
