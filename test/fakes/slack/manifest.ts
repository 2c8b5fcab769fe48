/** What manifest.yml grants: the bot token scopes the fake Slack Web API gives its tokens by default. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const MANIFEST = fileURLToPath(new URL('../../../manifest.yml', import.meta.url));

interface Manifest {
  oauth_config?: { scopes?: { bot?: unknown } };
  features?: { slash_commands?: { should_escape?: unknown }[]; shortcuts?: { type?: unknown; callback_id?: unknown }[] };
  settings?: { event_subscriptions?: { bot_events?: unknown } };
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

/** settings.event_subscriptions.bot_events of manifest.yml. */
export function manifestBotEvents(): string[] {
  const events = read().settings?.event_subscriptions?.bot_events;
  return Array.isArray(events) ? events.filter((s): s is string => typeof s === 'string') : [];
}

/** The callback ids of the message shortcuts manifest.yml declares. */
export function manifestMessageShortcuts(): string[] {
  return (read().features?.shortcuts ?? []).filter((s) => s.type === 'message').flatMap((s) => (typeof s.callback_id === 'string' ? [s.callback_id] : []));
}
