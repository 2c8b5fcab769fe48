/** Neutral chat messages -> Slack mrkdwn and Block Kit. User text is escaped so it can never ping or link. */
import { type Button, buttonKey, type ChatMessage, type Inline, type Line, type Select } from '../../presentation/message.ts';

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

function buttonElement(b: Button, all: readonly Button[]) {
  return {
    type: 'button',
    action_id: `${ACTION_PREFIX}${buttonKey(b, all)}`,
    text: { type: 'plain_text', text: b.label, emoji: true },
    value: String(b.value),
    ...(b.style ? { style: b.style } : {}),
  };
}

/** A menu as a static_select; each option's value carries what the menu is about and the choice (`group:incident`). */
function selectElement(select: Select) {
  return {
    type: 'static_select',
    action_id: `${ACTION_PREFIX}${select.id}`,
    placeholder: { type: 'plain_text', text: select.placeholder, emoji: true },
    options: select.options.map((o) => ({ text: { type: 'plain_text', text: o.label, emoji: true }, value: `${select.value}:${o.value}` })),
  };
}

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

/** A section block's text is at most 3,000 characters (https://api.slack.com/reference/block-kit/blocks#section). */
export const SECTION_TEXT_MAX = 3000;
/** A message has at most 50 blocks (https://api.slack.com/reference/block-kit/blocks). */
export const MESSAGE_BLOCKS_MAX = 50;
const MORE = '_…more than Slack shows in one message; see the board for the rest._';

/** The heading in bold: its text made format-safe, so a `*` or `_` in a title cannot end the bold early. */
function renderHeading(heading: Line): string {
  const parts = heading.map((part) => {
    if (typeof part === 'string') return formatSafe(part);
    if ('bold' in part) return formatSafe(part.bold);
    return inline(part);
  });
  return `*${parts.join('')}*`;
}

/**
 * A rendered line as pieces that must not be cut: each word of plain text (escapes such as `&amp;` hold no space, so
 * a word never splits one) and each mention, link, channel, code or *bold* span whole.
 */
export function atoms(line: Line): string[] {
  return line.flatMap((part) => (typeof part === 'string' ? escapeSlack(part).split(/(?<= )/) : [inline(part)])).filter(Boolean);
}

/** A piece longer than a whole section (a 3,000-character word): cut, but never inside an `&…;` escape. */
function hardSplit(piece: string, max: number): string[] {
  const out: string[] = [];
  let rest = piece;
  while (rest.length > max) {
    let cut = max;
    const amp = rest.lastIndexOf('&', cut);
    if (amp > cut - 5 && rest.indexOf(';', amp) >= cut) cut = amp;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  return [...out, rest];
}

/** Lines packed into section texts of at most `max` characters, split between lines, else between words. */
export function splitSections(lines: readonly string[][], max = SECTION_TEXT_MAX): string[] {
  const sections: string[] = [];
  let current = '';
  const flush = () => {
    const text = current.replace(/\s+$/, '');
    if (text) sections.push(text);
    current = '';
  };
  for (const [i, line] of lines.entries()) {
    const newline = i < lines.length - 1 ? '\n' : '';
    const whole = line.join('') + newline;
    if (current.length + whole.length <= max) {
      current += whole;
      continue;
    }
    if (whole.length <= max) {
      flush();
      current = whole;
      continue;
    }
    for (const atom of [...line.flatMap((a) => (a.length > max ? hardSplit(a, max) : [a])), newline]) {
      if (current.length + atom.length > max) flush();
      current += current === '' ? atom.replace(/^ +/, '') : atom;
    }
  }
  flush();
  return sections.length ? sections : [' '];
}

/** A line cut to `max` characters between words or entities (a topic: Slack allows 250). */
export const renderLineWithin = (line: Line, max: number): string => splitSections([atoms(line)], max)[0] ?? '';

/** The message as Block Kit (section blocks of at most 3,000 characters, cut on line or word boundaries) plus a fallback text. */
export function renderMessage(message: ChatMessage): SlackMessage {
  const lines = [...(message.heading ? [[renderHeading(message.heading)]] : []), ...message.lines.map(atoms)];
  let sections = splitSections(lines);
  const room = MESSAGE_BLOCKS_MAX - (message.buttons?.length || message.select ? 1 : 0);
  if (sections.length > room) sections = [...sections.slice(0, room - 1), MORE];
  const blocks: Record<string, unknown>[] = sections.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
  const elements = [...(message.buttons ?? []).map((b, _, all) => buttonElement(b, all)), ...(message.select ? [selectElement(message.select)] : [])];
  if (elements.length) blocks.push({ type: 'actions', elements });
  return { text: sections[0] ?? ' ', blocks };
}
