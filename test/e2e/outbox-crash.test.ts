/**
 * The outbox survives a kill -9: the real bot process declares an incident while Slack is down, is killed with
 * rows in flight, and after a restart (Slack back) every war-room step is done exactly once. Slack is the fake
 * Web API with an outage (platform-faults.ts); requests are signed as Slack signs them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { postSigned, slashCommandBody } from '../fakes/slack-requests.ts';
import { type SlackBotWorkspace, slackBotWorkspace } from './slack-bot-workspace.ts';

const SECRET = 'outbox-crash-secret';
let workspace: SlackBotWorkspace;
let slack: FakeSlackApi;

beforeAll(async () => {
  workspace = await slackBotWorkspace('outbox-crash', SECRET);
  slack = workspace.slack;
});

afterAll(async () => {
  await workspace.cleanup();
});

describe('the outbox across a kill -9', () => {
  it('loses and repeats no war-room step when the bot dies while Slack is down', async () => {
    const first = await workspace.startBot();
    slack.faults.outage();
    const body = slashCommandBody({ text: 'declare sev2 Checkout latency spike', userId: 'UALICE', channelId: 'CGENERAL', responseUrl: slack.responseUrl('declare') });
    const answer = await postSigned(`${first.url}/slack/events`, SECRET, body);
    expect(answer.status).toBe(200);
    // Nothing waits for Slack: the reply is the command's own answer (it needs no call to Slack), and the war room
    // is queued, retried while Slack is down.
    expect(slack.commandAnswered('declare', answer)).toBeUndefined();
    await first.waitForLog((l) => l['msg'] === 'chat delivery failed; will retry' && l['kind'] === 'create_room', 10_000);
    await workspace.stop(first, 'SIGKILL');

    slack.faults.recover();
    const second = await workspace.startBot();
    await slack.waitFor('chat.postMessage', (c) => c.args['channel'] === 'CANNOUNCE', 20_000);
    const room = slack.channelNamed('inc-1-checkout-latency-spike')?.id ?? '';
    expect(room).not.toBe('');
    expect(slack.callsTo('conversations.create').filter((c) => c.status === 200)).toHaveLength(1);
    expect(slack.messagesIn(room)).toHaveLength(1);
    expect(slack.messagesIn('CANNOUNCE')).toHaveLength(1);
    expect(slack.messagesIn('CANNOUNCE')[0]?.text).toContain('Checkout latency spike');
    // The reply came once, in the answer, and said the war room was still to come.
    expect(slack.responses('declare')).toEqual([expect.objectContaining({ text: expect.stringContaining('Declared incident #1') })]);
    expect(JSON.stringify(slack.responses('declare'))).toContain('being created');
    expect((await workspace.stop(second)).code).toBe(0);
  });
});
