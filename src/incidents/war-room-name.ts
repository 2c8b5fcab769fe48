/**
 * War-room channel names: `inc-<number>-<slug>` (`drill-<number>-<slug>` for a drill), lowercase `a-z0-9-`, Unicode folded, within the
 * platform's length limit; a taken name gets a deterministic suffix (`-2`, `-3`, …).
 */

/** Folds "Café Ünïcode — Straße!" to "cafe-unicode-strasse". */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/[æ]/gi, 'ae')
    .replace(/[ø]/gi, 'o')
    .replace(/[œ]/gi, 'oe')
    .replace(/[ł]/gi, 'l')
    .replace(/[đ]/gi, 'd')
    .replace(/[þ]/gi, 'th')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The channel name for attempt `attempt` (1 = no suffix). The slug is cut (on a dash where possible) so the
 * whole name, suffix included, fits `maxLength`.
 */
export function warRoomName(number: number, title: string, maxLength: number, attempt = 1, kind: 'inc' | 'drill' = 'inc'): string {
  const prefix = `${kind}-${number}`;
  const suffix = attempt > 1 ? `-${attempt}` : '';
  const room = maxLength - prefix.length - suffix.length - 1;
  let slug = slugify(title);
  if (slug.length > room) {
    slug = slug.slice(0, Math.max(0, room));
    const lastDash = slug.lastIndexOf('-');
    if (lastDash > room / 2) slug = slug.slice(0, lastDash);
    slug = slug.replace(/-+$/, '');
  }
  return slug ? `${prefix}-${slug}${suffix}` : `${prefix}${suffix}`;
}
