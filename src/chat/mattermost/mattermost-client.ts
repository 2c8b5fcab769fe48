/** The real Mattermost REST client (@mattermost/client's Client4), set up for a bot, with 429s honoured. */
import mattermostClient from '@mattermost/client';

// In native ESM the package (CommonJS) only offers its exports on the default import.
const { Client4, ClientError } = mattermostClient;

type FetchResult = { response: Response; headers: Headers; data: unknown };
type DoFetchWithResponse = (url: string, options: RequestInit & { ignoreStatus?: boolean }) => Promise<FetchResult>;

/** How often a rate-limited call is tried again, and the longest wait sitroom accepts between tries. */
const RATE_LIMIT_TRIES = 4;
const MAX_WAIT_MS = 10_000;

/**
 * Client4 plus what sitroom needs that it lacks: opening an interactive dialog, and honouring 429. Mattermost's
 * limiter answers in plain text, which Client4 turns into an error without the status or the Retry-After header,
 * so every call goes through a wrapper that sees the response first.
 */
export class MattermostClient extends Client4 {
  constructor(timeoutMs = 15_000) {
    super();
    const fetchOnce = this['doFetchWithResponse'] as DoFetchWithResponse;
    const honouringRateLimits: DoFetchWithResponse = async (url, options) => {
      for (let attempt = 1; ; attempt += 1) {
        // A server that never answers must not hold the caller (the outbox, a request) forever.
        const result = await fetchOnce(url, { ...options, ignoreStatus: true, signal: options.signal ?? AbortSignal.timeout(timeoutMs) });
        const { response, data } = result;
        if (response.ok || options.ignoreStatus) return result;
        if (response.status === 429 && attempt < RATE_LIMIT_TRIES) {
          const seconds = Number(response.headers.get('Retry-After') ?? response.headers.get('X-RateLimit-Reset') ?? 1);
          await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_WAIT_MS, Math.max(1, seconds) * 1000)));
          continue;
        }
        const body = (typeof data === 'object' && data !== null ? data : { message: String(data ?? '') }) as Record<string, unknown>;
        throw new ClientError(this.getUrl(), {
          message: typeof body['message'] === 'string' ? body['message'] : `HTTP ${response.status}`,
          server_error_id: typeof body['id'] === 'string' ? body['id'] : '',
          status_code: typeof body['status_code'] === 'number' ? body['status_code'] : response.status,
          url,
        });
      }
    };
    this['doFetchWithResponse'] = honouringRateLimits as never;
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
