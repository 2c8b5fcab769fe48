import { describe, expect, it } from 'vitest';
import { ChatNotifier } from '../../src/chat/chat-notifier.ts';
import { warRoomName } from '../../src/incidents/war-room-name.ts';
import { messageContext } from '../fakes/chat-context.ts';
import { FakeChatPlatform } from '../fakes/fake-chat-platform.ts';
import { anIncident } from '../fakes/incident-builder.ts';

function setup(opts: ConstructorParameters<typeof FakeChatPlatform>[0] = {}) {
  const chat = new FakeChatPlatform(opts);
  const notifier = new ChatNotifier({ platform: chat, context: () => messageContext() });
  return { chat, notifier };
}

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

describe('setTopic', () => {
  it('does not set a topic again that is already set, and sets it again after a failed attempt', async () => {
    const { chat, notifier } = setup();
    await notifier.setTopic('C-ROOM', ['one']);
    await notifier.setTopic('C-ROOM', ['one']);
    expect(chat.callsTo('setTopic')).toHaveLength(1);
    chat.failOn('setTopic');
    await expect(notifier.setTopic('C-ROOM', ['two'])).rejects.toThrow('setTopic failed');
    await expect(notifier.setTopic('C-ROOM', ['two'])).rejects.toThrow('setTopic failed');
    expect(chat.callsTo('setTopic')).toHaveLength(3);
  });
});

describe('drills', () => {
  it('get a drill-<number>-<slug> room', async () => {
    const { notifier } = setup();
    expect((await notifier.createWarRoom(anIncident({ number: 7, drill: true }))).channelName).toBe('drill-7-checkout-latency-spike');
  });
});
