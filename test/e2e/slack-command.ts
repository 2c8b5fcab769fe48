/**
 * `/incident <text>` sent to a real sitroom process as Slack sends it (signed, by UALICE), and the reply the user sees:
 * Slack shows the answer's body when the reply is in it, else what is posted to the command's response_url.
 */
import { expect } from 'vitest';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { postSigned, slashCommandBody } from '../fakes/slack-requests.ts';

export async function slackCommand(slack: FakeSlackApi, to: { url: string; secret: string }, text: string, channel: string, id: string): Promise<string> {
  const body = slashCommandBody({ text, userId: 'UALICE', channelId: channel, responseUrl: slack.responseUrl(id) });
  const res = await postSigned(`${to.url}/slack/events`, to.secret, body);
  expect(res.status).toBe(200);
  expect(slack.commandAnswered(id, res)).toBeUndefined();
  return ((await slack.waitForResponse(id, 10_000)) as { text: string }).text;
}
