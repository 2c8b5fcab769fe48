/** The real Mattermost REST client (@mattermost/client's Client4), set up for a bot; a 429 carries its Retry-After. */
import mattermostClient from '@mattermost/client';
import { retryAfterMs } from '../../delivery/retry-after.ts';

// In native ESM the package (CommonJS) only offers its exports on the default import.
const { Client4, ClientError } = mattermostClient;

type FetchResult = { response: Response; headers: Headers; data: unknown };
type DoFetchWithResponse = (url: string, options: RequestInit & { ignoreStatus?: boolean }) => Promise<FetchResult>;

/**
 * Client4 plus what sitroom needs that it lacks: opening an interactive dialog, a time-out on every call, and the
 * Retry-After of a 429. Mattermost's limiter answers in plain text (server/channels/app/ratelimit.go
 * RateLimitWriter: http.Error "limit exceeded", with X-RateLimit-Limit/-Remaining/-Reset and Retry-After in seconds),
 * which Client4 turns into an error without the status or the header, so every call goes through a wrapper that
 * sees the response first. A 429 is not waited out here: it fails the call with `retryAfterMs`, and the outbox holds
 * that method until then (pacing.ts) and retries the row, so one limited call never sleeps inside a delivery.
 */
export class MattermostClient extends Client4 {
  constructor(timeoutMs = 15_000) {
    super();
    const fetchOnce = this['doFetchWithResponse'] as DoFetchWithResponse;
    const readingFailures: DoFetchWithResponse = async (url, options) => {
      // A server that never answers must not hold the caller (the outbox, a request) forever.
      const result = await fetchOnce(url, { ...options, ignoreStatus: true, signal: options.signal ?? AbortSignal.timeout(timeoutMs) });
      const { response, data } = result;
      if (response.ok || options.ignoreStatus) return result;
      const body = (typeof data === 'object' && data !== null ? data : { message: String(data ?? '') }) as Record<string, unknown>;
      const error = new ClientError(this.getUrl(), {
        message: typeof body['message'] === 'string' && body['message'] ? body['message'] : `HTTP ${response.status}`,
        server_error_id: typeof body['id'] === 'string' ? body['id'] : '',
        status_code: typeof body['status_code'] === 'number' ? body['status_code'] : response.status,
        url,
      });
      // X-RateLimit-Reset is the seconds until the bucket refills (throttled's HTTPRateLimiter, used by
      // server/channels/app/ratelimit.go), so it reads as delay-seconds too.
      const waitMs = retryAfterMs(response.headers.get('Retry-After') ?? response.headers.get('X-RateLimit-Reset'));
      if (response.status === 429 && waitMs !== undefined) Object.assign(error, { retryAfterMs: Math.max(1000, waitMs) });
      throw error;
    };
    this['doFetchWithResponse'] = readingFailures as never;
  }

  openInteractiveDialog(payload: { trigger_id: string; url: string; dialog: Record<string, unknown> }): Promise<unknown> {
    return this.doFetch(`${this.getBaseRoute()}/actions/dialogs/open`, { method: 'post', body: JSON.stringify(payload) });
  }
}

export function createMattermostClient(url: string, botToken: string, timeoutMs?: number): MattermostClient {
  const client = new MattermostClient(timeoutMs);
  client.setUrl(url);
  client.setToken(botToken);
  return client;
}

interface ClientErrorLike {
  status_code?: number;
  server_error_id?: string;
}

/** The HTTP status and Mattermost error id of a Client4 failure. */
export const clientError = (e: unknown): ClientErrorLike => (typeof e === 'object' && e !== null ? (e as ClientErrorLike) : {});
