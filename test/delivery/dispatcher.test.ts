/**
 * The outbox dispatcher against the real SQLite outbox and a recording chat platform, with a fixed clock: time
 * moves only when the test moves it, and drain() delivers whatever is due at that moment.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatEffectDeliverer } from '../../src/chat/chat-effect-deliverer.ts';
import { ChatNotifier } from '../../src/chat/chat-notifier.ts';
import { type DeliveryOutcome, leaseFor, OutboxDispatcher } from '../../src/delivery/dispatcher.ts';
import { PENDING_POST_IDS_TTL_MS } from '../fakes/fake-mattermost-api.ts';
import { isIncidentEffect, type OutboxEffect, type OutboxRow } from '../../src/delivery/outbox.ts';
import { Pacer, SLACK_PACING } from '../../src/delivery/pacing.ts';
import { replyEffect } from '../../src/presentation/reply-effects.ts';
import { DEFAULT_CADENCE } from '../../src/incidents/cadence.ts';
import { IncidentService } from '../../src/incidents/incident-service.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteIncidentStore } from '../../src/storage/sqlite-incident-store.ts';
import { SqliteOutboxStore } from '../../src/storage/sqlite-outbox-store.ts';
import { messageContext } from '../fakes/chat-context.ts';
import { ANNOUNCE_CHANNEL, FakeChatPlatform } from '../fakes/fake-chat-platform.ts';
import { FakeNotifier } from '../fakes/fake-notifier.ts';
import { FixedClock, HOUR, MINUTE, SECOND, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';
import { messageText } from '../fakes/render-text.ts';

/** Errors shaped as @slack/web-api throws them (node-slack-sdk packages/web-api/src/errors.ts). */
const slackDown = () => Object.assign(new Error('An HTTP protocol error occurred: statusCode = 503'), { code: 'slack_webapi_http_error', statusCode: 503 });
const rateLimited = (seconds: number) => Object.assign(new Error('A rate-limit has been reached'), { code: 'slack_webapi_rate_limited_error', retryAfter: seconds });
const refused = (error: string) => Object.assign(new Error(`An API error occurred: ${error}`), { code: 'slack_webapi_platform_error', data: { ok: false, error } });

const ROOM = { channelId: 'C-ROOM', channelName: 'inc-1-checkout', cardMessageId: null };
const opened: Db[] = [];

afterEach(() => {
  for (const db of opened.splice(0)) db.$client.close();
});

