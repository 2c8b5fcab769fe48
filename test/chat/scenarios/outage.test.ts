/**
 * Slack down (every API call answers 503, platform-faults.ts) while an incident is declared and its first nag falls
 * due: nothing is lost, and after recovery every effect is delivered exactly once, in order. Fixed clock; the
 * outbox is driven by settled() at each simulated step, no sleeps.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE, SECOND } from '../../fakes/fixed-clock.ts';
import { SlackDriver } from './slack-driver.ts';

let chat: SlackDriver;
beforeEach(async () => {
  chat = await SlackDriver.start();
});
afterEach(async () => {
  await chat?.stop();
});

/** Moves the simulated clock in 10 s steps for `ms`, ticking the scheduler and letting the outbox deliver. */
async function pass(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10 * SECOND) {
    chat.clock.advance(10 * SECOND);
    await chat.sitroom().scheduler.tick();
    await chat.settled();
  }
}

describe('Slack down, then back', () => {
  it('delivers the war room, its announcement and a nag that fell due during the outage exactly once, in order', async () => {
    // Bolt checks the token (auth.test) on the first request; the outage starts after that.
    await chat.command('help');
    chat.slack.faults.outage();
    const reply = await chat.command('declare sev1 Checkout down');
    expect(reply).toContain('Declared incident #1 (SEV1): Checkout down');
    expect(reply).toContain('The war room is being created');

    // sev1: an update every 30 minutes, so the nag falls due while Slack is still down.
    await pass(35 * MINUTE);
    expect(chat.created()).toEqual([]);
    expect((await chat.sitroom().service.timeline(1)).map((e) => e.kind)).toEqual(['declared']);

    chat.slack.faults.recover();
    const recoveredAt = chat.clock.now();
    await pass(10 * MINUTE);

    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    expect(chat.created().map((c) => c.name)).toEqual(['inc-1-checkout-down']);
    expect(chat.slack.callsTo('conversations.create').filter((c) => c.status === 200)).toHaveLength(1);
    const inRoom = chat.messages(room).map((m) => m.text);
    expect(inRoom).toHaveLength(2);
    expect(inRoom[0]).toContain('Incident #1: Checkout down');
    expect(inRoom[1]).toContain('⏰');
    expect(chat.pinned(room)).toHaveLength(1);
    expect(chat.messages(chat.announce).filter((m) => m.text.includes('Checkout down'))).toHaveLength(1);
    const sent = (await chat.sitroom().service.timeline(1)).filter((e) => e.kind === 'reminder_sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.at).toBeGreaterThanOrEqual(recoveredAt);
  });
});
