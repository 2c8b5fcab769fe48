/**
 * Property: Mattermost's three inbound routes (slash command, action click, dialog submission) answer any body —
 * any JSON value, any form fields with the right command token — with a clear 2xx/4xx, never a 5xx or a stack
 * trace, and leave only whole incidents. (Slack's inbound side is Bolt's receiver; it waits 3 s on requests no
 * listener takes, so it is fuzzed against the real process in test/e2e/http-fuzz.test.ts instead.)
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeMattermostId } from '../fakes/fake-mattermost-api.ts';
import { postForm, postJson, slashCommandForm } from '../fakes/mattermost-requests.ts';
import { MattermostDriver } from '../chat/scenarios/mattermost-driver.ts';

let chat: MattermostDriver;
beforeAll(async () => {
  chat = await MattermostDriver.start();
  await chat.command('declare sev2 Fuzz target');
});
afterAll(async () => {
  await chat?.stop();
});

const STACK = /\n\s+at [^\n]+:\d+:\d+/;
const clear = (status: number, body: string) => {
  expect(status).toBeLessThan(500);
  expect(body).not.toMatch(STACK);
};

/** Every incident is whole: its timeline starts with its declaration. */
async function expectWholeIncidents(): Promise<void> {
  for (const incident of await chat.sitroom().service.listOpen()) expect((await chat.sitroom().service.timeline(incident.number))[0]?.kind).toBe('declared');
}

/** JSON shaped a little like Mattermost's requests, or not at all. */
const requestLike = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      user_id: fc.oneof(fc.constant(fakeMattermostId('alice')), fc.jsonValue()),
      channel_id: fc.jsonValue(),
      context: fc.oneof(fc.jsonValue(), fc.record({ button: fc.oneof(fc.constantFrom('claim_commander', 'snooze', 'post_update'), fc.jsonValue()), value: fc.jsonValue(), sig: fc.jsonValue() }, { requiredKeys: [] })),
      callback_id: fc.oneof(fc.constantFrom('sitroom_declare', 'sitroom_update'), fc.jsonValue()),
      state: fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))),
      submission: fc.jsonValue(),
    },
    { requiredKeys: [] },
  ),
);

describe('Mattermost inbound routes under any body', () => {
  it('/mattermost/actions and /mattermost/dialogs answer any JSON clearly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/mattermost/actions', '/mattermost/dialogs'), requestLike, async (path, body) => {
        const res = await postJson(`${chat.url}${path}`, body);
        clear(res.status, res.body);
        await chat.settled();
        await expectWholeIncidents();
      }),
      { numRuns: 200 },
    );
  });

  it('all three routes answer bytes that are not JSON clearly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/mattermost/actions', '/mattermost/dialogs', '/mattermost/command'), fc.string({ unit: 'binary', maxLength: 300 }), async (path, body) => {
        const res = await fetch(`${chat.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        clear(res.status, await res.text());
      }),
      { numRuns: 150 },
    );
  });

  it('/mattermost/command answers any command text, with the right token, clearly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom(chat.general, '', 'x'), async (text, channelId) => {
        const form = slashCommandForm({ text, userId: fakeMattermostId('alice'), userName: 'alice', channelId, token: 'scenario-command-token', responseUrl: chat.mm.responseUrl('fuzz') });
        const res = await postForm(`${chat.url}/mattermost/command`, form);
        clear(res.status, res.body);
        await chat.settled();
        await expectWholeIncidents();
      }),
      { numRuns: 100 },
    );
  });
});
