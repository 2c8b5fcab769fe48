/** Labels for every control, unique ids, the page shell, and colours that meet WCAG AA in both themes. */
import { describe, expect, it } from 'vitest';
import { boardPage } from '../../../src/web/pages/board-page.ts';
import { incidentPage } from '../../../src/web/pages/incident-page.ts';
import { layout, LOOPBACK_ACCESS_NOTE } from '../../../src/web/pages/layout.ts';
import { errorPage, notFoundPage } from '../../../src/web/pages/not-found-page.ts';
import { statusPage } from '../../../src/web/pages/status-page.ts';
import { STYLES } from '../../../src/web/pages/styles.ts';
import { html } from '../../../src/web/pages/html.ts';
import { controls, tags } from './markup.ts';
import { aBoardView, aDetail, anIncidentPageView, aStatusDocument, aSummary, columnsOf, NOW, TZ } from './views.ts';

const pages: Record<string, string> = {
  board: boardPage(aBoardView({ columns: columnsOf([aSummary({ updateOverdue: true })]), banners: [aSummary({ updateOverdue: true })] })),
  incidentActive: incidentPage(anIncidentPageView({ incident: aDetail({ phase: 'active' }) })),
  incidentResolved: incidentPage(anIncidentPageView({ incident: aDetail({ phase: 'resolved' }) })),
  status: statusPage({ status: aStatusDocument({ components: [{ name: 'checkout', status: 'partial' }] }), now: NOW, timeZone: TZ }),
  notFound: notFoundPage(),
  error: errorPage({ status: 500 }),
};

describe.each(Object.entries(pages))('%s page', (_name, page) => {
  it('labels every control: an id and a <label for> naming it', () => {
    const labelled = new Set(tags(page, 'label').map((l) => l.attrs['for']));
    for (const c of controls(page)) {
      expect(c.attrs['id'], `${c.name} ${c.attrs['name']}`).toBeTruthy();
      expect(labelled.has(c.attrs['id']), `label for #${c.attrs['id']}`).toBe(true);
    }
  });

  it('uses each id once, and points every aria-labelledby at one', () => {
    const ids = [...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of page.matchAll(/aria-labelledby="([^"]+)"/g)) expect(ids).toContain(m[1]);
  });

  it('is a complete document: lang, viewport, colour schemes, skip link, one h1, main', () => {
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page).toContain('<meta name="color-scheme" content="light dark">');
    expect(page).toContain('<a class="skip" href="#main">Skip to content</a>');
    expect(page).toMatch(/<main id="main"/);
    expect(page.match(/<h1\b/g)).toHaveLength(1);
    expect(page).toMatch(/<title>[^<]+ · sitroom<\/title>/);
  });

  it('loads nothing from elsewhere', () => {
    for (const t of tags(page, 'script', 'link', 'img', 'iframe')) {
      expect(t.attrs['src'] ?? t.attrs['href'] ?? '').toMatch(/^\//);
    }
    // The one <link> any page has is the status page's own Atom feed, announced for feed readers.
    expect(tags(page, 'link').map((l) => l.attrs['href'])).toEqual(_name === 'status' ? ['/status/feed.atom'] : []);
  });

  it('uses buttons for actions', () => {
    expect(page).not.toMatch(/<input[^>]*type="submit"/);
  });
});

describe('layout', () => {
  it('marks the current section in the nav and shows the access note', () => {
    const page = layout({ title: 'Board', body: html`<h1>x</h1>`, nav: 'board', accessNote: LOOPBACK_ACCESS_NOTE });
    expect(page).toContain('<li><a href="/" aria-current="page">Board</a></li>');
    expect(page).toContain('<li><a href="/status">Status</a></li>');
    expect(page).toContain(`<p class="access-note" role="note">${LOOPBACK_ACCESS_NOTE}</p>`);
    expect(LOOPBACK_ACCESS_NOTE).toContain('WEB_AUTH_TOKEN or WEB_USERS');
    expect(page).not.toContain('<script');
  });
});

describe('STYLES', () => {
  it('is safe inside <style> and needs nothing from the network', () => {
    expect(STYLES).not.toContain('</');
    expect(STYLES).not.toMatch(/@import|url\(|@font-face/);
  });

  it('has dark mode, a focus outline, stacking columns that widen to four, and an overdue style', () => {
    expect(STYLES).toContain('@media (prefers-color-scheme: dark)');
    expect(STYLES).toMatch(/:focus-visible \{ outline: 3px solid/);
    expect(STYLES).toMatch(/\.columns \{ display: grid; grid-template-columns: 1fr;/);
    expect(STYLES).toMatch(/@media \(min-width: 64em\) \{ \.columns \{ grid-template-columns: repeat\(4,/);
    expect(STYLES).toMatch(/\.overdue \{/);
    expect(STYLES).toMatch(/\.banner \{/);
    for (const s of ['sev1', 'sev2', 'sev3', 'sev4', 'sev5']) expect(STYLES).toContain(`.sev-${s} {`);
  });

  /** The custom properties of the light (:root) and dark (:root in the dark media query) themes. */
  function themes(): { light: Record<string, string>; dark: Record<string, string> } {
    const read = (block: string) => Object.fromEntries([...block.matchAll(/--([a-z0-9-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1] ?? '', m[2] ?? '']));
    const light = /:root \{([^}]*)\}/.exec(STYLES)?.[1] ?? '';
    const dark = /@media \(prefers-color-scheme: dark\) \{\s*:root \{([^}]*)\}/.exec(STYLES)?.[1] ?? '';
    return { light: read(light), dark: { ...read(light), ...read(dark) } };
  }
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a: string, b: string) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  };

  // Text on the backgrounds it is drawn on: 4.5:1 (WCAG AA for normal text). The focus ring: 3:1 (non-text).
  const TEXT_PAIRS = [
    ['text', 'bg'], ['text', 'surface'], ['muted', 'bg'], ['muted', 'surface'], ['link', 'bg'], ['link', 'surface'],
    ['overdue', 'bg'], ['overdue', 'surface'], ['banner-text', 'banner-bg'], ['error-text', 'error-bg'], ['note-text', 'note-bg'],
    ['btn-text', 'btn-bg'], ['link', 'bg'],
    ...['sev1', 'sev2', 'sev3', 'sev4', 'sev5'].map((s) => [`${s}-text`, `${s}-bg`]),
  ] as const;

  it.each(['light', 'dark'] as const)('meets WCAG AA contrast in the %s theme', (theme) => {
    const vars = themes()[theme];
    for (const [fg, bg] of TEXT_PAIRS) {
      const [a, b] = [vars[fg], vars[bg]];
      expect(a && b, `--${fg} / --${bg}`).toBeTruthy();
      expect(contrast(a ?? '', b ?? ''), `--${fg} on --${bg}`).toBeGreaterThanOrEqual(4.5);
    }
    for (const bg of ['bg', 'surface']) expect(contrast(vars['focus'] ?? '', vars[bg] ?? ''), `--focus on --${bg}`).toBeGreaterThanOrEqual(3);
  });
});
