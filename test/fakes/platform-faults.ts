/**
 * Outages and rate limits for the fake chat platforms, kept apart from the fakes (each hooks it in with a line):
 * a fake must fail the way the real server does when it is down or when sitroom calls too fast.
 */

export interface FaultAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

interface Limit {
  /** Calls allowed per window, per key. */
  calls: number;
  windowMs: number;
  /** Whether the limit applies per channel (else per method, workspace-wide). */
  perChannel: boolean;
}

/**
 * Slack's limits as published (https://api.slack.com/apis/rate-limits): chat.postMessage about 1 message per second
 * per channel (short bursts tolerated); Tier 2 methods 20+ per minute, Tier 3 50+ per minute. The answer is HTTP 429
 * with a Retry-After header in seconds. Tiers from the methods' pages: chat.update Tier 3, conversations.create
 * Tier 2, conversations.invite Tier 3, conversations.setTopic Tier 2, pins.add Tier 2.
 */
export const SLACK_LIMITS: Readonly<Record<string, Limit>> = {
  'chat.postMessage': { calls: 1, windowMs: 1_000, perChannel: true },
  'chat.update': { calls: 50, windowMs: 60_000, perChannel: false },
  'conversations.create': { calls: 20, windowMs: 60_000, perChannel: false },
  'conversations.invite': { calls: 50, windowMs: 60_000, perChannel: false },
  'conversations.setTopic': { calls: 20, windowMs: 60_000, perChannel: false },
  'pins.add': { calls: 20, windowMs: 60_000, perChannel: false },
};

export class PlatformFaults {
  /** While set, every API call answers 503 (Slack's edge during an incident: https://status.slack.com). */
  private down = false;
  private limits: Readonly<Record<string, Limit>> = {};
  private readonly seen = new Map<string, number[]>();
  /** Calls refused with 429: when, and how long the caller was told to wait. */
  readonly refusals: { method: string; channel: string; at: number; retryAfterMs: number }[] = [];
  /** Every API call as it arrived (before any fault): method, channel and when, on this object's clock. */
  readonly arrivals: { method: string; channel: string; at: number; refused?: true }[] = [];
  private now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Reads time from `now` from here on (a test's fixed clock, so Retry-After is in the time sitroom sees). */
  timeFrom(now: () => number): void {
    this.now = now;
  }

  /** The platform is down from now on (every API call answers 503) until recover(). */
  outage(): void {
    this.down = true;
  }

  recover(): void {
    this.down = false;
  }

  /** Enforce these rate limits from now on (e.g. SLACK_LIMITS). */
  enforce(limits: Readonly<Record<string, Limit>>): void {
    this.limits = limits;
  }

  /** The answer that replaces the fake's own for this call, or undefined to answer normally. */
  answer(method: string, channel: string | undefined): FaultAnswer | undefined {
    const arrival: (typeof this.arrivals)[number] = { method, channel: channel ?? '', at: this.now() };
    this.arrivals.push(arrival);
    const answer = this.decide(method, channel);
    if (answer) arrival.refused = true;
    return answer;
  }

  private decide(method: string, channel: string | undefined): FaultAnswer | undefined {
    if (this.down) return { status: 503, body: { ok: false, error: 'service_unavailable' }, headers: {} };
    const limit = this.limits[method];
    if (!limit) return undefined;
    const key = limit.perChannel ? `${method} ${channel ?? ''}` : method;
    const now = this.now();
    const recent = (this.seen.get(key) ?? []).filter((t) => now - t < limit.windowMs);
    if (recent.length >= limit.calls) {
      const retryAfterMs = (recent[0] ?? now) + limit.windowMs - now;
      const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
      this.refusals.push({ method, channel: channel ?? '', at: now, retryAfterMs: seconds * 1000 });
      this.seen.set(key, recent);
      return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'Retry-After': String(seconds) } };
    }
    this.seen.set(key, [...recent, now]);
    return undefined;
  }
}
