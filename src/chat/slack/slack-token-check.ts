/**
 * The start-up check of SLACK_BOT_TOKEN: Slack's `auth.test` (https://docs.slack.dev/reference/methods/auth.test).
 * A token Slack refuses is a configuration error; Slack being unreachable is not (it comes back), so the adapter
 * starts anyway and keeps asking.
 */
import type { webApi } from '@slack/bolt';
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