async function setup(opts: { giveUpMs?: number; callTimeoutMs?: number; pollMs?: number; maxInFlight?: number } = {}) {
  const db = openDatabase(':memory:');
  opened.push(db);
  const clock = new FixedClock();
  const store = new SqliteIncidentStore(db);
  const outbox = new SqliteOutboxStore(db);
  const chat = new FakeChatPlatform();
  const service = new IncidentService({ store, clock, notifiers: { slack: new FakeNotifier() }, cadenceDefaults: DEFAULT_CADENCE, customRoles: [] });
  const outcomes: { row: OutboxRow; outcome: DeliveryOutcome; at: number }[] = [];
  /** When each chat call was made, on the test's clock. */
  const callTimes: number[] = [];
  const counted = new Proxy(chat, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function' || !['post', 'sendDirect'].includes(String(key))) return value;
      return (...args: unknown[]) => {
        callTimes.push(clock.now());
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const dispatcher = new OutboxDispatcher({
    platform: 'slack',
    store: outbox,
    deliverer: new ChatEffectDeliverer({
      platform: counted,
      notifier: new ChatNotifier({ platform: counted, context: () => messageContext() }),
      context: () => messageContext(),
      incident: (n) => store.get(n),
      roomCreated: (n, room) => service.roomCreated(n, room),
      cardPosted: (n, id) => service.cardPosted(n, id),
    }),
    pacer: new Pacer(SLACK_PACING),
    clock,
    retry: { baseMs: 2 * SECOND, maxMs: 5 * MINUTE, giveUpMs: opts.giveUpMs ?? 24 * HOUR },
    callTimeoutMs: opts.callTimeoutMs ?? 1000,
    ...(opts.pollMs !== undefined && { pollMs: opts.pollMs }),
    ...(opts.maxInFlight !== undefined && { maxInFlight: opts.maxInFlight }),
    random: () => 0.5,
    onOutcome: async (row, outcome) => {
      outcomes.push({ row, outcome, at: clock.now() });
      if (outcome !== 'retried' && isIncidentEffect(row.effect)) await service.effectSettled({ ...row, platform: counted.platform, effect: row.effect }, outcome === 'delivered');
    },
  });
  // An incident whose nag to carol (comms) falls due at T0 + 1h.
  await store.create(anIncident({ number: 0, room: ROOM, roles: { comms: 'carol' }, declaredAt: T0, nextUpdateDue: T0 + HOUR, reminderAt: T0 + HOUR, reminderStage: 'nag' }), []);
  /** Moves the clock in `step`s for `ms`, letting the dispatcher deliver what is due at each step. */
  const run = async (ms: number, step = 10 * SECOND) => {
    for (let t = 0; t < ms; t += step) {
      clock.advance(step);
      await dispatcher.drain();
    }
  };
  return { db, clock, store, outbox, chat, service, dispatcher, outcomes, callTimes, run };
}

const nags = (chat: FakeChatPlatform) => chat.succeeded.filter((c) => c.method === 'post' && messageText(c.message).includes('⏰'));
const dms = (chat: FakeChatPlatform) => chat.succeeded.filter((c) => c.method === 'sendDirect');

describe('OutboxDispatcher', () => {
  it('delivers a nag that fell due while Slack was down for 10 minutes exactly once after it recovers, and only then records it', async () => {
    const { clock, chat, service, store, outbox, run, outcomes } = await setup();
    chat.failOn('post', slackDown());
    chat.failOn('sendDirect', slackDown());
    clock.set(T0 + HOUR);
    expect(await service.queueDueReminders()).toEqual({ queued: 1 });

    await run(10 * MINUTE);
    expect(nags(chat)).toHaveLength(0);
    expect((await store.timeline(1)).filter((e) => e.kind === 'reminder_sent')).toHaveLength(0);
    expect(outcomes.filter((o) => o.outcome === 'retried').length).toBeGreaterThan(4);

    chat.recover('post');
    chat.recover('sendDirect');
    const recoveredAt = clock.now();
    await run(10 * MINUTE);

    expect(nags(chat)).toHaveLength(1);
    expect(dms(chat)).toHaveLength(1);
    // Left: only the nag's e-mail copy, for the e-mail courier (test/email), which this test does not run.
    expect(await outbox.backlog()).toEqual({ pending: { incident: 1, reply: 0, alert: 0, webhook: 0, github: 0 }, oldestCreatedAt: T0 + HOUR });
    const sent = (await store.timeline(1)).filter((e) => e.kind === 'reminder_sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.at).toBeGreaterThan(recoveredAt);
  });

  it('keeps a war room that is down from holding up a direct message', async () => {
    const { clock, chat, service, run } = await setup();
    chat.failOn('post', slackDown());
    clock.set(T0 + HOUR);
    await service.queueDueReminders();
    await run(30 * SECOND);
    expect(dms(chat).map((c) => c.method === 'sendDirect' && c.user)).toEqual(['carol']);
    expect(nags(chat)).toHaveLength(0);
  });

  it('gives up after the give-up time: counted, and "delivery failed" on the timeline', async () => {
    const { clock, chat, service, store, outbox, run, outcomes } = await setup({ giveUpMs: HOUR });
    chat.failOn('post', slackDown());
    chat.failOn('sendDirect', slackDown());
    clock.set(T0 + HOUR);
    await service.queueDueReminders();
    await run(2 * HOUR, MINUTE);
    expect(outcomes.filter((o) => o.outcome === 'gave_up').map((o) => o.row.target)).toEqual(['incident:1', 'user:carol']);
    expect(outcomes.filter((o) => o.outcome === 'gave_up').every((o) => o.at - (T0 + HOUR) <= HOUR)).toBe(true);
    expect((await store.timeline(1)).filter((e) => e.kind === 'reminder_failed').map((e) => e.text)).toEqual(['Update reminder to carol: delivery failed']);
    expect(await outbox.givenUp(1)).toHaveLength(2);
    // Left: only the nag's e-mail copy, for the e-mail courier (test/email), which this test does not run.
    expect((await outbox.backlog()).pending.incident).toBe(1);
  });

  it('gives up at once on a refusal that retrying cannot fix', async () => {
    const { clock, chat, service, run, outcomes } = await setup();
    chat.failOn('post', refused('channel_not_found'));
    clock.set(T0 + HOUR);
    await service.queueDueReminders();
    await run(10 * SECOND);
    expect(chat.callsTo('post')).toHaveLength(1);
    expect(outcomes.find((o) => o.row.target === 'incident:1')?.outcome).toBe('gave_up');
  });

  it('never retries a call before its Retry-After', async () => {
    const { clock, chat, service, run, callTimes } = await setup();
    chat.failOn('post', rateLimited(30));
    clock.set(T0 + HOUR);
    await service.queueDueReminders();
    await run(10 * SECOND, SECOND);
    chat.recover('post');
    await run(MINUTE, SECOND);
    const posts = chat.calls.map((c, i) => ({ c, at: callTimes[i] ?? 0 })).filter((x) => x.c.method === 'post');
    expect(posts).toHaveLength(2);
    expect((posts[1]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(30 * SECOND);
    expect(nags(chat)).toHaveLength(1);
  });

  it('retries a call that never answers, without holding up other targets', async () => {
    const { clock, chat, service, dispatcher, outcomes } = await setup({ callTimeoutMs: 20 });
    let hang = true;
    const post = chat.post.bind(chat);
    chat.post = (channel, message) => (hang ? new Promise(() => {}) : post(channel, message));
    clock.set(T0 + HOUR);
    await service.queueDueReminders();
    await dispatcher.drain();
    expect(dms(chat)).toHaveLength(1);
    expect(outcomes.find((o) => o.row.target === 'incident:1')?.outcome).toBe('retried');
    hang = false;
    clock.advance(MINUTE);
    await dispatcher.drain();
    expect(nags(chat)).toHaveLength(1);
  });
});

describe('replies waiting in the outbox', () => {
  it('do not hold up a new incident: its war room and announcement go out before the backlog of replies (mixed bench: announcements 335 s late)', async () => {
    // Four calls at a time, and forty people's replies queued before the declare (older rows).
    const { outbox, chat, service, dispatcher } = await setup({ maxInFlight: 4 });
    const people = Array.from({ length: 40 }, (_, n) => `U${n}`);
    await outbox.enqueue(people.map((user) => replyEffect('slack', { user, responseUrl: `https://hooks.slack.test/${user}` }, { lines: [['Noted.']] }, T0)));
    await service.declare({ title: 'Checkout down', severity: 'sev2', isPrivate: false, platform: 'slack', declaredBy: 'alice' });

    await dispatcher.drain();

    const announcedAt = chat.succeeded.findIndex((c) => c.method === 'post' && c.channel === ANNOUNCE_CHANNEL);
    const replies = chat.succeeded.map((c, i) => (c.method === 'reply' ? i : -1)).filter((i) => i >= 0);
    expect(replies).toHaveLength(40);
    expect(announcedAt).toBeGreaterThan(-1);
    // Each step of the declare (create, invite, topic, card, announce) takes one of the four places; the replies
    // share the other three. Before, every older reply went first: the announcement came after all forty.
    expect(replies.filter((i) => i < announcedAt).length).toBeLessThanOrEqual(3 * 6);
  });
});

describe('SqliteOutboxStore.claim', () => {
  const numberOf = (e: OutboxEffect) => ('number' in e ? e.number : null);
  const effect = (number: number) => ({ kind: 'remind' as const, number, notice: { stage: 'nag' as const, dueAt: T0, people: [], alertChannel: true, overdueSeconds: 0 }, to: 'room' as const, records: false });

  it('serves the incident lane before the alert lane, and one row per target in order', async () => {
    const { outbox } = await setup();
    await outbox.enqueue([
      ...[1, 2, 3].map((n) => ({ platform: 'slack' as const, lane: 'alert' as const, target: `card:${n}`, effect: effect(n), at: T0 })),
      { platform: 'slack', lane: 'incident', target: 'incident:9', effect: effect(9), at: T0 + 1 },
      { platform: 'slack', lane: 'incident', target: 'incident:9', effect: effect(10), at: T0 + 2 },
    ]);
    expect((await outbox.claim('slack', T0 + SECOND, 1000, 1)).map((r) => numberOf(r.effect))).toEqual([9]);
    // Row 10 waits behind row 9 (same target, still being sent); the leased row 9 is not handed out twice.
    expect((await outbox.claim('slack', T0 + SECOND, 1000, 10)).map((r) => numberOf(r.effect))).toEqual([1, 2, 3]);
  });

  it('sends only the newest version of a coalesced effect, and never an older one after a newer one', async () => {
    const { outbox } = await setup();
    const row = (version: number, n: number) => ({ platform: 'slack' as const, lane: 'alert' as const, target: `card:${n}`, coalesceKey: 'card:7', version, effect: effect(n), at: T0 });
    await outbox.enqueue([row(1, 1), row(2, 2)]);
    const claimed = await outbox.claim('slack', T0, 1000, 10);
    expect(claimed.map((r) => r.version)).toEqual([2]);
    await outbox.delivered(claimed[0]?.id ?? 0, T0, 'M1');
    // Another process queues version 1 late: it is superseded, never sent over version 2.
    await outbox.enqueue([row(1, 3)]);
    expect(await outbox.claim('slack', T0 + SECOND, 1000, 10)).toEqual([]);
  });
});

describe('a process that dies with a row in flight', () => {
  it('loses its claim soon enough that the next process repeats a Mattermost post inside the server’s pending_post_id window', async () => {
    const { outbox } = await setup();
    const effect = { kind: 'remind' as const, number: 1, notice: { stage: 'nag' as const, dueAt: T0, people: [], alertChannel: true, overdueSeconds: 0 }, to: 'room' as const, records: true };
    await outbox.enqueue([{ platform: 'mattermost', lane: 'incident', target: 'incident:1', effect, at: T0 }]);
    const timeout = 15_000; // CHAT_CALL_TIMEOUT_SECONDS' default
    expect(await outbox.claim('mattermost', T0, leaseFor(timeout), 10)).toHaveLength(1);
    // The process dies right after the post went out (the worst case: the server's 30 s start now). Not before the
    // call's time-out is the row taken again (a live process may still be sending), and then within the window.
    expect(await outbox.claim('mattermost', T0 + timeout, leaseFor(timeout), 10)).toEqual([]);
    const again = T0 + leaseFor(timeout);
    expect(await outbox.claim('mattermost', again, leaseFor(timeout), 10)).toHaveLength(1);
    expect(again - T0).toBeLessThan(PENDING_POST_IDS_TTL_MS);
  });
});

describe('waking up', () => {
  it('delivers rows written by this process at once, without waiting for its poll (am-latency: the poll was most of an alert card\'s delay)', async () => {
    const { clock, chat, service, dispatcher } = await setup({ pollMs: 60_000 });
    dispatcher.start();
    try {
      // Started with nothing due: only the next poll (a minute away) or a wake-up can deliver what is queued now.
      await new Promise((resolve) => setTimeout(resolve, 20));
      clock.set(T0 + HOUR);
      expect(await service.queueDueReminders()).toEqual({ queued: 1 });
      await vi.waitFor(() => expect(nags(chat)).toHaveLength(1), { timeout: 3000, interval: 20 });
    } finally {
      await dispatcher.stop();
    }
  });
});

describe('giving up on a change someone made', () => {
  it('puts it on the timeline (the incident page shows it) and tells that person directly', async () => {
    const { chat, service, store, run, outcomes } = await setup({ giveUpMs: HOUR });
    chat.failOn('post', slackDown());
    await service.postUpdate(1, 'Rolled back', 'carol');
    await run(2 * HOUR, MINUTE);
    expect(outcomes.filter((o) => o.outcome === 'gave_up').map((o) => o.row.effect.kind)).toContain('room_events');
    expect((await store.timeline(1)).filter((e) => e.kind === 'delivery_failed').map((e) => e.text)).toContainEqual(
      expect.stringMatching(/^Could not deliver the war-room message \(.*Rolled back.*\) to the chat; gave up$/),
    );
    const told = chat.succeeded.filter((c) => c.method === 'sendDirect' && c.user === 'carol').map((c) => (c.method === 'sendDirect' ? messageText(c.message) : ''));
    expect(told).toEqual([expect.stringContaining('gave up delivering the war-room message')]);
  });
});

describe('a budget shared by every call (Mattermost)', () => {
  /** Ten rows to ten channels, a deliverer that posts each, and a budget of 2 at once, then one a second. */
  async function budgeted() {
    const db = openDatabase(':memory:');
    opened.push(db);
    const clock = new FixedClock();
    const outbox = new SqliteOutboxStore(db);
    await outbox.enqueue(
      Array.from({ length: 10 }, (_, i) => ({
        platform: 'mattermost' as const,
        lane: 'incident' as const,
        target: `user:u${i}`,
        effect: { kind: 'reply', to: { user: `u${i}` }, message: { lines: [['hi']] } } as unknown as OutboxEffect,
        at: clock.now(),
      })),
    );
    const claimed: number[] = [];
    const later = vi.spyOn(outbox, 'later');
    const claim = outbox.claim.bind(outbox);
    vi.spyOn(outbox, 'claim').mockImplementation(async (platform, now, leaseMs, limit) => {
      const rows = await claim(platform, now, leaseMs, limit);
      claimed.push(rows.length);
      return rows;
    });
    const sent: string[] = [];
    const dispatcher = new OutboxDispatcher({
      platform: 'mattermost',
      store: outbox,
      deliverer: {
        prepare: async (row) => ({ call: 'post', channel: row.target, send: async () => {
          sent.push(row.target);
          return {};
        } }),
        classify: () => ({ retry: true, message: 'no' }),
      },
      pacer: new Pacer({ methods: {}, all: { perMinute: 60, burst: 2 } }),
      clock,
      retry: { baseMs: 2 * SECOND, maxMs: 5 * MINUTE, giveUpMs: 24 * HOUR },
      callTimeoutMs: 1000,
    });
    return { clock, dispatcher, sent, claimed, later };
  }

  it('claims no more rows than the budget takes now, so none is claimed only to be put off again', async () => {
    const { clock, dispatcher, sent, claimed, later } = await budgeted();
    await dispatcher.drain();
    expect(sent).toEqual(['user:u0', 'user:u1']);
    // Before: 10 rows claimed, 8 of them written back as "later" (a claim query and 8 writes for nothing).
    expect(claimed.every((n) => n <= 2)).toBe(true);
    expect(later).not.toHaveBeenCalled();

    clock.advance(SECOND);
    await dispatcher.drain();
    expect(sent).toEqual(['user:u0', 'user:u1', 'user:u2']);
    for (let s = 0; s < 7; s++) {
      clock.advance(SECOND);
      await dispatcher.drain();
    }
    expect(sent).toHaveLength(10);
    expect(later).not.toHaveBeenCalled();
  });
});

describe('a channel that never answers', () => {
  it('holds at most maxInFlightPerChannel calls: a row for another channel goes at once, not after the hung calls time out', async () => {
    const db = openDatabase(':memory:');
    opened.push(db);
    const clock = new FixedClock();
    const outbox = new SqliteOutboxStore(db);
    // Twenty rows for a webhook endpoint that hangs (each its own target, as one endpoint's rows for twenty incidents
    // are), queued before one row for an endpoint that answers.
    const hung = Array.from({ length: 20 }, (_, n) => `hung-${n}`);
    await outbox.enqueue([...hung, 'well'].map((user) => replyEffect('slack', { user, responseUrl: `https://hooks.test/${user}` }, { lines: [['x']] }, T0)));
    const sent: string[] = [];
    const dispatcher = new OutboxDispatcher({
      platform: 'slack',
      store: outbox,
      deliverer: {
        prepare: async (row) => {
          const user = row.effect.kind === 'reply' ? row.effect.to.user : '';
          const channel = user.startsWith('hung') ? 'https://hung.test' : 'https://well.test';
          return { call: 'post', channel, send: () => (sent.push(user), channel === 'https://hung.test' ? new Promise(() => {}) : Promise.resolve({})) };
        },
        classify: () => ({ retry: true, message: 'timed out' }),
      },
      pacer: new Pacer({ methods: {} }),
      clock,
      retry: { baseMs: 2 * SECOND, maxMs: 5 * MINUTE, giveUpMs: 24 * HOUR },
      // Far longer than the test waits: before the cap, the sixteen slots all held hung calls until this ran out.
      callTimeoutMs: 60_000,
      pollMs: 10,
      maxInFlightPerChannel: 4,
    });
    clock.set(T0);
    dispatcher.start();
    try {
      await vi.waitFor(() => expect(sent).toContain('well'), { timeout: 3000, interval: 10 });
      expect(sent.filter((u) => u.startsWith('hung'))).toHaveLength(4);
    } finally {
      await dispatcher.stop(0);
    }
  });
});
