import { describe, expect, it } from 'vitest';
import type { Phase } from '../../../src/incidents/phases.ts';
import { incidentPage, phaseActions } from '../../../src/web/pages/incident-page.ts';
import { SECTION_NAMES } from '../../../src/incidents/postmortem.ts';
import { DESK_ACTIONS } from '../../../src/web/desk-actions.ts';
import { forms, tags, textOf } from './markup.ts';
import { aDetail, anIncidentPageView, CSRF } from './views.ts';

const page = (phase: Phase, canAct = true, extra: Parameters<typeof aDetail>[0] = {}, paging = phase === 'active') =>
  incidentPage(anIncidentPageView({ canAct, paging, incident: aDetail({ phase, ...extra }) }));

/** The `action` values of the phase form's buttons. */
const phaseButtons = (html: string) =>
  tags(forms(html).find((f) => f.attrs['action'] === '/incidents/7/phase')?.body ?? '', 'button').map((b) => b.attrs['value']);

describe('incidentPage', () => {
  it('shows the header facts, roles, updates, timeline, alerts, action items and durations', () => {
    const html = page('active');
    expect(textOf(html, 'main').length).toBeGreaterThan(0);
    expect(html).toMatch(/<h1><span class="num">#7<\/span> Checkout errors after deploy<\/h1>/);
    expect(html).toContain('<dt>Declared</dt><dd><time datetime="2025-03-14T14:00:00.000Z">14:00 UTC</time> by <span class="user">alice</span>');
    expect(html).toContain('<a href="https://chat.example.com/archives/C123" rel="noopener noreferrer">inc-7-checkout</a>');
    expect(html).toContain('<li>IC: <span class="user">carol</span></li>');
    for (const h of ['Roles', 'Stakeholder updates', 'Timeline', 'Phase history', 'Linked alerts', 'Action items', 'Durations', 'Postmortem']) {
      expect(html).toMatch(new RegExp(`<h2 id="[a-z-]+">${h}</h2>`));
    }
    expect(html).toContain('<td>Rolling back the 13:45 deploy</td>');
    expect(html).toContain('<td>carol is IC</td>');
    expect(html).toContain('<td>HighErrorRate</td>');
    expect(html).toContain('<td>Add a canary stage</td>');
    expect(html).toContain('<dt>Time to acknowledge</dt><dd>3m</dd>');
    expect(html).toContain('No postmortem yet.');
  });

  it('offers the forms, each posting the CSRF token, only when the viewer may act and the incident is not closed', () => {
    const html = page('active');
    const actions = forms(html).map((f) => f.attrs['action']);
    // A form for every incident action of the desk's catalogue (the write API has the same list); the status page's
    // forms live in their own section, shown when the page has a publication view (status-routes.test.ts).
    const everyAction = DESK_ACTIONS.filter((a) => a.scope === 'incident' && !a.path.startsWith('status/')).map((a) => `/incidents/7/${a.path}`);
    expect([...new Set(actions)].sort()).toEqual(everyAction.sort());
    for (const f of forms(html)) {
      expect(f.attrs['method']).toBe('post');
      expect(f.body).toContain(`<input type="hidden" name="csrf" value="${CSRF}">`);
    }
    expect(html).toContain('You are <strong>erin</strong>.');
    expect(forms(page('active', false))).toEqual([]);
    // The page form only where paging is set up and the incident may page (the routes decide: paging-web.test.ts).
    expect(forms(page('active', true, {}, false)).map((f) => f.attrs['action'])).not.toContain('/incidents/7/page');
    // Closed: only the follow-ups are still written.
    expect([...new Set(forms(page('closed')).map((f) => f.attrs['action']))].sort()).toEqual(
      ['/incidents/7/action-items', '/incidents/7/action-items/change', '/incidents/7/action-items/done', '/incidents/7/postmortem', '/incidents/7/postmortem/write'],
    );
    expect(page('closed')).toContain('This incident is closed');
  });

  it('names the fields the routes read', () => {
    const html = page('resolved');
    const named = (action: string) =>
      tags(forms(html).find((f) => f.attrs['action'] === `/incidents/7/${action}`)?.body ?? '', 'input', 'select', 'textarea', 'button')
        .map((t) => t.attrs['name'])
        .filter((n) => n !== undefined);
    expect(named('role')).toEqual(['csrf', 'role', 'person']);
    expect(named('cadence')).toEqual(['csrf', 'cadence']);
    expect(named('snooze')).toEqual(['csrf']);
    expect(named('rename')).toEqual(['csrf', 'title']);
    expect(named('visibility')).toEqual(['csrf', 'private']);
    expect(named('action-items')).toEqual(['csrf', 'text', 'owner', 'due']);
    expect(named('action-items/change')).toEqual(['csrf', 'item', 'owner', 'due']);
    expect(named('action-items/done')).toEqual(['csrf', 'item']);
    expect(named('postmortem')).toEqual(['csrf', ...SECTION_NAMES]);
    expect(named('update')).toEqual(['csrf', 'text']);
    expect(named('severity')).toEqual(['csrf', 'severity']);
    expect(named('note')).toEqual(['csrf', 'text']);
    expect(named('phase')).toEqual(['csrf', 'note', 'waiver', 'action', 'action']);
  });

  it('offers the next phase step, plus reopen after mitigation or resolution', () => {
    expect(phaseButtons(page('active'))).toEqual(['mitigate']);
    expect(phaseButtons(page('mitigated'))).toEqual(['resolve', 'reopen']);
    expect(phaseButtons(page('resolved'))).toEqual(['close', 'reopen']);
    expect(phaseActions({ phase: 'closed' })).toEqual([]);
    expect(page('resolved')).toContain('id="phase-waiver" name="waiver"');
    expect(page('mitigated')).not.toContain('name="waiver"');
  });

  it('says what the waiver is needed for: open action items, required checklist items not ticked, or both', () => {
    const item = (position: number, required: boolean) => ({ position, text: `Step ${position}`, required, checkedAt: null, checkedBy: null });
    const hint = (extra: Parameters<typeof aDetail>[0]) => /<label for="phase-waiver">([\s\S]*?)<\/label>/.exec(page('resolved', true, extra))?.[1] ?? '';
    expect(hint({ actionItems: [], checklistItems: [item(1, true), item(2, false), item(3, true)] })).toContain('needed to close while 2 required checklist items are not ticked');
    expect(hint({ checklistItems: [item(1, true)] })).toContain('needed to close while 1 action item is open and 1 required checklist item is not ticked');
    expect(hint({ actionItems: [] })).not.toMatch(/\b0 /);
    expect(page('resolved')).toContain('Waive open action items and checklist items');
  });

  it('selects the current severity and lists the selectable roles with who holds them', () => {
    const html = page('active', true, { severity: 'sev4' });
    expect(html).toContain('<option value="sev4" selected>');
    expect(tags(html, 'option').filter((o) => 'selected' in o.attrs && o.attrs['value']?.startsWith('sev'))).toHaveLength(1);
    expect(html).toContain('<option value="commander">IC (now carol)</option>');
    expect(html).toContain('<option value="partner-comms">partner-comms</option>');
  });

  it('shows a refused action at the top as an alert, and the overdue banner with the word', () => {
    const html = incidentPage(
      anIncidentPageView({ error: 'Can’t close: 1 action item is still open', incident: aDetail({ updateOverdue: true, nextUpdateDue: '2025-03-14T14:30:00.000Z' }) }),
    );
    expect(html).toContain('<p class="error" role="alert">Can’t close: 1 action item is still open</p>');
    expect(html.indexOf('role="alert"')).toBeLessThan(html.indexOf('<h1>'));
    expect(html).toMatch(/<p class="banner">Update for #7 is <strong class="overdue">overdue since <time[^>]*>14:30 UTC<\/time><\/strong>/);
    expect(page('active')).not.toContain('class="banner"');
  });

  it('renders the postmortem from Markdown, raw HTML escaped, the front matter shown apart', () => {
    const postmortem = [
      '---',
      'schema: sitroom.postmortem/v1',
      "title: '<b>bold</b>'",
      '---',
      '',
      '# Incident #7: Checkout',
      '',
      '## Timeline',
      '',
      '- one <script>alert(1)</script>',
      '',
      '<img src=x onerror=alert(1)>',
      '',
      '[click](javascript:alert(1))',
      '',
    ].join('\n');
    const html = page('resolved', true, { postmortem });
    const article = /<article class="markdown"[^>]*>([\s\S]*?)<\/article>/.exec(html)?.[1] ?? '';
    expect(article).toContain('<h2>Incident #7: Checkout</h2>');
    expect(article).toContain('<h3>Timeline</h3>');
    expect(article).toContain('<li>one &lt;script&gt;alert(1)&lt;/script&gt;</li>');
    expect(article).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(article).not.toContain('<img');
    expect(article).not.toContain('href="javascript:');
    expect(article).not.toContain('schema:');
    expect(html).toContain("<details><summary>Front matter</summary><pre>schema: sitroom.postmortem/v1\ntitle: &#39;&lt;b&gt;bold&lt;/b&gt;&#39;</pre></details>");
  });

  it('renders a postmortem without front matter as it is', () => {
    const html = page('resolved', true, { postmortem: '## Summary\n\nAll good.\n' });
    expect(html).toContain('<h3>Summary</h3>');
    expect(html).not.toContain('Front matter');
  });
});
