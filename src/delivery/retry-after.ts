/**
 * Retry-After as every outward call reads it (chat's Mattermost client, response_url, outbound webhooks, GitHub,
 * Alertmanager, Grafana). RFC 9110 section 10.2.3: `Retry-After = HTTP-date / delay-seconds`
 * (https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3). Anything else is no instruction: the retry policy's own
 * backoff applies. A wait is capped at an hour, so one header cannot park a delivery for days.
 */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/** An HTTP-date: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") or the two obsolete forms, all starting with a day name. */
const HTTP_DATE = /^[A-Za-z]{3,9},? /;

/** Milliseconds to wait before trying again, or undefined when `value` says nothing usable. */
export function retryAfterMs(value: string | null | undefined, now: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  if (!HTTP_DATE.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}
