/**
 * User text as the core accepts it. Every surface (chat commands, dialogs, modals, web forms) hands raw text to
 * the core, so this is the one place that decides what a line is and which characters are kept:
 * - every line separator (CRLF, bare CR, NEL, LS, PS, VT, FF) becomes `\n` — CommonMark treats a bare CR as a line
 *   ending (https://spec.commonmark.org/0.31.2/#line-ending) and YAML 1.1 readers treat NEL/LS/PS as line breaks
 *   (https://yaml.org/spec/1.1/#id868742), so any of them left in a note could start a heading in the postmortem;
 * - tabs become spaces; other C0/C1 control characters (NUL, ESC, DEL…) and bidirectional overrides (the
 *   "Trojan Source" characters, https://trojansource.codes) are dropped; unpaired surrogates become U+FFFD;
 * - single-line text (titles, action items) has its line breaks folded into spaces.
 */

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const LINE_BREAKS = /\r\n|[\r\u000b\u000c\u0085\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g;
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** A character someone can see: not whitespace, not a format character (zero-width space, BOM…), not a filler. */
const VISIBLE = /[^\s\p{Cf}\p{Z}\u115f\u1160\u3164\uffa0\u2800]/u;

export interface TextShape {
  /** Keep line breaks (notes, updates) or fold them into spaces (titles, action items). */
  multiline: boolean;
}

/** `input` with line breaks normalised and control characters removed, trimmed. Never throws. */
export function normaliseUserText(input: string, shape: TextShape): string {
  const text = input
    .replace(LINE_BREAKS, '\n')
    .replace(/\t/g, ' ')
    .replace(CONTROLS, '')
    .replace(BIDI_CONTROLS, '')
    .replace(LONE_SURROGATES, '\ufffd');
  return (shape.multiline ? text : text.replace(/[ ]*\n[\s]*/g, ' ')).trim();
}

/** True when `text` has at least one character a person can see. */
export const hasVisibleText = (text: string): boolean => VISIBLE.test(text);
