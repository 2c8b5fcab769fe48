import { describe, expect, it } from 'vitest';
import { CountedPlatform } from '../../src/chat/counted-platform.ts';
import type { ChatMessage } from '../../src/presentation/message.ts';
import { FakeChatPlatform, type PlatformMethod } from '../fakes/fake-chat-platform.ts';

const message: ChatMessage = { lines: [['hello']] };

function counted(inner = new FakeChatPlatform()) {
  let errors = 0;
  const platform = new CountedPlatform(inner, () => {
    errors += 1;
  });
  return { inner, platform, errors: () => errors };
}

/** One call of each ChatPlatform method. */
const CALLS: Record<PlatformMethod, (p: CountedPlatform) => Promise<unknown>> = {
  createChannel: (p) => p.createChannel('inc-1-db', false),
  invite: (p) => p.invite('C1', ['carol']),
  setTopic: (p) => p.setTopic('C1', ['SEV2']),
  post: (p) => p.post('C1', message),
  update: (p) => p.update('C1', 'M1', message),
  pin: (p) => p.pin('C1', 'M1'),
  sendDirect: (p) => p.sendDirect('carol', message),
  postFile: (p) => p.postFile('C1', { filename: 'pm.md', content: '# pm', title: 'Postmortem' }, message),
  reply: (p) => p.reply({ user: 'carol', channel: 'C1' }, message),
};
const METHODS = Object.keys(CALLS) as PlatformMethod[];

describe('CountedPlatform', () => {
  it('passes the platform’s properties through', () => {
    const { platform } = counted(new FakeChatPlatform({ platform: 'mattermost', maxChannelNameLength: 64, announceChannel: 'town-square', alertsChannel: 'alerts' }));
    expect([platform.platform, platform.maxChannelNameLength, platform.announceChannel, platform.alertsChannel]).toEqual(['mattermost', 64, 'town-square', 'alerts']);
  });

  it.each(METHODS)('passes %s through with its arguments and result, counting nothing when it succeeds', async (method) => {
    const { inner, platform, errors } = counted();
    await CALLS[method](platform);
    expect(inner.calls.map((c) => c.method)).toEqual([method]);
    expect(errors()).toBe(0);
  });

  it('returns what the platform returns', async () => {
    const { inner, platform } = counted();
    inner.takenNames.add('inc-1-db');
    expect(await platform.createChannel('inc-1-db', false)).toBe('name_taken');
    expect(await platform.post('C9', message)).toEqual({ channel: 'C9', id: 'M1' });
    expect(inner.callsTo('post')).toEqual([{ method: 'post', channel: 'C9', message }]);
  });

  it.each(METHODS)('counts a failing %s once and rethrows the very same error', async (method) => {
    const { inner, platform, errors } = counted();
    const failure = new Error(`${method}: ratelimited`);
    inner.failOn(method, failure);
    const thrown = await CALLS[method](platform).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(thrown).toBe(failure);
    expect(errors()).toBe(1);
  });

  it('counts every failure, and only failures', async () => {
    const { inner, platform, errors } = counted();
    inner.failOn('post');
    await expect(platform.post('C1', message)).rejects.toThrow('post failed');
    await platform.pin('C1', 'M1');
    await expect(platform.post('C1', message)).rejects.toThrow('post failed');
    expect(errors()).toBe(2);
  });
});
