/**
 * Slack's scope check, as the fake Web API applies it: a method called with a token that lacks a scope it needs is
 * answered `{ ok: false, error: 'missing_scope', needed, provided }` (the `needed`/`provided` fields are in every
 * response type of node-slack-sdk, e.g. packages/web-api/src/types/response/FilesGetUploadURLExternalResponse.ts),
 * and every answer carries the token's scopes in `X-OAuth-Scopes` (https://api.slack.com/legacy/oauth-scopes,
 * "Checking scopes": WebClient reads it into response_metadata.scopes).
 */
import { METHOD_SCOPES } from '../../../src/chat/slack/method-scopes.ts';
import type { SlackAnswer } from './types.ts';

/**
 * Methods the fake serves that sitroom does not call (so they are not in sitroom's table), with their scopes from
 * https://docs.slack.dev/reference/methods/<method>.
 */
const OTHER_METHOD_SCOPES: Readonly<Record<string, readonly string[]>> = {
  'chat.postEphemeral': ['chat:write'],
  'views.push': [],
  'views.update': [],
  /** Socket Mode: called with the app-level token, whose scope (connections:write) is not a bot scope. */
  'apps.connections.open': [],
};

/**
 * What Slack itself checks where that is less than sitroom needs: users.info answers with users:read alone, only
 * without profile.email (https://docs.slack.dev/reference/methods/users.info), which sitroom needs users:read.email for.
 */
const CALL_SCOPES: Readonly<Record<string, readonly string[]>> = { 'users.info': ['users:read'] };

/** The scopes `method` needs, or undefined when the fake does not know the method. */
export function scopesNeeded(method: string): readonly string[] | undefined {
  return CALL_SCOPES[method] ?? (METHOD_SCOPES as Readonly<Record<string, readonly string[]>>)[method] ?? OTHER_METHOD_SCOPES[method];
}

/** Slack's missing_scope answer when `granted` lacks a scope `method` needs; undefined when the call may go ahead. */
export function checkScopes(method: string, granted: ReadonlySet<string>): SlackAnswer | undefined {
  const needed = (scopesNeeded(method) ?? []).find((scope) => !granted.has(scope));
  if (needed === undefined) return undefined;
  return { ok: false, error: 'missing_scope', needed, provided: [...granted].join(',') };
}
