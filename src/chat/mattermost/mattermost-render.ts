/**
 * Neutral chat messages -> Mattermost Markdown and message attachments. User text is escaped so it can
 * neither format, link nor mention: `@channel` in a title pings nobody.
 */
import { type Button, buttonKey, type ChatMessage, type Inline, type Line, type Select } from '../../presentation/message.ts';

/** Names for the ids a message mentions: Mattermost mentions users by @username and links channels by ~name. */
export interface Names {
  user(id: string): string | undefined;
  channel(id: string): string | undefined;
}

/** Mattermost ids are 26 lowercase letters and digits (model.IsValidId). */
export const looksLikeId = (s: string): boolean => /^[a-z0-9]{26}$/.test(s);

/** A zero-width space after `@`/`~` stops Mattermost from reading a mention or channel link in user text. */
const ZWSP = '\u200b';

export const escapeMattermost = (text: string): string =>
  text
    .replace(/\r?\n/g, ' ')
    .replace(/([\\`*_[\]<>|~])/g, '\\$1')
    .replace(/^([#>+-])/, '\\$1')
    .replace(/@/g, `@${ZWSP}`)
    .replace(/\\~/g, `\\~${ZWSP}`);

/**
 * The ids a message mentions, so the caller can look their names up first. Only Mattermost ids (26 lowercase
 * letters and digits) count: a Slack incident in `list` names a Slack channel and users that Mattermost does not know.
 */
export function mentionedIds(message: ChatMessage): { users: Set<string>; channels: Set<string> } {
  const users = new Set<string>();
  const channels = new Set<string>();
  for (const line of [message.heading ?? [], ...message.lines]) {
    for (const part of line) {
      if (typeof part === 'object' && 'user' in part && looksLikeId(part.user)) users.add(part.user);
      if (typeof part === 'object' && 'channel' in part && looksLikeId(part.channel)) channels.add(part.channel);
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
    return name ? `~${name}` : looksLikeId(part.channel) ? 'the war room' : 'its war room (on another platform)';
  }
  if ('link' in part) return `[${escapeMattermost(part.label)}](${part.link.replace(/[()\s]/g, encodeURIComponent)})`;
  return '@here';
}

export const renderLine = (line: Line, names: Names): string => line.map((p) => inline(p, names)).join('');

/** Mattermost action ids must be alphanumeric. */
export const actionId = (id: string): string => id.replace(/[^a-z0-9]/gi, '');

export interface ActionContext {
  button: Button['id'] | Select['id'];
  value: number;
  /** The channel the button is posted in: a click sent with another channel is refused. */
  channel: string;
  /**
   * Only on a button in an ephemeral message: the one user it was shown to. An ephemeral post is not stored, so the
   * click cannot be checked against its post (mattermost-action-posts.ts); only this user may click it.
   */
  user?: string;
  /**
   * HMAC over button, value, channel (and user): Mattermost does not sign action requests, so sitroom signs its
   * buttons.
   */
  sig: string;
}

export type ButtonSigner = (button: Button['id'] | Select['id'], value: number, channel: string, user?: string) => string;

/** The signed context of one button or menu; `shownTo` binds it to the one user of an ephemeral message. */
function actionContext(sign: ButtonSigner, button: ActionContext['button'], value: number, channel: string, shownTo: string | undefined): ActionContext {
  return shownTo === undefined
    ? { button, value, channel, sig: sign(button, value, channel) }
    : { button, value, channel, user: shownTo, sig: sign(button, value, channel, shownTo) };
}

/**
 * model.PostMessageMaxRunesV2 (server/public/model/post.go): a post's message may hold 16,383 runes (Unicode code
 * points); Post.IsValid refuses a longer one with model.post.is_valid.message_length.app_error.
 */
export const POST_MESSAGE_MAX_RUNES = 16_383;

const runes = (s: string): number => [...s].length;

/** The text in pieces of at most `max` runes, cut at line ends (a single longer line is cut at the limit). */
export function splitOnLines(text: string, max = POST_MESSAGE_MAX_RUNES): string[] {
  const parts: string[] = [];
  let current = '';
  // Rune counts are kept as they grow: recounting the whole part at every line made a long `list` quadratic.
  let currentRunes = 0;
  for (const line of text.split('\n')) {
    let rest = line;
    let restRunes = runes(rest);
    while (restRunes > max) {
      if (current) parts.push(current);
      current = '';
      currentRunes = 0;
      const cps = [...rest];
      parts.push(cps.slice(0, max).join(''));
      rest = cps.slice(max).join('');
      restRunes -= max;
    }
    const joinedRunes = current ? currentRunes + 1 + restRunes : restRunes;
    if (joinedRunes <= max) {
      current = current ? `${current}\n${rest}` : rest;
      currentRunes = joinedRunes;
    } else {
      parts.push(current);
      current = rest;
      currentRunes = restRunes;
    }
  }
  parts.push(current);
  return parts;
}

export interface MattermostPost {
  message: string;
  props: { attachments?: Record<string, unknown>[] };
}

/**
 * The message as Markdown, with its buttons as an attachment of integration actions calling `actionUrl`. `shownTo`
 * is the user of an ephemeral message (the only one who sees it): its buttons are bound to that user.
 */
export function renderPost(message: ChatMessage, names: Names, actionUrl: string, sign: ButtonSigner, channel: string, shownTo?: string): MattermostPost {
  const heading = message.heading ? `**${renderLine(message.heading, names)}**` : '';
  const body = message.lines.map((l) => renderLine(l, names)).join('\n');
  const text = [heading, body].filter(Boolean).join('\n');
  if (!message.buttons?.length && !message.select) return { message: text, props: {} };
  const buttons = message.buttons ?? [];
  const select = message.select;
  // A menu is a `select` action with options (model.PostAction, PostActionTypeSelect): Mattermost adds the chosen
  // option's value to the context as `selected_option` (app.DoPostActionWithCookie).
  const menu = select
    ? [
        {
          id: actionId(select.id),
          name: select.placeholder,
          type: 'select',
          options: select.options.map((o) => ({ text: o.label, value: String(o.value) })),
          integration: { url: actionUrl, context: actionContext(sign, select.id, select.value, channel, shownTo) },
        },
      ]
    : [];
  const actions = buttons.map((b, _, all) => ({
    id: actionId(buttonKey(b, all)),
    name: b.label,
    type: 'button',
    style: b.style === 'danger' ? 'danger' : b.style === 'primary' ? 'primary' : 'default',
    integration: { url: actionUrl, context: actionContext(sign, b.id, b.value, channel, shownTo) },
  }));
  return { message: text, props: { attachments: [{ fallback: text.slice(0, 200), actions: [...actions, ...menu] }] } };
}
