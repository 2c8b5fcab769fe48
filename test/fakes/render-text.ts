/** Flattens platform-neutral messages to plain text, so tests can read them the way a person would. */
import type { ChatMessage, Inline, Line } from '../../src/presentation/message.ts';

function inlineText(part: Inline): string {
  if (typeof part === 'string') return part;
  if ('bold' in part) return part.bold;
  if ('code' in part) return part.code;
  if ('user' in part) return `@${part.user}`;
  if ('channel' in part) return `#${part.channel}`;
  if ('link' in part) return `${part.label} <${part.link}>`;
  return '@here';
}

export const lineText = (line: Line): string => line.map(inlineText).join('');

/** Heading and lines, one per row; buttons are not text. */
export const messageText = (message: ChatMessage): string =>
  [...(message.heading ? [message.heading] : []), ...message.lines].map(lineText).join('\n');
