/** Neutral chat messages -> Slack mrkdwn and Block Kit. User text is escaped so it can never ping or link. */
import type { Button, ChatMessage, Inline, Line } from '../message.ts';

/** Slack's three control characters; with them escaped, `<!channel>` or `<@U1>` in a title is just text. */
export const escapeSlack = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A URL inside `<url|label>`: `&` escaped as Slack asks, and the characters that would end the link encoded. */
const safeUrl = (url: string) => url.replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C').replace(/\s/g, '%20');

/** Strips characters that would break out of Slack's mrkdwn formatting marks. */
const formatSafe = (text: string) => escapeSlack(text).replace(/[*_`~]/g, '');

function inline(part: Inline): string {
  if (typeof part === 'string') return escapeSlack(part);
  if ('bold' in part) return `*${formatSafe(part.bold)}*`;
  if ('code' in part) return `\`${escapeSlack(part.code).replace(/`/g, "'")}\``;
  if ('user' in part) return `<@${part.user}>`;
  if ('channel' in part) return `<#${part.channel}>`;
  if ('link' in part) return `<${safeUrl(part.link)}|${escapeSlack(part.label).replace(/\|/g, '¦')}>`;
  return '<!here>';
}

export const renderLine = (line: Line): string => line.map(inline).join('');

/** Button action ids are namespaced so sitroom's listener matches only its own buttons. */
export const ACTION_PREFIX = 'sitroom:';

function buttonElement(b: Button) {
  return {
    type: 'button',
    action_id: `${ACTION_PREFIX}${b.id}`,
    text: { type: 'plain_text', text: b.label, emoji: true },
    value: String(b.value),
    ...(b.style ? { style: b.style } : {}),
  };
}

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

/** The message as Block Kit (section blocks of at most 3,000 characters) plus a plain fallback text. */
export function renderMessage(message: ChatMessage): SlackMessage {
  const heading = message.heading ? `*${renderLine(message.heading)}*` : '';
  const body = message.lines.map(renderLine).join('\n');
  const text = [heading, body].filter(Boolean).join('\n');
  const blocks: Record<string, unknown>[] = [];
  for (let offset = 0; offset < text.length || offset === 0; offset += 3000) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: text.slice(offset, offset + 3000) || ' ' } });
  }
  if (message.buttons?.length) blocks.push({ type: 'actions', elements: message.buttons.map(buttonElement) });
  return { text: text.slice(0, 3000), blocks };
}
