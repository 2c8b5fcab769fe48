/** The fake Slack Web API lives in test/fakes/slack/ (one file per concern); this path stays for existing imports. */
export * from './slack/fake-slack-api.ts';
