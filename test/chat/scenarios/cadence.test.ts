/** The update cadence: one nag per lapse to the right person, one escalation, snoozes, and reminders across a restart. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE, SECOND } from '../../fakes/fixed-clock.ts';
import type { ChatDriver } from './chat-driver.ts';
import { PLATFORMS } from './platforms.ts';

describe.each(PLATFORMS)('the update cadence on %s', (_name, start) => {
  let chat: ChatDriver;
  beforeEach(async () => {
    chat = await start();
  });
  afterEach(async () => {
    await chat?.stop();
  });
  const roomOf = async (n = 1) => (await chat.sitroom().service.get(n)).room?.channelId ?? '';
  // The tick queues reminders; settled() delivers what the outbox holds (the running app does so in the background).
  const tick = async () => {
    await chat.sitroom().scheduler.tick();
    await chat.sitroom().settled();
  };
  const last = (channel: string) => chat.messages(channel).at(-1)?.text ?? '';
  const reminders = async () => (await chat.sitroom().service.timeline(1)).map((e) => e.kind).filter((k) => k.startsWith('reminder'));

  it('nags the comms lead once per lapse, escalates once, and records nags and snoozes', async () => {
    await chat.command('declare sev2 Checkout latency spike');
    const room = await roomOf();
    await chat.command('cadence 90s', { in: room });
    await chat.command(`ic ${chat.typed('bob')}`, { in: room });
    await chat.command(`comms ${chat.typed('carol')}`, { in: room });
    const count = () => chat.messages(room).length;

    chat.clock.advance(89 * SECOND);
    let before = count();
    await tick();
    expect(count()).toBe(before);

    chat.clock.advance(5 * SECOND);
    await tick();
    expect(last(room)).toContain(chat.shown('carol'));
    expect(last(room)).toContain('was due at 14:01 UTC');
    const dm = chat.dms('carol').at(-1);
    expect(dm?.text).toContain('the stakeholder update for incident #1 was due');
    expect(dm?.buttons).toEqual(['post_update', 'snooze']);
    expect(chat.dms('bob')).toEqual([]);

    before = count();
    await tick();
    await tick();
    expect(count()).toBe(before);

    chat.clock.advance(90 * SECOND);
    await tick();
    expect(last(room)).toContain(chat.here);
    expect(last(room)).toContain(chat.shown('bob'));
    expect(last(room)).toContain('still overdue');
    before = count();
    chat.clock.advance(10 * MINUTE);
    await tick();
    expect(count()).toBe(before);

    expect(await chat.click('snooze', 1, { as: 'carol' })).toContain('snoozed for 15 minutes');
    chat.clock.advance(15 * MINUTE);
    await tick();
    expect(last(room)).toContain(chat.shown('carol'));
    expect(await reminders()).toEqual(['reminder_sent', 'reminder_escalated', 'reminder_snoozed', 'reminder_sent']);
  });

  it('falls back to the commander, then the channel, and stops at resolve', async () => {
    await chat.command('declare sev1 Everything is down');
    const room = await roomOf();
    chat.clock.advance(31 * MINUTE);
    await tick();
    expect(last(room)).toContain(chat.here);

    await chat.command(`ic ${chat.typed('bob')}`, { in: room });
    await chat.command('update still down', { in: room });
    chat.clock.advance(31 * MINUTE);
    await tick();
    expect(last(room)).toContain(`${chat.shown('bob')} ⏰`);

    await chat.command('mitigate', { in: room });
    await chat.command('resolve', { in: room });
    const before = chat.messages(room).length;
    chat.clock.advance(5 * 60 * MINUTE);
    await tick();
    expect(chat.messages(room)).toHaveLength(before);
  });

  it('opens the update form from the reminder and posts the submitted update', async () => {
    await chat.command('declare sev1 Everything is down');
    await chat.command(`comms ${chat.typed('carol')}`, { in: await roomOf() });
    chat.clock.advance(31 * MINUTE);
    await tick();
    expect(await chat.clickOpensForm('post_update', 1, { as: 'carol' })).toBe('sitroom_update');
    expect(await chat.submitUpdate(1, '   ', { as: 'carol' })).toEqual({ update: 'Write the update first.' });
    expect(await chat.submitUpdate(1, 'Failover done', { as: 'carol' })).toBeUndefined();
    expect(chat.messages(chat.announce).map((m) => m.text).join('\n')).toContain('Failover done');
    expect((await chat.sitroom().service.get(1)).lastUpdate).toMatchObject({ text: 'Failover done', by: chat.user('carol') });
  });

  it('sends the reminder that fell due while sitroom was down right after it starts again, once', async () => {
    await chat.command('declare sev2 Checkout latency spike');
    const room = await roomOf();
    await chat.command(`comms ${chat.typed('carol')}`, { in: room });
    chat.clock.advance(2 * 60 * MINUTE);
    await chat.restart();
    expect(chat.messages(room).filter((m) => m.text.includes('⏰'))).toHaveLength(1);
    expect(chat.dms('carol')).toHaveLength(1);
    await chat.restart();
    expect(chat.messages(room).filter((m) => m.text.includes('⏰'))).toHaveLength(1);
    expect(await chat.command('status', { in: room })).toContain('Checkout latency spike');
  });
});
