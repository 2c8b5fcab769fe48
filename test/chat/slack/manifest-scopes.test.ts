/**
 * Issue 10.1: manifest.yml must grant every scope the code needs. The methods are found by reading the source
 * (every `client.<namespace>.<method>(` and WebClient helper call under src/chat/slack), so a new call without its
 * scope in the table or the manifest fails here, not in a real workspace.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOT_EVENTS, FEATURE_SCOPES, HELPER_METHODS, METHOD_SCOPES } from '../../../src/chat/slack/method-scopes.ts';
import { CAPTURE_SHORTCUT_ID } from '../../../src/chat/slack/slack-app.ts';
import { REPO_ROOT } from '../../e2e/bot-process.ts';
import { manifestBotEvents, manifestBotScopes, manifestMessageShortcuts, manifestShouldEscape } from '../../fakes/slack/manifest.ts';

/** Every Web API method the Slack adapter's source calls, directly or through a WebClient helper. */
function methodsCalled(): Set<string> {
  const dir = join(REPO_ROOT, 'src/chat/slack');
  const found = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(dir, file), 'utf8');
    for (const m of source.matchAll(/\bclient\.([a-z]+)\.([A-Za-z]+)\(/g)) found.add(`${m[1]}.${m[2]}`);
    for (const m of source.matchAll(/\bclient\.([A-Za-z0-9]+)\(/g)) {
      const helper = HELPER_METHODS[m[1] ?? ''];
      if (!helper) throw new Error(`${file} calls WebClient.${m[1]}: add the methods it calls to HELPER_METHODS`);
      for (const method of helper) found.add(method);
    }
  }
  return found;
}

describe('the Slack app manifest', () => {
  it('the scan finds the calls sitroom makes (so an empty scan cannot pass)', () => {
    expect([...methodsCalled()]).toEqual(expect.arrayContaining(['chat.postMessage', 'conversations.create', 'files.getUploadURLExternal', 'views.open']));
  });

  it('every method the code calls has its scopes in the table', () => {
    const missing = [...methodsCalled()].filter((m) => !(m in METHOD_SCOPES));
    expect(missing, 'add these methods and their scopes to src/chat/slack/method-scopes.ts').toEqual([]);
  });

  it('grants every scope those methods need, and the slash command scope', () => {
    const granted = manifestBotScopes();
    const needed = [...methodsCalled()].flatMap((m) => (METHOD_SCOPES[m as keyof typeof METHOD_SCOPES] ?? []).map((scope) => ({ method: m, scope })));
    const lacking = [...needed, ...FEATURE_SCOPES.map((scope) => ({ method: '/incident', scope }))].filter((n) => !granted.includes(n.scope));
    expect(lacking, 'add these scopes to oauth_config.scopes.bot in manifest.yml and the README scope table').toEqual([]);
  });

  it('declares /incident with should_escape: true, which the inbound decoder and the mention parser rely on', () => {
    expect(manifestShouldEscape()).toBe(true);
  });

  it('subscribes the bot to exactly the events the code listens to, and declares the capture shortcut', () => {
    const listened = new Set<string>();
    for (const file of readdirSync(join(REPO_ROOT, 'src/chat/slack')).filter((f) => f.endsWith('.ts'))) {
      for (const m of readFileSync(join(REPO_ROOT, 'src/chat/slack', file), 'utf8').matchAll(/\bapp\.event\('([a-z_]+)'/g)) listened.add(m[1] ?? '');
    }
    expect([...listened]).toEqual([...BOT_EVENTS]);
    expect(manifestBotEvents()).toEqual([...BOT_EVENTS]);
    expect(manifestMessageShortcuts()).toEqual([CAPTURE_SHORTCUT_ID]);
  });

  it('the README scope table lists exactly the manifest scopes', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    for (const scope of manifestBotScopes()) expect(readme).toContain(`| \`${scope}\``);
  });
});
