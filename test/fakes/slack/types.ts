/** The fake Slack workspace's identity and the shape of Web API arguments and answers. */
/** Who the fake workspace and its bot are; signed requests built in slack-requests.ts use the same identity. */
export const FAKE_WORKSPACE = {
  teamId: 'T1',
  teamDomain: 'sitroom-test',
  teamName: 'Sitroom Test',
  appId: 'A0SITROOM',
  botUserId: 'UBOT',
  botId: 'BBOT',
  botName: 'sitroom',
} as const;

export type SlackArgs = Record<string, unknown>;
/** A JSON answer as sent to the client; always has `ok`. */
export type SlackAnswer = { ok: boolean; error?: string } & Record<string, unknown>;
