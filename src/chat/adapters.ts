/**
 * The chat platforms sitroom can talk to: config -> adapter. Adding a platform is one folder under src/chat and one
 * line here; src/app.ts loops over what this returns and names no platform.
 */
import type { Config } from '../config.ts';
import type { Platform } from '../incidents/incident.ts';
import type { Logger } from '../logger.ts';
import type { ChatAdapter } from './chat-adapter.ts';
import type { ChatMessage } from '../presentation/message.ts';
import type { ReplyTo } from '../presentation/reply-effects.ts';
import type { NonceStore } from './nonce-store.ts';
import { createMattermostAdapter } from './mattermost/mattermost-app.ts';
import { createSlackAdapter } from './slack/slack-app.ts';

/** What every adapter may use from the app. */
export interface AdapterDeps {
  logger: Logger;
  /** Registers work that runs after the platform's request was answered, so shutdown can wait for it. */
  track: (work: Promise<unknown>) => void;
  /** Used form nonces and Slack signatures, shared by every replica (in the database). */
  nonces: NonceStore;
  now: () => number;
  /** A platform call not answered within this long fails (and the outbox retries it). */
  callTimeoutMs: number;
  /** Queues the answer to a person's request in the outbox (reply-effects.ts): never sent inside the request. */
  /** Queues a reply in the outbox; resolves once it is stored. */
  reply: (platform: Platform, to: ReplyTo, message: ChatMessage) => Promise<void>;
}

interface Entry {
  platform: Platform;
  /** The adapter, or undefined when the platform is not configured. */
  create(config: Config, deps: AdapterDeps): ChatAdapter | undefined;
  /** What to set to configure it (said when calls queued for it cannot go). */
  settings: string;
}

/** In this order: the first configured platform is where the web board declares incidents. */
const PLATFORMS: readonly Entry[] = [
  { platform: 'slack', create: (c, d) => c.slack && createSlackAdapter({ config: c.slack, logger: d.logger, track: d.track, callTimeoutMs: d.callTimeoutMs, reply: d.reply, nonces: d.nonces }), settings: 'SLACK_BOT_TOKEN' },
  { platform: 'mattermost', create: (c, d) => c.mattermost && createMattermostAdapter({ config: c.mattermost, ...d }), settings: 'MATTERMOST_URL' },
];

/** The configured platforms' adapters, each logging with its platform's name. */
export function createChatAdapters(config: Config, deps: AdapterDeps): ChatAdapter[] {
  return PLATFORMS.flatMap(({ platform, create }) => create(config, { ...deps, logger: deps.logger.child({ platform }) }) ?? []);
}

/** The platforms not configured, and why calls queued for them (before a restart) cannot go. */
export function unconfiguredChatPlatforms(configured: readonly ChatAdapter[]): { platform: Platform; reason: string }[] {
  return PLATFORMS.filter(({ platform }) => !configured.some((a) => a.platform.platform === platform)).map(({ platform, settings }) => ({
    platform,
    reason: `${platform} is not configured (${settings} is not set)`,
  }));
}
