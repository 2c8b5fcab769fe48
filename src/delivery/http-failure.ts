/**
 * What a failed HTTP call to another tool (Alertmanager, Grafana) means for the outbox: the same rules as chat calls
 * (delivery-errors.ts on the chat side): 408, 429 and 5xx are worth another try (after Retry-After when given), other
 * 4xx are refusals that no retry will change; time-outs and network errors are tried again until the give-up time.
 */
import { retryAfterMs } from './retry-after.ts';
import type { DeliveryFailure } from './retry-policy.ts';

/** A tool answered with a status that is not 2xx. */
export class HttpCallError extends Error {
  readonly status: number;
  /** Retry-After, in milliseconds, when the tool sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(tool: string, status: number, body: string, retryAfter: string | null) {
    super(`${tool} answered ${status}${body.trim() ? `: ${body.trim().slice(0, 200)}` : ''}`);
    this.name = 'HttpCallError';
    this.status = status;
    this.retryAfterMs = retryAfterMs(retryAfter);
  }
}

/** Throws HttpCallError unless `res` is 2xx; returns the body text otherwise. */
export async function okText(tool: string, res: Response): Promise<string> {
  const text = await res.text();
  if (!res.ok) throw new HttpCallError(tool, res.status, text, res.headers.get('retry-after'));
  return text;
}

export function classifyHttpFailure(error: unknown): DeliveryFailure {
  if (error instanceof HttpCallError) {
    const transient = error.status === 408 || error.status === 429 || error.status >= 500;
    return { retry: transient, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}), message: error.message };
  }
  // fetch's TypeError (refused, reset, DNS) and AbortSignal time-outs: the tool may be back soon.
  return { retry: true, message: error instanceof Error ? error.message : String(error) };
}
