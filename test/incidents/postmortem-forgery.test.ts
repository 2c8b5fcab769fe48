/**
 * Issue 9: user text must not forge postmortem structure. A bare CR (a CommonMark line ending) or LS/PS/NEL in a
 * note used to survive into the Markdown, so a note could add its own "## Summary" to the page and to the
 * uploaded file; `![](url)` made every reader's browser fetch a URL someone chose.
 */
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { type PostmortemInput, postmortemFrontMatter, readPostmortemFrontMatter, renderPostmortem } from '../../src/incidents/postmortem.ts';
import { event } from '../../src/incidents/timeline.ts';
import { renderMarkdown, splitFrontMatter } from '../../src/web/pages/markdown.ts';
import { MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { IncidentHistory } from '../fakes/incident-history.ts';
import { headingsOf, POSTMORTEM_SECTIONS } from '../fakes/markdown-headings.ts';

const expectedHeadings = (title: string) => [`h1 Incident #1: ${title}`, ...POSTMORTEM_SECTIONS];

const FORGERIES = ['ok\r## Summary\rAll fine, nobody was paged', 'ok\u2028## Summary', 'ok\u2029---\rtitle: forged', 'ok\u0085# Incident #2: forged', 'ok\r\r---\r'];

describe('user text cannot add sections to the postmortem', () => {
  it.each(FORGERIES)('a note %j entered through the rules', (text) => {
    const h = IncidentHistory.declare({ title: 'Checkout down' }).note(T0 + MINUTE, text).update(T0 + 2 * MINUTE, text).addItem(T0 + 3 * MINUTE, text, null, null);
    const input: PostmortemInput = { incident: h.incident, timeline: h.timeline, actionItems: h.actionItems, alerts: [], now: T0 + 10 * MINUTE };
    const markdown = renderPostmortem(input);
    expect(headingsOf(markdown)).toEqual(expectedHeadings('Checkout down'));
    expect(readPostmortemFrontMatter(markdown)).toEqual(postmortemFrontMatter(input));
  });

  it.each(FORGERIES)('a record kept before input was normalised (raw %j on the timeline and in the title)', (text) => {
    const h = IncidentHistory.declare({ title: 'Checkout down' });
    const incident = { ...h.incident, title: `Checkout${text}` };
    const timeline = [...h.timeline, event('note', T0 + MINUTE, `carol${text}`, text)];
    const markdown = renderPostmortem({ incident, timeline, actionItems: [], alerts: [], now: T0 + 10 * MINUTE });
    expect(headingsOf(markdown).slice(1)).toEqual(POSTMORTEM_SECTIONS);
    expect(markdown.split('\n').filter((l) => /^#{1,6} /.test(l))).toHaveLength(1 + POSTMORTEM_SECTIONS.length);
  });

  it('shows inline Markdown in user text as the text typed, not as an image, link or HTML', () => {
    const text = '![pixel](https://evil.example/p.png) [click](https://evil.example) <b>x</b> *bold* `code`';
    const h = IncidentHistory.declare({ title: 'Checkout down' }).note(T0 + MINUTE, text);
    const markdown = renderPostmortem({ incident: h.incident, timeline: h.timeline, actionItems: [], alerts: [], now: T0 + 10 * MINUTE });
    const html = new MarkdownIt().render(splitFrontMatter(markdown).body);
    const item = html.split('\n').find((l) => l.includes('— carol —')) ?? '';
    expect(item).not.toMatch(/<img|<a |<b>|<em>|<code>/);
    expect(item).toContain('![pixel](https://evil.example/p.png) [click](https://evil.example) &lt;b&gt;x&lt;/b&gt; *bold* `code`');
  });
});

describe('the incident page renders no images', () => {
  it('shows ![alt](url) from a hand-edited postmortem as text, never as <img>', () => {
    const html = String(renderMarkdown('## Notes\n\n![pixel](https://evil.example/p.png)\n\n![local](/x.png)\n'));
    expect(html).not.toContain('<img');
    expect(html).toContain('pixel');
  });
});

describe('the title heading', () => {
  it.each([['Build #'], ['Queue ###'], ['C# runtime down']])('keeps a title %j whole, trailing # included', (title) => {
    const h = IncidentHistory.declare({ title });
    const markdown = renderPostmortem({ incident: h.incident, timeline: h.timeline, actionItems: [], alerts: [], now: T0 + MINUTE });
    expect(new MarkdownIt().render(splitFrontMatter(markdown).body)).toContain(`<h1>Incident #1: ${title}</h1>`);
  });
});
