/**
 * Issue 12.1: in Socket Mode the same listeners hear 📌 and the message shortcut. The real Bolt SocketModeReceiver
 * connects to the fake's Socket Mode WebSocket (test/fakes/slack/socket-mode.ts), which delivers the same payloads
 * the HTTP request URL gets, in envelopes the app acknowledges.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../../fakes/fake-slack-api.ts';
import { eventCallbackBody, messageActionBody, reactionEvent, slashCommandBody } from '../../fakes/slack-requests.ts';
import { SitroomUnderTest } from '../scenarios/sitroom-under-test.ts';

let slack: FakeSlackApi;
let app: SitroomUnderTest;
beforeEach(async () => {
  slack = await FakeSlackApi.start();
  slack.addChannel({ id: 'CANNOUNCE', name: 'incidents' });
  app = new SitroomUnderTest({ SLACK_BOT_TOKEN: 'xoxb-socket', SLACK_APP_TOKEN: 'xapp-1-A0SITROOM-1-fake', SLACK_ANNOUNCE_CHANNEL: 'CANNOUNCE', SLACK_API_URL: `${slack.url}/api/` });
  await app.start();
  await slack.socketMode.whenConnected();
});
afterEach(async () => {
  await app.stop();
  await slack.close();
});

describe('capturing over Socket Mode', () => {
  it('a 📌 (events_api envelope) and the shortcut (interactive envelope) reach the same listeners', async () => {
    await app.sitroom.service.declare({ title: 'Checkout latency spike', severity: 'sev2', isPrivate: false, platform: 'slack', declaredBy: 'UALICE' });
    await app.sitroom.settled();
    const room = (await app.sitroom.service.get(1)).room?.channelId ?? '';
    expect(room).not.toBe('');

    const first = slack.postAsUser({ channel: room, user: 'UBOB', text: 'Failover done' });
    const envelope = eventCallbackBody(reactionEvent({ userId: 'UALICE', reaction: 'pushpin', channelId: room, ts: first, itemUser: 'UBOB' }));
    await slack.socketMode.send('events_api', JSON.parse(envelope));
    await slack.waitFor('chat.getPermalink');
    await app.sitroom.settled();

    const second = slack.postAsUser({ channel: room, user: 'UCAROL', text: 'Rolled back' });
    const payload = new URLSearchParams(
      messageActionBody({ callbackId: 'sitroom_timeline', userId: 'UALICE', channelId: room, message: { type: 'message', user: 'UCAROL', ts: second, text: 'Rolled back' }, responseUrl: slack.responseUrl('shortcut') }),
    ).get('payload');
    await slack.socketMode.send('interactive', JSON.parse(payload ?? '{}'));
    expect(await slack.waitForResponse('shortcut')).toMatchObject({ text: 'Added to the timeline of incident #1.' });

    const captured = (await app.sitroom.service.timeline(1)).filter((e) => e.kind === 'message_captured');
    expect(captured.map((e) => [e.actor, e.text])).toEqual([
      ['UBOB', 'Failover done'],
      ['UCAROL', 'Rolled back'],
    ]);
  });
});

describe('a slash command over Socket Mode', () => {
  it('is acknowledged with its reply as the envelope’s payload, so nothing goes to the response_url', async () => {
    // The payload is the slash command's fields, as the HTTP request URL would get them.
    const payload = Object.fromEntries(new URLSearchParams(slashCommandBody({ text: 'declare sev2 Over the socket', userId: 'UALICE', channelId: 'CANNOUNCE', responseUrl: slack.responseUrl('socket') })));
    const acked = await slack.socketMode.send('slash_commands', payload);
    expect(acked).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Declared incident #1') });
    await app.sitroom.settled();
    expect(slack.responses('socket')).toEqual([]);
    expect((await app.sitroom.service.get(1)).title).toBe('Over the socket');
  });
});
