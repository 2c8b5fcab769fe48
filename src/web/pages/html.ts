/**
 * The only way the pages build HTML: `html` escapes every interpolated value unless it is already `SafeHtml`
 * (what `html` and `raw` return), so user text can never become markup by accident.
 *
 *   html`<h1>${incident.title}</h1>`        // title escaped
 *   html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`   // arrays joined, nested html kept
 *   html`${cond && html`<p>shown</p>`}`     // false / null / undefined render as ''
 *
 * Attribute values must be quoted (`href="${url}"`); quotes are escaped too. For URLs from elsewhere, pass them
 * through `safeUrl` so a `javascript:` link cannot sneak in.
 */

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `& < > " '` as entities: safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** A fragment of HTML known to be safe: built by `html`, or vouched for with `raw`. */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

/** What may be interpolated: `true` is left out on purpose (`cond && x` must not print "true"). */
export type HtmlValue = SafeHtml | string | number | false | null | undefined | readonly HtmlValue[];

/** Marks already-safe markup (our own constants, markdown-it's output) as not to be escaped again. */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

/** The tagged template: literal parts kept, every `${value}` escaped (see `HtmlValue`). */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** `url` when it is http(s) or a same-site path, otherwise undefined: for links whose target came from outside. */
export function safeUrl(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  const u = url.trim();
  if (/^\/(?![/\\])/.test(u)) return u;
  return /^https?:\/\//i.test(u) ? u : undefined;
}
