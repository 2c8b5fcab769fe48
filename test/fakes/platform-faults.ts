/**
 * Outages and rate limits for the fake chat platforms, kept apart from the fakes (each hooks it in with a line):
 * a fake must fail the way the real server does when it is down or when sitroom calls too fast.
 */

export interface FaultAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  /** A plain-text body instead of JSON (Mattermost's limiter answers with http.Error). */
  text?: string;
}

/** A GCRA rate quota, as the throttled library Mattermost uses takes it: a steady rate and a burst. */
export interface RateQuota {
  perSec: number;
  maxBurst: number;
}

/**
 * Mattermost's limiter when RateLimitSettings.Enable is on: RateLimitSettings.SetDefaults gives PerSec 10 and
 * MaxBurst 100 (server/public/model/config.go); server/channels/app/ratelimit.go NewRateLimiter builds a
 * throttled.GCRARateLimiter from them, keyed by the session token (VaryByUser) or the remote address
 * (VaryByRemoteAddr, the default): for one bot on one host, one bucket for every call.
 */
export const MATTERMOST_RATE_LIMIT: RateQuota = { perSec: 10, maxBurst: 100 };

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
  private quota: RateQuota | undefined;
  /** GCRA's theoretical arrival time of the next call (ms on this object's clock). */
  private tat = 0;
  /** How the platform answers while down (the fake decides: Slack's edge sends JSON, Mattermost's proxy text). */
  private readonly downAnswer: FaultAnswer;
  private readonly seen = new Map<string, number[]>();
  /** Calls refused with 429: when, and how long the caller was told to wait. */
  readonly refusals: { method: string; channel: string; at: number; retryAfterMs: number }[] = [];
  /** Every API call as it arrived (before any fault): method, channel and when, on this object's clock. */
  readonly arrivals: { method: string; channel: string; at: number; refused?: true }[] = [];
  private now: () => number;

  constructor(now: () => number = Date.now, downAnswer: FaultAnswer = { status: 503, body: { ok: false, error: 'service_unavailable' }, headers: {} }) {
    this.now = now;
    this.downAnswer = downAnswer;
  }

  /** Whether the platform is down now (its other endpoints, such as response URLs, fail too). */
  get isDown(): boolean {
    return this.down;
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

  /** Enforce one GCRA quota over every call from now on, answering as Mattermost's limiter does (MATTERMOST_RATE_LIMIT). */
  enforceRate(quota: RateQuota): void {
    this.quota = quota;
    this.tat = 0;
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
    if (this.down) return this.downAnswer;
    if (this.quota) return this.gcra(method, channel ?? '', this.quota);
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

  /**
   * throttled's GCRA (github.com/throttled/throttled rate.go RateLimit): each call moves the theoretical arrival time
   * one emission interval on; a call is refused while that time is more than the burst's tolerance ahead. Answered
   * as server/channels/app/ratelimit.go RateLimitWriter does: 429 "limit exceeded" (http.Error, text/plain) with
   * X-RateLimit-Limit (burst + 1), -Remaining, -Reset and Retry-After, in whole seconds rounded up
   * (setRateLimitHeaders).
   */
  private gcra(method: string, channel: string, quota: RateQuota): FaultAnswer | undefined {
    const now = this.now();
    const emission = 1000 / quota.perSec;
    const tolerance = emission * (quota.maxBurst + 1);
    const next = Math.max(this.tat, now) + emission;
    const allowAt = next - tolerance;
    if (now < allowAt) {
      const retryAfterMs = allowAt - now;
      const seconds = Math.ceil(retryAfterMs / 1000);
      this.refusals.push({ method, channel, at: now, retryAfterMs: seconds * 1000 });
      return {
        status: 429,
        body: {},
        text: 'limit exceeded\n',
        headers: {
          'X-RateLimit-Limit': String(quota.maxBurst + 1),
          'X-RateLimit-Remaining': '0',
          'X-RateLimit-Reset': String(Math.ceil((Math.max(this.tat, now) - now) / 1000)),
          'Retry-After': String(seconds),
          'X-Content-Type-Options': 'nosniff',
        },
      };
    }
    this.tat = next;
    return undefined;
  }
}
