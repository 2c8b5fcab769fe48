/** What only Slack has: signed requests (forged or stale ones refused), and its rate limits (Retry-After). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postSigned, slashCommandBody } from '../../fakes/slack-requests.ts';
import { SlackDriver } from '../scenarios/slack-driver.ts';

let chat: SlackDriver;
beforeEach(async () => {
  chat = await SlackDriver.start();
});
afterEach(async () => {
  await chat?.stop();
});

describe('the Slack edge', () => {
  it('refuses forged and stale requests with 401 and changes nothing', async () => {
    const body = slashCommandBody({ text: 'declare sev1 forged', userId: 'UEVE', channelId: chat.general, responseUrl: chat.slack.responseUrl('x') });
    expect((await postSigned(`${chat.url}/slack/events`, 'wrong-secret', body)).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 10 * 60;
    expect((await postSigned(`${chat.url}/slack/events`, 'scenario-signing-secret', body, { timestampSeconds: stale })).status).toBe(401);
    expect(await chat.sitroom().service.listOpen()).toEqual([]);
  });

  it('acknowledges a slash command with its reply in the answer, before any chat work is done', async () => {
    const body = slashCommandBody({ text: 'declare sev2 Quick ack', userId: 'UALICE', channelId: chat.general, responseUrl: chat.slack.responseUrl('ack') });
    chat.slack.rateLimitNext('conversations.create', 1);
    const res = await postSigned(`${chat.url}/slack/events`, 'scenario-signing-secret', body);
    expect(res.status).toBe(200);
    // The channel creation is still waiting out Slack's Retry-After when the acknowledgement has arrived.
    expect(chat.created()).toEqual([]);
    // The reply is the answer's body (ephemeral, as Slack shows it), and says what is still on its way.
    expect(res.contentType).toMatch(/^application\/json/);
    const answer = JSON.parse(res.body) as { response_type: string; text: string };
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain('Declared incident #1');
    expect(chat.slack.commandAnswered('ack', res)).toBeUndefined();
    await chat.settled();
    expect(chat.slack.responses('ack')).toHaveLength(1);
  });

  it('honours Retry-After when Slack rate-limits, and the incident is recorded whole', async () => {
    chat.slack.rateLimitNext('chat.postMessage', 1);
    await chat.command('declare sev2 Rate limited');
    // The outbox (not the SDK) waits out Retry-After: nothing is tried again before the 1 s Slack asked for.
    expect(chat.slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429]);
    chat.clock.advance(999);
    await chat.settled();
    expect(chat.slack.callsTo('chat.postMessage')).toHaveLength(1);
    chat.clock.advance(60_000);
    await chat.settled();
    const calls = chat.slack.callsTo('chat.postMessage');
    expect(calls[0]?.status).toBe(429);
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.slice(1).every((c) => c.status === 200)).toBe(true);
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    expect(chat.pinned(room)).toHaveLength(1);
    expect((await chat.sitroom().service.get(1)).room?.cardMessageId).toBe(chat.pinned(room)[0]);
  });

  it('links a war room with the team id from auth.test, so the browser opens the right workspace (issue 10.11)', async () => {
    await chat.command('declare sev3 Link check');
    const api = (await (await fetch(`${chat.url}/api/incidents/1`)).json()) as { warRoom: { channelId: string; url: string } };
    expect(api.warRoom.url).toBe(`https://slack.com/app_redirect?channel=${api.warRoom.channelId}&team=T1`);
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${chat.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: 'ok', platforms: { slack: 'ok' } });
  });
});
