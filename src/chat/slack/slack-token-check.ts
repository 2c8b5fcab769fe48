/**
 * The start-up check of SLACK_BOT_TOKEN: Slack's `auth.test` (https://docs.slack.dev/reference/methods/auth.test).
 * A token Slack refuses is a configuration error; Slack being unreachable is not (it comes back), so the adapter
 * starts anyway and keeps asking.
 */
import type { webApi } from '@slack/bolt';
import { ConfigError } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import { FEATURE_SCOPES, METHOD_SCOPES } from './method-scopes.ts';

/** auth.test errors that mean the token itself is wrong: start-up stops and names SLACK_BOT_TOKEN. */
export const REFUSED_TOKEN_ERRORS = ['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type'];

/** Who the token is, from auth.test: the team id goes into war-room links, the bot ids into Bolt's context. */
export interface SlackIdentity {
  teamId: string;
  /** The scopes granted to the token (Slack's X-OAuth-Scopes header), when Slack said. */
  scopes: readonly string[] | undefined;
  botUserId: string | undefined;
  botId: string | undefined;
}

export type TokenCheck = { kind: 'ok'; identity: SlackIdentity } | { kind: 'refused'; error: string } | { kind: 'unreachable'; reason: string };

export async function checkSlackToken(client: webApi.WebClient): Promise<TokenCheck> {
  try {
    const res = await client.auth.test();
    return { kind: 'ok', identity: { teamId: res.team_id ?? '', botUserId: res.user_id, botId: res.bot_id, scopes: res.response_metadata?.scopes } };
  } catch (e) {
    const error = (e as { data?: { error?: string } }).data?.error;
    if (error !== undefined && REFUSED_TOKEN_ERRORS.includes(error)) return { kind: 'refused', error };
    return { kind: 'unreachable', reason: error ?? (e instanceof Error ? e.message : String(e)) };
  }
}

/** Scopes sitroom's calls need (method-scopes.ts) that the token was not granted: an app installed before they were added. */
export function missingScopes(granted: readonly string[]): string[] {
  const needed = new Set([...Object.values(METHOD_SCOPES).flat(), ...FEATURE_SCOPES]);
  return [...needed].filter((scope) => !granted.includes(scope)).sort();
}

/** Waits before the next check while Slack is unreachable: 2 s, doubling, at most a minute. */
export const nextCheckDelayMs = (attempt: number): number => Math.min(60_000, 2000 * 2 ** Math.max(0, attempt - 1));

/**
 * Checks the token at start and, while Slack cannot be reached, again with back-off. Knows who the token is once
 * Slack has answered, and whether it last could be reached.
 */
export class SlackTokenWatch {
  identity: SlackIdentity | undefined;
  health: 'ok' | 'unreachable' = 'ok';
  private readonly client: webApi.WebClient;
  private readonly logger: Logger;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  /** `client` should not retry by itself (retries: 0, a short timeout): the watch does the retrying. */
  constructor(client: webApi.WebClient, logger: Logger) {
    this.client = client;
    this.logger = logger;
  }

  /** The first check: throws a ConfigError naming SLACK_BOT_TOKEN when Slack refuses the token. */
  start(): Promise<void> {
    return this.check(1);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  private async check(attempt: number): Promise<void> {
    const result = await checkSlackToken(this.client);
    if (this.stopped) return;
    if (result.kind === 'ok') {
      if (this.health === 'unreachable') this.logger.info('Slack is reachable again');
      this.identity = result.identity;
      this.health = 'ok';
      const missing = result.identity.scopes ? missingScopes(result.identity.scopes) : [];
      if (missing.length > 0) {
        this.logger.warn({ missing }, `the Slack app lacks the scopes ${missing.join(', ')}: add them (see manifest.yml) and reinstall the app, or those features fail`);
      }
      return;
    }
    if (result.kind === 'refused') {
      const problem = `SLACK_BOT_TOKEN: Slack refused the token (${result.error}); copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions of your Slack app`;
      if (attempt === 1) throw new ConfigError([problem]);
      this.logger.error(problem);
      return;
    }
    this.health = 'unreachable';
    const delay = nextCheckDelayMs(attempt);
    this.logger.warn({ reason: result.reason, retryInMs: delay }, 'Slack is unreachable; sitroom runs and keeps trying');
    this.retry = setTimeout(() => void this.check(attempt + 1).catch((err: unknown) => this.logger.error({ err }, 'Slack check failed')), delay);
    this.retry.unref();
  }
}
