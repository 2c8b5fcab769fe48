/** A mail's two parts: plain text, and a simple HTML alternative with every piece of text escaped. */
import type { MailContent } from './mail-messages.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML element content and attribute values. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

export function mailBody(content: MailContent): { text: string; html: string } {
  const lines = content.lines.filter((l) => l !== '');
  const text = [content.heading, '', ...lines, '', '-- ', 'Sent by sitroom. Replies are not read.'].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif">',
    `<h2 style="font-size: 1.1em">${escapeHtml(content.heading)}</h2>`,
    ...lines.map((l) => `<p style="white-space: pre-wrap">${escapeHtml(l)}</p>`),
    '<p style="color: #555">Sent by sitroom. Replies are not read.</p>',
    '</body></html>',
  ].join('\n');
  return { text, html };
}
