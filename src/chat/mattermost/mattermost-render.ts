/**
 * Neutral chat messages -> Mattermost Markdown and message attachments. User text is escaped so it can
 * neither format, link nor mention: `@channel` in a title pings nobody.
 */
import type { Button, ChatMessage, Inline, Line } from '../message.ts';

/** Names for the ids a message mentions: Mattermost mentions users by @username and links channels by ~name. */
export interface Names {
  user(id: string): string | undefined;
  channel(id: string): string | undefined;
}

/** A zero-width space after `@`/`~` stops Mattermost from reading a mention or channel link in user text. */
const ZWSP = '\u200b';

export const escapeMattermost = (text: string): string =>
  text
    .replace(/\r?\n/g, ' ')
    .replace(/([\\`*_[\]<>|~])/g, '\\$1')
    .replace(/^([#>+-])/, '\\$1')
    .replace(/@/g, `@${ZWSP}`)
    .replace(/\\~/g, `\\~${ZWSP}`);

/** The ids a message mentions, so the caller can look their names up first. */
export function mentionedIds(message: ChatMessage): { users: Set<string>; channels: Set<string> } {
  const users = new Set<string>();
  const channels = new Set<string>();
  for (const line of [message.heading ?? [], ...message.lines]) {
    for (const part of line) {
      if (typeof part === 'object' && 'user' in part) users.add(part.user);
      if (typeof part === 'object' && 'channel' in part) channels.add(part.channel);
    }
  }
  return { users, channels };
}

function inline(part: Inline, names: Names): string {
  if (typeof part === 'string') return escapeMattermost(part);
  if ('bold' in part) return `**${escapeMattermost(part.bold)}**`;
  if ('code' in part) return `\`${part.code.replace(/`/g, "'")}\``;
  if ('user' in part) {
    const name = names.user(part.user);
    return name ? `@${name}` : `@${ZWSP}unknown-user`;
  }
  if ('channel' in part) {
    const name = names.channel(part.channel);
    return name ? `~${name}` : 'the war room';
  }
  if ('link' in part) return `[${escapeMattermost(part.label)}](${part.link.replace(/[()\s]/g, encodeURIComponent)})`;
  return '@here';
}

export const renderLine = (line: Line, names: Names): string => line.map((p) => inline(p, names)).join('');

/** Mattermost action ids must be alphanumeric. */
export const actionId = (id: Button['id']): string => id.replace(/[^a-z0-9]/gi, '');

export interface ActionContext {
  button: Button['id'];
  value: number;
  /** HMAC over button and value: Mattermost does not sign action requests, so sitroom signs its buttons. */
  sig: string;
}

export interface MattermostPost {
  message: string;
  props: { attachments?: Record<string, unknown>[] };
}

/** The message as Markdown, with its buttons as an attachment of integration actions calling `actionUrl`. */
export function renderPost(message: ChatMessage, names: Names, actionUrl: string, sign: (button: Button['id'], value: number) => string): MattermostPost {
  const heading = message.heading ? `**${renderLine(message.heading, names)}**` : '';
  const body = message.lines.map((l) => renderLine(l, names)).join('\n');
  const text = [heading, body].filter(Boolean).join('\n');
  if (!message.buttons?.length) return { message: text, props: {} };
  const actions = message.buttons.map((b) => ({
    id: actionId(b.id),
    name: b.label,
    type: 'button',
    style: b.style === 'danger' ? 'danger' : b.style === 'primary' ? 'primary' : 'default',
    integration: { url: actionUrl, context: { button: b.id, value: b.value, sig: sign(b.id, b.value) } satisfies ActionContext },
  }));
  return { message: text, props: { attachments: [{ fallback: text.slice(0, 200), actions }] } };
}
