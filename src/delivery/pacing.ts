/**
 * Pacing: how often sitroom may call each platform method, so a storm of alert cards never spends the budget
 * war rooms and nags need, and a 429 pauses only the method and channel it was about (never the whole queue).
 * Time is an input: nothing here sleeps; the dispatcher asks when a call may go and reschedules it.
 */

/** The calls the dispatcher makes, in ChatPlatform's words, and to e-mail and the team's other tools (integration-effects.ts). */
export const CALLS = ['createChannel', 'invite', 'setTopic', 'post', 'update', 'pin', 'sendDirect', 'postFile', 'reply', 'sendMail', 'postAlert', 'annotate'] as const;
export type CallKind = (typeof CALLS)[number];

export interface Budget {
  /** At least this long between two calls to one channel. */
  perChannelMs?: number;
  /** Calls a minute for the method across the whole workspace (a token bucket refilled evenly). */
  perMinute?: number;
  /** Calls allowed in a burst before the per-minute rate applies. */
  burst?: number;
}

export interface PacingRules {
  methods: Partial<Record<CallKind, Budget>>;
  /** A budget shared by every call (Mattermost rate-limits per client, not per method). */
  all?: Budget;
}

/**
 * Slack's published limits. https://api.slack.com/apis/rate-limits: chat.postMessage is "special": about one
 * message per second per channel, bursts tolerated; Tier 2 is 20+/min, Tier 3 50+/min, Tier 4 100+/min.
 * Method tiers from each method's page: chat.update Tier 3, conversations.create Tier 2, conversations.invite
 * Tier 3, conversations.setTopic Tier 2, pins.add Tier 2, conversations.open Tier 3 (for DMs), files.uploadV2
 * uses files.getUploadURLExternal and files.completeUploadExternal (Tier 4).
 */
export const SLACK_PACING: PacingRules = {
  methods: {
    post: { perChannelMs: 1_000 },
    sendDirect: { perChannelMs: 1_000, perMinute: 50, burst: 10 },
    update: { perMinute: 50, burst: 10 },
    createChannel: { perMinute: 20, burst: 5 },
    invite: { perMinute: 50, burst: 10 },
    setTopic: { perMinute: 20, burst: 5 },
    pin: { perMinute: 20, burst: 5 },
    postFile: { perMinute: 100, burst: 10 },
  },
};

/**
 * Mattermost limits per client when RateLimitSettings is enabled: PerSec 10, MaxBurst 100 by default
 * (mattermost/server/public/model/config.go, RateLimitSettings.SetDefaults). One shared bucket, a little
 * under the default so other API users of the same bot token keep some room. Replies posted to a command's
 * response_url (`reply`) are in it too: the limiter wraps the server's whole router (server/channels/app/server.go
 * Start: `handler = rateLimiter.RateLimitHandler(handler)`), /hooks/commands/{id} included (web/webhook.go
 * InitWebhooks), keyed by the caller's address by default (VaryByRemoteAddr; ratelimit.go GenerateKey), the same
 * key as the API calls. Most replies cost nothing here: they are the body of the command's answer (chat/answer-in-ack.ts).
 */
export const MATTERMOST_PACING: PacingRules = { methods: { post: { perChannelMs: 200 } }, all: { perMinute: 8 * 60, burst: 50 } };

interface Bucket {
  tokens: number;
  at: number;
}

export class Pacer {
  private readonly rules: PacingRules;
  private readonly lastToChannel = new Map<string, number>();
  private readonly buckets = new Map<string, Bucket>();
  /** Retry-After per method and channel ("*" for the method as a whole). */
  private readonly held = new Map<string, number>();

  constructor(rules: PacingRules) {
    this.rules = rules;
  }

  /** The earliest time a `call` to `channel` may go (now, or later). */
  nextSlot(call: CallKind, channel: string, now: number): number {
    const budget = this.rules.methods[call] ?? {};
    let at = now;
    at = Math.max(at, this.held.get(`${call} ${channel}`) ?? 0, this.held.get(`${call} *`) ?? 0);
    if (budget.perChannelMs) at = Math.max(at, (this.lastToChannel.get(`${call} ${channel}`) ?? -Infinity) + budget.perChannelMs);
    if (budget.perMinute) at = Math.max(at, this.bucketReadyAt(call, budget, now));
    if (this.rules.all?.perMinute) at = Math.max(at, this.bucketReadyAt('*', this.rules.all, now));
    return at;
  }

  /**
   * How many calls the budget shared by every call (`all`) allows right now; Infinity without one. A dispatcher
   * claims no more rows than this: a claimed row the budget cannot take is only put off again, and with Mattermost's
   * 8 calls a second and a backlog, claiming 16 rows to send one cost a claim query and 15 writes each time.
   */
  room(now: number): number {
    const all = this.rules.all;
    if (!all?.perMinute) return Number.POSITIVE_INFINITY;
    return Math.floor(this.refill('*', all, now).tokens);
  }

  /** When the budget shared by every call next allows one (now when it does, or when there is none). */
  roomAt(now: number): number {
    const all = this.rules.all;
    return all?.perMinute ? this.bucketReadyAt('*', all, now) : now;
  }

  /** Spends the budget of a call going out now (call nextSlot first). */
  take(call: CallKind, channel: string, now: number): void {
    const budget = this.rules.methods[call] ?? {};
    this.lastToChannel.set(`${call} ${channel}`, now);
    if (budget.perMinute) this.spend(call, budget, now);
    if (this.rules.all?.perMinute) this.spend('*', this.rules.all, now);
  }

  /**
   * The platform said "not before `until`" (Retry-After) for a call of this method to this channel. A method limited
   * per channel (posting) is held on that channel only; one limited workspace-wide (a tier) is held as a whole.
   */
  hold(call: CallKind, channel: string, until: number): void {
    const budget = this.rules.methods[call] ?? {};
    const perChannel = budget.perChannelMs !== undefined && budget.perMinute === undefined;
    const key = `${call} ${perChannel ? channel : '*'}`;
    this.held.set(key, Math.max(this.held.get(key) ?? 0, until));
  }

  private refill(key: string, budget: Budget, now: number): Bucket {
    const capacity = budget.burst ?? 1;
    const rate = (budget.perMinute ?? 0) / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    const refilled = { tokens: Math.min(capacity, bucket.tokens + (now - bucket.at) * rate), at: now };
    this.buckets.set(key, refilled);
    return refilled;
  }

  private bucketReadyAt(key: string, budget: Budget, now: number): number {
    const bucket = this.refill(key, budget, now);
    if (bucket.tokens >= 1) return now;
    return now + Math.ceil((1 - bucket.tokens) / ((budget.perMinute ?? 1) / 60_000));
  }

  private spend(key: string, budget: Budget, now: number): void {
    const bucket = this.refill(key, budget, now);
    bucket.tokens -= 1;
  }
}
