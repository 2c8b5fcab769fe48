/**
 * What a failed chat call means for the outbox: try again (and when), or stop. Both platforms' client errors are
 * read here, in one place, so the dispatcher never sees a platform error shape.
 */
import type { DeliveryFailure } from '../delivery/retry-policy.ts';

interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  /** @slack/web-api: RateLimitedError.retryAfter (seconds), HTTPError.statusCode, PlatformError.data.error. */
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
  /** @mattermost/client ClientError (and ResponseUrlError). */
  status_code?: number;
  /** Retry-After of a Mattermost 429 (mattermost-client.ts) or a response URL's answer (response-url.ts). */
  retryAfterMs?: number;
}

/** Slack `error` values that mean "the platform had a problem, not the request" (https://api.slack.com/methods/chat.postMessage#errors). */
const SLACK_TRANSIENT = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

const transientStatus = (status: number | undefined): boolean => status !== undefined && (status === 429 || status === 408 || status >= 500);

export function classifyChatError(error: unknown): DeliveryFailure {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as ErrorShape;
  const message = e.data?.error ?? e.message ?? String(error);
  // @slack/web-api ErrorCode values (node-slack-sdk packages/web-api/src/errors.ts).
  if (e.code === 'slack_webapi_rate_limited_error') return { retry: true, retryAfterMs: (e.retryAfter ?? 1) * 1000, message: 'rate limited' };
  if (e.code === 'slack_webapi_request_error') return { retry: true, message };
  if (e.code === 'slack_webapi_http_error') return { retry: transientStatus(e.statusCode), message: `HTTP ${e.statusCode ?? '?'}` };
  if (e.code === 'slack_webapi_platform_error') return { retry: SLACK_TRANSIENT.has(e.data?.error ?? ''), message };
  // Mattermost Client4 errors (and response URLs' answers) carry the HTTP status; 0 or none is a network failure.
  if (e.status_code !== undefined) {
    const wait = typeof e.retryAfterMs === 'number' ? { retryAfterMs: e.retryAfterMs } : {};
    return { retry: e.status_code === 0 || transientStatus(e.status_code), message, ...wait };
  }
  // Time-outs, aborted fetches, refused connections and anything else not understood: try again (bounded by give-up).
  return { retry: true, message };
}
