/** What manifest.yml grants: the bot token scopes the fake Slack Web API gives its tokens by default. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const MANIFEST = fileURLToPath(new URL('../../../manifest.yml', import.meta.url));

interface Manifest {
  oauth_config?: { scopes?: { bot?: unknown } };
  features?: { slash_commands?: { should_escape?: unknown }[] };
}

const read = (): Manifest => parse(readFileSync(MANIFEST, 'utf8')) as Manifest;

/** oauth_config.scopes.bot of manifest.yml. */
export function manifestBotScopes(): string[] {
  const bot = read().oauth_config?.scopes?.bot;
  return Array.isArray(bot) ? bot.filter((s): s is string => typeof s === 'string') : [];
}

/** Whether /incident is declared with should_escape: true (Slack then sends mentions and links as <…> entities). */
export function manifestShouldEscape(): boolean {
  return read().features?.slash_commands?.[0]?.should_escape === true;
}
