import { describe, expect, it } from 'vitest';
import { ChatNotifier } from '../../src/chat/chat-notifier.ts';
import type { Incident } from '../../src/incidents/incident.ts';
import { assignRole, postUpdate, transition } from '../../src/incidents/incident-rules.ts';
import type { ReminderNotice } from '../../src/incidents/reminders.ts';
import { warRoomName } from '../../src/incidents/war-room-name.ts';
import { messageContext } from '../fakes/chat-context.ts';
import { ANNOUNCE_CHANNEL, FakeChatPlatform } from '../fakes/fake-chat-platform.ts';
import { HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';
import { lineText, messageText } from '../fakes/render-text.ts';

const ROOM = { channelId: 'C-ROOM', channelName: 'inc-1-checkout-latency-spike', cardMessageId: 'M-CARD' };

function setup(opts: ConstructorParameters<typeof FakeChatPlatform>[0] = {}) {
  const chat = new FakeChatPlatform(opts);
  const notifier = new ChatNotifier({ platform: chat, context: () => messageContext() });
  return { chat, notifier };
}

const withRoom = (overrides: Partial<Incident> = {}): Incident => anIncident({ room: ROOM, ...overrides });

describe('createWarRoom', () => {
  it('creates inc-<number>-<slug>, private for a private incident', async () => {
    const { chat, notifier } = setup();
    const room = await notifier.createWarRoom(anIncident({ number: 7, isPrivate: true }));
    expect(room).toEqual({ channelId: 'C1', channelName: 'inc-7-checkout-latency-spike', cardMessageId: null });
    expect(chat.callsTo('createChannel')).toEqual([{ method: 'createChannel', name: 'inc-7-checkout-latency-spike', isPrivate: true }]);
  });

  it('tries -2, -3 … when the name is taken', async () => {
    const { chat, notifier } = setup();
    chat.takenNames.add('inc-7-checkout-latency-spike');
    chat.takenNames.add('inc-7-checkout-latency-spike-2');
    const room = await notifier.createWarRoom(anIncident({ number: 7 }));
    expect(room.channelName).toBe('inc-7-checkout-latency-spike-3');
    expect(chat.callsTo('createChannel').map((c) => c.name)).toEqual([
      'inc-7-checkout-latency-spike',
      'inc-7-checkout-latency-spike-2',
      'inc-7-checkout-latency-spike-3',
    ]);
  });

  it('keeps within the platform’s length limit', async () => {
    const { chat, notifier } = setup({ maxChannelNameLength: 64 });
    const title = 'Checkout payments failing for every customer in the European region tonight';
    chat.takenNames.add(warRoomName(7, title, 64));
    const room = await notifier.createWarRoom(anIncident({ number: 7, title }));
    expect(room.channelName).toMatch(/-2$/);
    expect(chat.callsTo('createChannel').every((c) => c.name.length <= 64)).toBe(true);
  });

  it('gives up with an error when every name is taken', async () => {
    const { chat, notifier } = setup();
    for (let attempt = 1; attempt <= 20; attempt += 1) chat.takenNames.add(warRoomName(7, 'DNS', 80, attempt));
    await expect(notifier.createWarRoom(anIncident({ number: 7, title: 'DNS' }))).rejects.toThrow('#7');
  });
});

describe('warRoomOpened', () => {
  it('invites, sets the topic, posts and pins the card, and announces', async () => {
    const { chat, notifier } = setup();
    const result = await notifier.warRoomOpened(withRoom({ room: { ...ROOM, cardMessageId: null } }), ['alice', 'carol']);

    expect(chat.calls.map((c) => c.method)).toEqual(['invite', 'setTopic', 'post', 'pin', 'post']);
    expect(chat.callsTo('invite')[0]).toMatchObject({ channelId: 'C-ROOM', users: ['alice', 'carol'] });
    expect(lineText(chat.callsTo('setTopic')[0]?.topic ?? [])).toBe('SEV2 · active · IC unassigned · next update 15:00 UTC');
    const card = chat.callsTo('post')[0];
    expect(card?.channel).toBe('C-ROOM');
    expect(chat.callsTo('pin')).toEqual([{ method: 'pin', channel: 'C-ROOM', messageId: result.cardMessageId }]);
    expect(chat.postsTo(ANNOUNCE_CHANNEL).map(messageText)).toEqual([expect.stringContaining('war room #C-ROOM')]);
  });

  it('announces a private incident without its title', async () => {
    const { chat, notifier } = setup();
    await notifier.warRoomOpened(withRoom({ isPrivate: true, title: 'Payroll export leaked' }), ['alice']);
    expect(chat.postsTo(ANNOUNCE_CHANNEL).map(messageText)).toEqual(['A private incident (#1) is in progress.']);
  });

  it('announces nothing when no announcement channel is configured', async () => {
    const { chat, notifier } = setup({ announceChannel: '' });
    await notifier.warRoomOpened(withRoom(), ['alice']);
    expect(chat.callsTo('post').map((c) => c.channel)).toEqual(['C-ROOM']);
  });

  // A failed invite must not cost the card and the announcement: the room exists, so nothing would retry them.
  it('still posts and pins the card and announces when the invite fails, then reports the failure', async () => {
    const { chat, notifier } = setup();
    chat.failOn('invite', new Error('user_not_found'));
    const opened = await notifier.warRoomOpened(withRoom(), ['alice', 'ghost']);
    expect(opened.failure?.message).toBe('user_not_found');
    expect(opened.cardMessageId).not.toBeNull();
    expect(chat.callsTo('pin')).toHaveLength(1);
    expect(chat.postsTo(ANNOUNCE_CHANNEL)).toHaveLength(1);
  });
});

describe('incidentChanged', () => {
  it('tells the war room, refreshes topic and card, and invites new role holders', async () => {
    const { chat, notifier } = setup();
    const { incident, events } = assignRole(withRoom(), 'commander', 'carol', 'alice', T0);
    await notifier.incidentChanged(incident, events);

    expect(chat.callsTo('invite')).toEqual([{ method: 'invite', channelId: 'C-ROOM', users: ['carol'] }]);
    expect(chat.postsTo('C-ROOM').map(messageText)).toEqual(['@carol is now IC (set by @alice)']);
    expect(lineText(chat.callsTo('setTopic')[0]?.topic ?? [])).toContain('IC @carol');
    expect(chat.callsTo('update')).toMatchObject([{ channel: 'C-ROOM', messageId: 'M-CARD' }]);
    expect(chat.postsTo(ANNOUNCE_CHANNEL)).toEqual([]);
  });

  it('broadcasts stakeholder updates and phase changes to the announcement channel', async () => {
    const { chat, notifier } = setup();
    const updated = postUpdate(withRoom(), 'Rolled back', 'carol', T0 + MINUTE);
    await notifier.incidentChanged(updated.incident, updated.events);
    const mitigated = transition(updated.incident, 'mitigate', '', 'carol', T0 + 2 * MINUTE);
    await notifier.incidentChanged(mitigated.incident, mitigated.events);

    expect(chat.postsTo(ANNOUNCE_CHANNEL).map(messageText)).toEqual([
      expect.stringContaining('Rolled back'),
      'Incident #1 Checkout latency spike: Phase active → mitigated (by @carol)',
    ]);
  });

  it('does not set the topic again when it has not changed', async () => {
    const { chat, notifier } = setup();
    const incident = withRoom();
    await notifier.warRoomOpened(incident, ['alice']);
    await notifier.incidentChanged(incident, [{ kind: 'note', at: T0, actor: 'carol', text: 'one', data: {} }]);
    await notifier.incidentChanged(incident, [{ kind: 'note', at: T0, actor: 'carol', text: 'two', data: {} }]);
    expect(chat.callsTo('setTopic')).toHaveLength(1);

    const { incident: withIc, events } = assignRole(incident, 'commander', 'carol', 'alice', T0);
    await notifier.incidentChanged(withIc, events);
    expect(chat.callsTo('setTopic')).toHaveLength(2);
  });

  it('sets the topic again after a failed attempt', async () => {
    const { chat, notifier } = setup();
    chat.failOn('setTopic');
    const note = { kind: 'note' as const, at: T0, actor: 'carol', text: 'one', data: {} };
    await expect(notifier.incidentChanged(withRoom(), [note])).rejects.toThrow('setTopic failed');
    await expect(notifier.incidentChanged(withRoom(), [note])).rejects.toThrow('setTopic failed');
    expect(chat.callsTo('setTopic')).toHaveLength(2);
  });

  it('runs every step when one fails, then reports the failure', async () => {
    const { chat, notifier } = setup();
    chat.failOn('post', new Error('channel_not_found'));
    const { incident, events } = postUpdate(withRoom(), 'Rolled back', 'carol', T0);
    await expect(notifier.incidentChanged(incident, events)).rejects.toThrow('channel_not_found');
    expect(chat.calls.map((c) => c.method)).toEqual(['post', 'setTopic', 'update', 'post']);
  });

  it('only announces when the incident has no war room yet', async () => {
    const { chat, notifier } = setup();
    const { incident, events } = postUpdate(anIncident(), 'Rolled back', 'carol', T0);
    await notifier.incidentChanged(incident, events);
    expect(chat.calls.map((c) => [c.method, 'channel' in c ? c.channel : ''])).toEqual([['post', ANNOUNCE_CHANNEL]]);
  });
});

describe('remind', () => {
  const nag: ReminderNotice = { stage: 'nag', dueAt: T0 + HOUR, people: ['carol'], alertChannel: false, overdueSeconds: 0 };

  it('mentions in the war room and messages each person directly', async () => {
    const { chat, notifier } = setup();
    await notifier.remind(withRoom(), nag);
    expect(chat.calls.map((c) => c.method)).toEqual(['post', 'sendDirect']);
    expect(chat.postsTo('C-ROOM').map(messageText)).toEqual([expect.stringMatching(/^@carol ⏰/)]);
    expect(chat.callsTo('sendDirect').map((c) => c.user)).toEqual(['carol']);
  });

  it('still sends the direct messages when the war-room post fails', async () => {
    const { chat, notifier } = setup();
    chat.failOn('post');
    await expect(notifier.remind(withRoom(), { ...nag, stage: 'escalate', people: ['dave'], alertChannel: true })).rejects.toThrow('post failed');
    expect(chat.callsTo('sendDirect').map((c) => c.user)).toEqual(['dave']);
  });
});

describe('drills', () => {
  const drill = (overrides: Partial<Incident> = {}) => withRoom({ drill: true, ...overrides });

  it('get a drill-<number>-<slug> room', async () => {
    const { notifier } = setup();
    expect((await notifier.createWarRoom(anIncident({ number: 7, drill: true }))).channelName).toBe('drill-7-checkout-latency-spike');
  });

  it('say DRILL on every message and in the topic, and are never announced', async () => {
    const { chat, notifier } = setup();
    const incident = drill();
    await notifier.warRoomOpened(incident, ['alice']);
    const updated = postUpdate(incident, 'Practising the rollback', 'alice', T0 + MINUTE);
    await notifier.incidentChanged(updated.incident, updated.events);
    const resolved = transition(transition(updated.incident, 'mitigate', '', 'alice', T0 + HOUR).incident, 'resolve', '', 'alice', T0 + HOUR);
    await notifier.incidentChanged(resolved.incident, resolved.events);
    await notifier.incidentResolved(resolved.incident, { from: T0, to: T0 + HOUR });
    const notice: ReminderNotice = { stage: 'nag', dueAt: T0, people: ['alice'], alertChannel: false, overdueSeconds: 60 };
    await notifier.remind(incident, notice);

    expect(chat.callsTo('post').map((c) => c.channel)).not.toContain(ANNOUNCE_CHANNEL);
    const texts = [...chat.callsTo('post'), ...chat.callsTo('sendDirect'), ...chat.callsTo('update')].map((c) => messageText(c.message));
    expect(texts.length).toBeGreaterThanOrEqual(5);
    for (const text of texts) expect(text.startsWith('🧪 DRILL · ')).toBe(true);
    for (const c of chat.callsTo('setTopic')) expect(lineText(c.topic)).toMatch(/^🧪 DRILL · /);
  });

  it('leave real incidents unmarked and announced', async () => {
    const { chat, notifier } = setup();
    await notifier.warRoomOpened(withRoom(), ['alice']);
    expect(chat.callsTo('post').map((c) => c.channel)).toContain(ANNOUNCE_CHANNEL);
    expect(chat.callsTo('post').some((c) => messageText(c.message).includes('DRILL'))).toBe(false);
  });
});
