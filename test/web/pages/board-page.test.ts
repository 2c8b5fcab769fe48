import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { BOARD_SCRIPT, boardColumns, boardPage } from '../../../src/web/pages/board-page.ts';
import { forms, tags, textOf } from './markup.ts';
import { aBoardView, aSummary, columnsOf, CSRF } from './views.ts';

const active = aSummary({ number: 1, title: 'Checkout down', severity: 'sev1' });
const mitigated = aSummary({ number: 2, title: 'Search slow', phase: 'mitigated', severity: 'sev3', roles: {} });
const resolved = aSummary({ number: 3, title: 'Emails delayed', phase: 'resolved', nextUpdateDue: null });
const closed = aSummary({ number: 4, title: 'Old login bug', phase: 'closed', nextUpdateDue: null, closedAt: '2025-03-10T10:00:00.000Z' });
const overdue = aSummary({ number: 5, title: 'Payments failing', severity: 'sev2', updateOverdue: true, nextUpdateDue: '2025-03-14T14:30:00.000Z' });
const all = [active, mitigated, resolved, closed, overdue];

/** The column (`col-<phase>` section) each card number sits in. */
function columnOfCard(page: string): Map<number, string> {
  const where = new Map<number, string>();
  for (const m of page.matchAll(/<section class="column" aria-labelledby="col-(\w+)">([\s\S]*?)<\/section>/g)) {
    for (const card of (m[2] ?? '').matchAll(/href="\/incidents\/(\d+)"/g)) where.set(Number(card[1]), m[1] ?? '');
  }
  return where;
}

describe('boardPage', () => {
  it('puts each incident in the column of its phase, the four columns in order', () => {
    const page = boardPage(aBoardView({ columns: columnsOf(all) }));
    expect(Object.fromEntries(columnOfCard(page))).toEqual({ 1: 'active', 2: 'mitigated', 3: 'resolved', 4: 'closed', 5: 'active' });
    expect([...page.matchAll(/id="col-(\w+)"/g)].map((m) => m[1])).toEqual(['active', 'mitigated', 'resolved', 'closed']);
    expect(textOf(page, 'col-closed')).toContain('closed (last 14 days)');
    expect(boardPage(aBoardView())).toContain('<p class="empty">No incidents</p>');
  });

  it('shows number, title link, severity badge, IC, age, next update and the war room on a card', () => {
    const page = boardPage(aBoardView({ columns: columnsOf([active, mitigated]) }));
    expect(page).toContain('<a href="/incidents/1"><span class="num">#1</span> Checkout down</a>');
    expect(page).toContain('class="card sev-sev1"');
    expect(page).toMatch(/<span class="badge sev-sev1"[^>]*>SEV1<\/span>/);
    expect(page).toContain('<dt>IC</dt><dd><span class="user">carol</span></dd>');
    expect(page).toContain('<dt>IC</dt><dd><span class="muted">no IC</span></dd>');
    expect(page).toContain('<dt>Age</dt><dd>1h 0m</dd>');
    expect(page).toContain('15:30 UTC</time> <span class="muted">(in 30m)</span>');
    expect(page).toContain('href="https://chat.example.com/archives/C123"');
  });

  it('highlights an overdue update with the word, not colour alone', () => {
    const page = boardPage(aBoardView({ columns: columnsOf([overdue]) }));
    expect(page).toMatch(/<strong class="overdue">overdue since <time datetime="2025-03-14T14:30:00.000Z">14:30 UTC<\/time><\/strong>/);
    expect(boardPage(aBoardView({ columns: columnsOf([active]) }))).not.toContain('class="overdue"');
  });

  it('shows a banner per overdue update, linking to the incident', () => {
    const page = boardPage(aBoardView({ columns: columnsOf(all), banners: [overdue] }));
    const banners = [...page.matchAll(/<li class="banner">([\s\S]*?)<\/li>/g)].map((m) => (m[1] ?? '').replace(/<[^>]+>/g, ''));
    expect(banners).toEqual(['Update for #5 Payments failing is overdue since 14:30 UTC']);
    expect(page).toContain('<li class="banner"><a href="/incidents/5">');
    expect(boardPage(aBoardView({ columns: columnsOf(all) }))).not.toContain('class="banner"');
  });

  it('offers the declare form only to those who may act', () => {
    const page = boardPage(aBoardView({ canAct: true }));
    const [declare] = forms(page);
    expect(declare?.attrs).toMatchObject({ method: 'post', action: '/incidents' });
    expect(declare?.body).toContain(`<input type="hidden" name="csrf" value="${CSRF}">`);
    const [title] = tags(declare?.body ?? '', 'input').filter((t) => t.attrs['name'] === 'title');
    expect(title?.attrs).toMatchObject({ type: 'text', required: '', maxlength: '200' });
    expect(declare?.body).toContain('<option value="sev3" selected>');
    expect(tags(declare?.body ?? '', 'option').map((o) => o.attrs['value'])).toEqual(['sev1', 'sev2', 'sev3', 'sev4', 'sev5']);
    expect(declare?.body).toMatch(/<input type="checkbox" id="declare-private" name="private"/);
    expect(declare?.body).toContain('<button type="submit">Declare</button>');

    expect(forms(boardPage(aBoardView({ canAct: false })))).toEqual([]);
  });

  it('shows the access note and loads the refresh script', () => {
    const page = boardPage(aBoardView({ accessNote: 'Only this machine can use the board: set WEB_AUTH_TOKEN or WEB_USERS to let others in' }));
    expect(page).toContain('<p class="access-note" role="note">Only this machine can use the board: set WEB_AUTH_TOKEN or WEB_USERS to let others in</p>');
    expect(page).toContain('<script src="/assets/board.js" defer></script>');
  });

  it('never links a war room whose URL is not http(s)', () => {
    const page = boardPage(aBoardView({ columns: columnsOf([aSummary({ warRoom: { channelId: 'C1', name: 'inc', url: 'javascript:alert(1)' } })]) }));
    expect(page).not.toContain('javascript:');
  });
});

