/** Slack's time limits on what an interaction hands the app, as the fake enforces them. */

/**
 * "trigger_ids expire three seconds after being sent to you" (https://api.slack.com/interactivity/handling#modal_responses):
 * views.open with an older one answers `expired_trigger_id`.
 */
export const TRIGGER_ID_TTL_MS = 3000;

/** A response_url works "up to 5 times within 30 minutes" (https://api.slack.com/interactivity/handling#message_responses). */
export const RESPONSE_URL_MAX_USES = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

/**
 * When a trigger_id was issued. The fake's request builders (slack-requests.ts) put the issue time in milliseconds
 * first, in the `<digits>.<digits>.<hex>` shape of Slack's; a trigger not built that way has no known age.
 */
export function triggerIssuedAt(trigger: string): number | undefined {
  const first = Number(trigger.split('.')[0]);
  return Number.isSafeInteger(first) && first > 1e12 ? first : undefined;
}
