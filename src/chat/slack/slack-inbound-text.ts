/**
 * Slack text as it arrives -> what the person typed, decoded once at the edge.
 *
 * Slack escapes `&`, `<` and `>` as `&amp;`, `&lt;`, `&gt;` in the text it sends and uses `<…>` only for entities
 * (https://api.slack.com/reference/surfaces/formatting#escaping). With `should_escape: true` (manifest.yml) a slash
 * command's text also carries entities for what Slack recognised as the person typed
 * (https://api.slack.com/interactivity/slash-commands#creating_commands, "Escape channels, users, and links"):
 *   `<@U123|alice>`                  a user mention: kept as it is, for the mention parser (it holds the user id);
 *   `<#C123|general>`                a channel reference: `#general` (the id alone, `#C123`, without a name);
 *   `<!here>` `<!channel>` `<!everyone>`  `@here` … as literal text: it must never ping when shown again;
 *   `<!subteam^S123|@oncall>`        a user group: its label, `@oncall`;
 *   `<!date^…|fallback>`             its fallback text;
 *   `<https://x|label>` `<https://x>` a link: the label when there is one (Slack labels a link with the text the
 *                                    person typed, e.g. `<http://status.example.com|status.example.com>`), else the URL.
 * Everything else is text with the three escapes undone. Going out, each renderer escapes once for its own medium.
 */

const ENTITY = /<([^<>]*)>/g;

const ESCAPED: Readonly<Record<string, string>> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/** Undoes Slack's three escapes in one pass, so `&amp;lt;` (a typed `&lt;`) becomes `&lt;`, not `<`. */
const unescapeSlack = (text: string): string => text.replace(/&(?:amp|lt|gt);/g, (e) => ESCAPED[e] ?? e);

/** Decoding options: `linkTargets` keeps where a labelled link goes, `label (url)`, when the label is not the address. */
export interface DecodeOptions {
  linkTargets?: boolean;
}

/** `label`, or `label (url)` when asked and the label is not the address itself (Slack labels auto-links with it). */
function linkText(url: string, label: string | undefined, opts: DecodeOptions): string {
  if (!label) return url;
  if (!opts.linkTargets || label === url || label === url.replace(/^(?:https?:\/\/|mailto:)/i, '')) return label;
  return `${label} (${url})`;
}

function decodeEntity(inner: string, opts: DecodeOptions): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : unescapeSlack(inner.slice(bar + 1));
  if (/^@[UW][A-Z0-9]+$/.test(target)) return `<${inner}>`;
  if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
  if (target.startsWith('!')) {
    const special = target.slice(1);
    if (label !== undefined) return label;
    if (special.startsWith('subteam^')) return `@${special.slice('subteam^'.length)}`;
    return `@${special.split('^')[0] ?? special}`;
  }
  return linkText(unescapeSlack(target), label, opts);
}

/**
 * The text the person typed, from a slash command's `text` (mentions kept as `<@U…>` entities). A captured message
 * asks for `linkTargets`: a link labelled in the composer is only its label in the text, and the timeline must not
 * lose where it pointed.
 */
export function decodeSlackText(text: string, opts: DecodeOptions = {}): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(ENTITY)) {
    out += unescapeSlack(text.slice(last, match.index)) + decodeEntity(match[1] ?? '', opts);
    last = match.index + match[0].length;
  }
  return out + unescapeSlack(text.slice(last));
}
