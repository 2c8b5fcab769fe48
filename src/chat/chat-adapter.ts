/**
 * One chat platform as the app sees it: its outbound calls (ChatPlatform), the HTTP routes it serves, how it paces
 * its calls, its start-up checks and health, and where its war rooms open in a browser. src/app.ts loops over the
 * configured adapters (src/chat/adapters.ts) and knows no platform by name.
 */
import type { PacingRules } from '../delivery/pacing.ts';
import type { Incident } from '../incidents/incident.ts';
import type { Route } from '../http/http-server.ts';
import type { ChatPlatform } from './chat-platform.ts';
import type { ChatCommandHandler } from './command-handler.ts';

export interface ChatAdapter {
  /** The platform's outbound calls; `platform.platform` names it. */
  readonly platform: ChatPlatform;
  /** Its rate limits, as the outbox dispatcher paces them. */
  readonly pacing: PacingRules;
  /** Routes the platform's commands, clicks and form submissions to `handler` (call once, before serving). */
  attach(handler: ChatCommandHandler): void;
  /** The HTTP routes the platform calls (none for a platform that connects out, like Slack's Socket Mode). */
  routes(): Route[];
  /** Checks the credentials: a refused one rejects with a ConfigError naming the variable; unreachable is retried. */
  start(): Promise<void>;
  /** Stops its connections and retries (after the app has drained its work). */
  stop(): Promise<void>;
  /** Whether the platform answered its last check, for /healthz. */
  health(): 'ok' | 'unreachable';
  /** Where the incident's war room opens in a browser, or null when it has none. */
  warRoomUrl(incident: Incident): string | null;
}
