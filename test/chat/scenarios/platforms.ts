/** The platforms every scenario runs on. A scenario that passes on one and not the other fails. */
import type { DriverFactory } from './chat-driver.ts';
import { MattermostDriver } from './mattermost-driver.ts';
import { SlackDriver } from './slack-driver.ts';

export const PLATFORMS: readonly (readonly [string, DriverFactory])[] = [
  ['Slack', (env, opts) => SlackDriver.start(env, opts)],
  ['Mattermost', (env, opts) => MattermostDriver.start(env, opts)],
];
