/** In the war room: roles, phases that never skip, updates, severity, cadence, notes, status, list, help, errors. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../fakes/fixed-clock.ts';
import type { ChatDriver } from './chat-driver.ts';
import { PLATFORMS } from './platforms.ts';

describe.each(PLATFORMS)('in the war room on %s', (_name, start) => {
  let chat: ChatDriver;
  let room: string;
  beforeEach(async () => {
    chat = await start();
    await chat.command('declare sev2 Checkout latency spike');
    room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
  });
  afterEach(async () => {
    await chat?.stop();
  });
  const here = () => ({ in: room });

  it('assigns roles from mentions, invites them, and keeps topic and card current', async () => {
    expect(await chat.command(`ic ${chat.typed('bob')}`, here())).toContain(`Role assigned: ${chat.shown('bob')} → IC.`);
    expect(chat.members(room)).toContain(chat.user('bob'));
    expect(chat.topic(room)).toBe(`SEV2 · active · IC ${chat.shown('bob')} · next update 15:00 UTC`);
    const card = chat.messages(room)[0];
    expect(card?.text).toContain(`IC: ${chat.shown('bob')}`);
    expect(card?.buttons).toEqual(['claim_comms']);

    await chat.command(`role scribe ${chat.typed('carol')}`, here());
    expect(chat.messages(room)[0]?.text).toContain(`Scribe: ${chat.shown('carol')}`);
    expect(await chat.command(`role chef ${chat.typed('carol')}`, here())).toContain('`chef` is not a role here.');
    expect(await chat.command('ic bob', here())).toContain('`bob` is not a user mention');
    expect(await chat.command('comms', { ...here(), as: 'dan' })).toContain(`Role assigned: ${chat.shown('dan')} → Comms.`);
  });

  it('claims a role with the buttons of the card `status` shows the one who asked', async () => {
    expect(await chat.command('status', { ...here(), as: 'bob' })).toContain('Checkout latency spike');
    expect(await chat.click('claim_commander', 1, { as: 'bob', in: room, inAnswer: true })).toContain('You are the incident commander of #1.');
    expect((await chat.sitroom().service.get(1)).roles['commander']).toBe(chat.user('bob'));
  });

  it('claims roles with the card buttons', async () => {
    expect(await chat.click('claim_comms', 1, { as: 'dan', in: room })).toContain('You are the comms lead of #1.');
    expect((await chat.sitroom().service.get(1)).roles['comms']).toBe(chat.user('dan'));
    expect(chat.members(room)).toContain(chat.user('dan'));
    expect(chat.messages(room)[0]?.buttons).toEqual(['claim_commander']);
  });

  it('never skips a phase and names the next step', async () => {
    const refused = await chat.command('resolve fixed it', here());
    expect(refused).toContain('phases are never skipped');
    expect(refused).toContain('`/incident mitigate`');
    expect((await chat.sitroom().service.get(1)).phase).toBe('active');

    expect(await chat.command('mitigate drained traffic', here())).toContain('now mitigated');
    expect(chat.topic(room)).toContain('SEV2 · mitigated');
    expect(chat.messages(chat.announce).map((m) => m.text).join('\n')).toContain('Phase active → mitigated: drained traffic');
    expect(await chat.command('close', here())).toContain('`/incident resolve`');
    await chat.command('resolve', here());
    expect(await chat.command('mitigate', here())).toContain('already resolved, past mitigated');
    expect(await chat.command('reopen', here())).toContain('`reopen` needs a reason.');
    await chat.command('reopen errors are back', here());
    expect((await chat.sitroom().service.get(1)).phase).toBe('active');
    const timeline = (await chat.sitroom().service.timeline(1)).map((e) => `${e.kind}:${e.actor}`);
    const alice = chat.user('alice');
    expect(timeline).toEqual([
      `declared:${alice}`,
      'war_room_opened:sitroom',
      `phase_changed:${alice}`,
      `phase_changed:${alice}`,
      'postmortem_written:sitroom',
      `phase_changed:${alice}`,
    ]);
  });

  it('broadcasts updates and changes severity, cadence and notes', async () => {
    chat.clock.advance(10 * MINUTE);
    expect(await chat.command('update Rolled back; errors falling', here())).toContain('Update posted');
    expect(chat.messages(chat.announce).map((m) => m.text).join('\n')).toContain('Rolled back; errors falling');
    expect(chat.topic(room)).toContain('next update 15:10 UTC');

    await chat.command('severity sev1', here());
    expect(chat.topic(room)).toContain('SEV1 · active');
    expect(chat.messages(chat.announce).map((m) => m.text).join('\n')).toContain('Severity SEV2 → SEV1');

    await chat.command('cadence 15m', here());
    expect(chat.topic(room)).toContain('next update 14:25 UTC');
    expect(await chat.command('cadence soon', here())).toContain('`soon` is not a cadence');

    await chat.command('note suspect the 14:02 deploy', here());
    expect(chat.messages(room).map((m) => m.text).join('\n')).toContain('suspect the 14:02 deploy');
    const status = await chat.command('status', here());
    expect(status).toContain('SEV1');
    expect(status).toContain('Rolled back; errors falling');
  });

  it('lists open incidents and helps, anywhere', async () => {
    const list = await chat.command('list');
    expect(list).toContain('Active (1)');
    expect(list).toContain('#1 SEV2 Checkout latency spike');
    expect(list).toContain('next update 15:00 UTC');
    expect(await chat.command('help')).toContain('/incident declare [sevN] [--private] [--type <type>] [--drill] <title>');
  });

  it('refuses war-room commands elsewhere and explains malformed input', async () => {
    expect(await chat.command('mitigate')).toContain('works in an incident war room');
    expect(await chat.command('frobnicate')).toContain('Unknown subcommand `frobnicate`');
    expect(await chat.command('severity sev9', here())).toContain('Usage: `/incident severity sevN`');
    expect(await chat.command('stats 5y')).toContain('`5y` is not a window');
  });
});
