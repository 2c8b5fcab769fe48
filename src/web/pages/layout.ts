/** The page shell every page shares: doctype, viewport, colour schemes, inline styles, header, skip link, main. */
import { html, raw, type SafeHtml } from './html.ts';
import { STYLES } from './styles.ts';

// The stylesheet is our own constant; `</` never occurs in it (asserted in the tests), so it is safe in <style>.
const STYLES_HTML = raw(STYLES);

export type NavSection = 'board' | 'status' | 'incident' | 'alerts';

export interface LayoutOptions {
  /** The document title (escaped); " · sitroom" is appended. */
  title: string;
  body: SafeHtml;
  /** Which section the page belongs to: marks the current nav link. The public status page shows no link to the board. */
  nav?: NavSection;
  /** Load /assets/board.js (the board's self-refresh). */
  refreshScript?: boolean;
  /** Load /assets/desk.js (the forms' length counters). */
  deskScript?: boolean;
  /** A visible note above the content, e.g. how to open a loopback-only board up to others. */
  accessNote?: string;
  /** Signed in with a session: the CSRF token for the header's sign-out button. */
  signOutCsrf?: string;
  /** An Atom feed to announce (`<link rel="alternate">`), for feed readers. */
  feed?: string;
}

/** The message for a board answering loopback clients only. */
export const LOOPBACK_ACCESS_NOTE = 'Only this machine can use the board: set WEB_AUTH_TOKEN or WEB_USERS to let others in';

export function layout({ title, body, nav, refreshScript = false, deskScript = false, accessNote, signOutCsrf, feed }: LayoutOptions): string {
  const isPublic = nav === 'status';
  const link = (href: string, label: string, current: boolean) =>
    html`<li><a href="${href}"${current ? html` aria-current="page"` : ''}>${label}</a></li>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="same-origin">
<title>${title} · sitroom</title>
<style>${STYLES_HTML}</style>
${feed && html`<link rel="alternate" type="application/atom+xml" title="Status feed" href="${feed}">`}
${refreshScript && html`<script src="/assets/board.js" defer></script>`}
${deskScript && html`<script src="/assets/desk.js" defer></script>`}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
<a class="brand" href="${isPublic ? '/status' : '/'}">sitroom${isPublic ? ' status' : ''}</a>
<nav aria-label="Main">
<ul>
${!isPublic && link('/', 'Board', nav === 'board')}
${!isPublic && link('/alerts', 'Alerts', nav === 'alerts')}
${link('/status', 'Status', isPublic)}
</ul>
</nav>
${signOutCsrf && html`<form method="post" action="/signout" class="signout"><input type="hidden" name="csrf" value="${signOutCsrf}"><button type="submit">Sign out</button></form>`}
</header>
<main id="main" tabindex="-1">
${accessNote && html`<p class="access-note" role="note">${accessNote}</p>`}
${body}
</main>
</body>
</html>
`.toString();
}