describe('boardColumns', () => {
  it('is the live region — overdue banners and #board-columns — the same markup as on the page', () => {
    const view = aBoardView({ columns: columnsOf(all), banners: [overdue] });
    const fragment = boardColumns(view);
    expect(fragment.startsWith('<div id="board-live" data-live="/?fragment=columns" data-title="(1 overdue) Incident board · sitroom">')).toBe(true);
    expect(fragment.endsWith('</div>')).toBe(true);
    expect(fragment).not.toContain('<html');
    expect(fragment).toContain('<div id="board-columns"');
    expect(fragment).toContain('class="banner"');
    expect(boardPage(view)).toContain(fragment);
  });

  it('puts the overdue count in the tab title', () => {
    expect(boardPage(aBoardView({ columns: columnsOf(all), banners: [overdue] }))).toContain('<title>(1 overdue) Incident board · sitroom</title>');
    expect(boardPage(aBoardView({ columns: columnsOf([active]), banners: [] }))).toContain('<title>Incident board · sitroom</title>');
  });
});

describe('BOARD_SCRIPT', () => {
  type FakeEl = { id: string; replaced?: unknown; contains: (el: unknown) => boolean; replaceWith: (el: unknown) => void; getAttribute: (n: string) => string | null };
  function harness(fetchImpl: unknown, withEventSource = false) {
    const body = { tag: 'body' };
    const cardLink = { tag: 'a' };
    const current: FakeEl = {
      id: 'board-live',
      contains: (el) => el === cardLink,
      replaceWith(el) {
        this.replaced = el;
      },
      getAttribute: (n) => (n === 'data-live' ? '/?fragment=columns' : null),
    };
    const next = { id: 'board-live', fresh: true, getAttribute: (n: string) => (n === 'data-title' ? '(1 overdue) Incident board · sitroom' : null) };
    const document = {
      hidden: false,
      body,
      title: 'Incident board · sitroom',
      activeElement: body as unknown,
      querySelectorAll: (sel: string) => (sel === '[data-live]' ? [current] : []),
      createElement: () => ({ innerHTML: '', content: { getElementById: (id: string) => (id === 'board-live' ? next : null) } }),
      addEventListener: vi.fn(),
    };
    let tick: () => void = () => undefined;
    let period = 0;
    const streams: { url: string; listeners: Record<string, () => void> }[] = [];
    class FakeEventSource {
      listeners: Record<string, () => void> = {};
      constructor(url: string) {
        streams.push({ url, listeners: this.listeners });
      }
      addEventListener(type: string, fn: () => void) {
        this.listeners[type] = fn;
      }
    }
    runInNewContext(BOARD_SCRIPT, {
      document,
      fetch: fetchImpl,
      setInterval: (fn: () => void, ms: number) => {
        tick = fn;
        period = ms;
      },
      ...(withEventSource ? { EventSource: FakeEventSource } : {}),
    });
    return { document, current, next, cardLink, streams, tick: () => tick(), period: () => period };
  }
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

  it('polls /?fragment=columns every 15 s, swaps the live region in and takes its tab title', async () => {
    const fetch = vi.fn(async () => ({ ok: true, text: async () => '<div id="board-live"></div>' }));
    const h = harness(fetch);
    expect(h.period()).toBe(15_000);
    h.tick();
    await settle();
    expect(fetch).toHaveBeenCalledWith('/?fragment=columns', expect.objectContaining({ credentials: 'same-origin' }));
    expect(h.current.replaced).toBe(h.next);
    expect(h.document.title).toBe('(1 overdue) Incident board · sitroom');
  });

  it('listens to /events and refreshes on each "change", without waiting for the poll', async () => {
    const fetch = vi.fn(async () => ({ ok: true, text: async () => '<div id="board-live"></div>' }));
    const h = harness(fetch, true);
    expect(h.streams.map((s) => s.url)).toEqual(['/events']);
    h.streams[0]?.listeners['change']?.();
    await settle();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(h.current.replaced).toBe(h.next);
  });

  it('keeps the board as it is, without errors, when fetch fails or the answer is not ok', async () => {
    const failing = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const h = harness(failing);
    h.tick();
    await settle();
    h.tick();
    await settle();
    expect(failing).toHaveBeenCalledTimes(2);
    expect(h.current.replaced).toBeUndefined();

    const notOk = harness(async () => ({ ok: false, text: async () => 'nope' }));
    notOk.tick();
    await settle();
    expect(notOk.current.replaced).toBeUndefined();

    const noFetch = harness(undefined);
    expect(() => noFetch.tick()).not.toThrow();
  });

  it('does not swap (and so never moves focus) while focus is inside the live region', async () => {
    const fetch = vi.fn(async () => ({ ok: true, text: async () => '' }));
    const h = harness(fetch, true);
    h.document.activeElement = h.cardLink;
    h.tick();
    h.streams[0]?.listeners['change']?.();
    await settle();
    expect(fetch).not.toHaveBeenCalled();
    expect(h.current.replaced).toBeUndefined();
    expect(BOARD_SCRIPT).not.toMatch(/\.focus\(/);
  });
});
