/**
 * When to try a failed delivery again. Exponential backoff with jitter (so a recovering platform is not hit by
 * every process at the same instant), never before the platform's Retry-After, and never past the give-up time.
 */

/** What the platform adapter makes of a failed call. */
export interface DeliveryFailure {
  /** Worth trying again: 429, 5xx, time-outs, network errors. A refusal (no such channel, bad request) is not. */
  retry: boolean;
  /** The platform asked to wait this long (Retry-After). */
  retryAfterMs?: number;
  /** Short text for logs and the incident page. */
  message: string;
}

export interface RetryPolicy {
  /** First retry waits about this long; each further one twice as long. */
  baseMs: number;
  /** No wait is longer than this. */
  maxMs: number;
  /** After this long since the row was queued, delivery is given up. */
  giveUpMs: number;
}

export const DEFAULT_RETRY: Omit<RetryPolicy, 'giveUpMs'> = { baseMs: 2_000, maxMs: 5 * 60_000 };

/**
 * The wait before attempt number `attempts + 1`: base·2^attempts capped, "equal jitter" (half fixed, half random)
 * so waits still grow while processes spread out. `random` is in [0, 1).
 */
export function backoffMs(policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>, attempts: number, random: number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempts, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** When to try again after a failed attempt, or null to give up now. */
export function nextAttemptAt(policy: RetryPolicy, row: { createdAt: number; attempts: number }, failure: DeliveryFailure, now: number, random: number): number | null {
  if (!failure.retry) return null;
  const at = now + Math.max(failure.retryAfterMs ?? 0, backoffMs(policy, row.attempts, random));
  return at - row.createdAt > policy.giveUpMs ? null : at;
}
