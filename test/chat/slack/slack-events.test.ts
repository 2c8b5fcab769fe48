/**
 * Issue 12.1: the Events API on /slack/events, behind the same guard as commands and clicks. Slack signs every
 * delivery, the url_verification handshake included (https://docs.slack.dev/apis/events-api/#url_verification,
 * https://docs.slack.dev/authentication/verifying-requests-from-slack), so an unsigned or stale one is refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventCallbackBody, messageActionBody, postSigned, reactionEvent, urlVerificationBody } from '../../fakes/slack-requests.ts';
import { SlackDriver } from '../scenarios/slack-driver.ts';

const SECRET = 'scenario-signing-secret';
let chat: SlackDriver;
beforeEach(async () => {
  chat = await SlackDriver.start();
});
afterEach(async () => {
  await chat?.stop();
});
const events = () => `${chat.url}/slack/events`;
const json = { contentType: 'application/json' };

describe('the Events API on /slack/events', () => {
  it('answers a signed url_verification with its challenge, and refuses an unsigned or stale one', async () => {
    const ok = await postSigned(events(), SECRET, urlVerificationBody('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P'), json);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    const forged = await postSigned(events(), 'not-the-secret', urlVerificationBody('x'), json);
    expect(forged.status).toBe(401);
    const stale = await postSigned(events(), SECRET, urlVerificationBody('y'), { ...json, timestampSeconds: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(401);
  });

  it('refuses, with 400 and a reason, an Events API body without what Bolt reads first', async () => {
    for (const body of [{ type: 'event_callback' }, { type: 'event_callback', event: 'x' }, { type: 'event_callback', event: {} }, { type: 'url_verification' }]) {
      const res = await postSigned(events(), SECRET, JSON.stringify(body), json);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toContain('not a Slack event');
    }
    expect(await chat.command('declare sev3 Still alive')).toContain('Declared incident #1');
  });

  it('acknowledges a reaction_added at once, and ignores one on a message that is not in a war room', async () => {
    const ts = chat.say('hello', { as: 'bob' });
    const res = await postSigned(events(), SECRET, eventCallbackBody(reactionEvent({ userId: 'UALICE', reaction: 'pushpin', channelId: chat.general, ts, itemUser: 'UBOB' })), json);
    expect(res.status).toBe(200);
    await chat.settled();
    expect(chat.slack.callsTo('conversations.history')).toEqual([]);
  });
});

describe('the message shortcut payload', () => {
  it('is refused without the channel or the message it was used on', async () => {
    const good = JSON.parse(new URLSearchParams(messageActionBody({ callbackId: 'sitroom_timeline', userId: 'UALICE', channelId: chat.general, message: { type: 'message', ts: '1.000100', text: 'x', user: 'UBOB' }, responseUrl: chat.slack.responseUrl('r') })).get('payload') ?? '{}') as Record<string, unknown>;
    for (const [what, payload] of [['channel.id', { ...good, channel: {} }], ['message.ts', { ...good, message: { text: 'x' } }]] as const) {
      const res = await postSigned(events(), SECRET, new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
      expect(res.status).toBe(400);
      expect(res.body).toContain(`no ${what}`);
    }
  });
});
