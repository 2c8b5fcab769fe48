/**
 * The chat platform down for 10 simulated minutes (every API call and response URL answers 503,
 * platform-faults.ts) while an incident is declared and another's nag falls due, with sitroom pacing as in
 * production and the platform's rate limiter on when it comes back (Slack's tiers; Mattermost's GCRA limiter, made
 * tight so the recovery burst meets it). The declare command is answered in its acknowledgement at once; after
 * recovery every effect is delivered exactly once and in order, and no call comes again before the Retry-After it was given. Fixed clock moved by the
 * harness (pass, deliverAll), no sleeps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../fakes/fixed-clock.ts';
import { SLACK_LIMITS } from '../../fakes/platform-faults.ts';
import type { ChatDriver } from './chat-driver.ts';
import { PLATFORMS } from './platforms.ts';

let chat: ChatDriver | undefined;
afterEach(async () => {
  await chat?.stop();
  chat = undefined;
});

describe.each(PLATFORMS)('%s down for 10 minutes, then back', (_name, start) => {
  it('delivers the new war room, its announcement, the reply and the nag that fell due exactly once, in order, never before Retry-After', async () => {
    const c = (chat = await start({}, { pacing: true }));
    await c.command('help'); // Slack's auth.test, before anything fails
    await c.command('declare sev1 Checkout down');
    await c.deliverAll();
    const first = (await c.sitroom().service.get(1)).room?.channelId ?? '';
    expect(first).not.toBe('');

    // sev1: an update every 30 minutes. The outage starts at +25 min and ends at +35: the nag falls due inside it.
    await c.pass(25 * MINUTE, MINUTE);
    c.faults.outage();
    const downAt = c.clock.now();
    const answers = await c.commandSent('declare sev2 Payments failing');
    await c.pass(10 * MINUTE);
    expect(c.created().map((r) => r.name)).toEqual(['inc-1-checkout-down']);
    // The reply is the command's own answer (answer-in-ack.ts): no call to the platform, so the outage does not hold
    // it; it says the war room is still to come.
    expect(answers()).toEqual([expect.stringMatching(/Declared incident #2 \(SEV2\): Payments failing[\s\S]*being created/)]);
    expect((await c.sitroom().service.timeline(1)).filter((e) => e.kind === 'reminder_sent')).toEqual([]);

    c.faults.recover();
    // Posting stricter than sitroom's pacing on Slack, so 429s happen and their Retry-After counts.
    if (c.platform === 'slack') c.faults.enforce({ ...SLACK_LIMITS, 'chat.postMessage': { calls: 1, windowMs: 1_500, perChannel: true } });
    else c.faults.enforceRate({ perSec: 2, maxBurst: 3 });
    const recoveredAt = c.clock.now();
    await c.deliverAll(10 * MINUTE);

    // The new incident: one war room, its card pinned, one announcement, and the command still answered once.
    expect(c.created().map((r) => r.name)).toEqual(['inc-1-checkout-down', 'inc-2-payments-failing']);
    const second = (await c.sitroom().service.get(2)).room?.channelId ?? '';
    expect(c.messages(second).map((m) => m.text)).toEqual([expect.stringContaining('Incident #2: Payments failing')]);
    expect(c.pinned(second)).toHaveLength(1);
    expect(c.messages(c.announce).filter((m) => m.text.includes('Payments failing'))).toHaveLength(1);
    expect(answers()).toEqual([expect.stringContaining('Declared incident #2 (SEV2): Payments failing')]);

    // The nag that fell due during the outage: posted once, recorded once, after the platform came back.
    const nags = c.messages(first).filter((m) => m.text.includes('⏰'));
    const sent = (await c.sitroom().service.timeline(1)).filter((e) => e.kind === 'reminder_sent');
    expect(nags).toHaveLength(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.at).toBeGreaterThanOrEqual(recoveredAt);

    // Nothing was called during the outage but calls that failed; nothing again before its Retry-After.
    const { arrivals, refusals } = c.faults;
    // Mattermost's one bucket is met by the recovery burst (Slack's 429s under a storm are alert-storm.test.ts's).
    if (c.platform === 'mattermost') expect(refusals.length).toBeGreaterThan(0);
    expect(arrivals.filter((a) => a.at >= downAt && a.at < recoveredAt && !a.refused)).toEqual([]);
    for (const r of refusals) {
      const early = arrivals.filter((a) => a.method === r.method && a.channel === r.channel && a.at > r.at && a.at < r.at + r.retryAfterMs);
      expect(early, `${r.method} ${r.channel} refused at ${r.at} for ${r.retryAfterMs} ms`).toEqual([]);
    }
    expect((await c.sitroom().service.timeline(2)).filter((e) => e.kind === 'delivery_failed')).toEqual([]);
  });
});
