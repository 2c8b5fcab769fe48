/** Tiny regex readers for the page tests (the pages are our own, well-formed output). */

export interface Tag {
  name: string;
  attrs: Record<string, string>;
}

/** Every opening tag named `names` in `html`, with its attributes (valueless attributes read as ''). */
export function tags(html: string, ...names: string[]): Tag[] {
  const out: Tag[] = [];
  for (const m of html.matchAll(/<([a-z][a-z0-9]*)\b([^>]*)>/gi)) {
    const name = (m[1] ?? '').toLowerCase();
    if (!names.includes(name)) continue;
    const attrs: Record<string, string> = {};
    for (const a of (m[2] ?? '').matchAll(/([a-z-]+)(?:="([^"]*)")?/gi)) attrs[(a[1] ?? '').toLowerCase()] = a[2] ?? '';
    out.push({ name, attrs });
  }
  return out;
}

/** The visible form controls (hidden inputs left out). */
export const controls = (html: string): Tag[] => tags(html, 'input', 'select', 'textarea').filter((t) => t.attrs['type'] !== 'hidden');

/** The `<form>` elements' opening tags and bodies. */
export function forms(html: string): { attrs: Record<string, string>; body: string }[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].map((m) => ({ attrs: tags(`<form${m[1] ?? ''}>`, 'form')[0]?.attrs ?? {}, body: m[2] ?? '' }));
}

/** The text of the first element with `id`, tags stripped. */
export function textOf(html: string, id: string): string {
  const m = new RegExp(`<(\\w+)[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(html);
  return (m?.[2] ?? '').replace(/<[^>]+>/g, '');
}
