/**
 * Property: whatever people type (titles, notes, updates, phase notes, action items, names), the postmortem keeps
 * its shape — the front matter reads back to exactly what was recorded and the body has exactly its own headings,
 * in the file and on the incident page.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PostmortemInput, postmortemFrontMatter, readPostmortemFrontMatter, renderPostmortem } from '../../src/incidents/postmortem.ts';
import { isIncidentError } from '../../src/incidents/errors.ts';
import { event } from '../../src/incidents/timeline.ts';
import { renderMarkdown, splitFrontMatter } from '../../src/web/pages/markdown.ts';
import { MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { IncidentHistory } from '../fakes/incident-history.ts';
import { headingsOf, POSTMORTEM_SECTIONS } from '../fakes/markdown-headings.ts';

const SECTIONS = POSTMORTEM_SECTIONS;

/** Hostile text: Markdown and YAML syntax, every line separator, control and invisible characters, any Unicode. */
const PIECES = ['\r', '\n', '\r\n', '\u2028', '\u2029', '\u0085', '\u000b', '\f', '\u0000', '\u001b', '\u200b', '\ufeff', '\u202e', '# ', '## Summary', '---', '...', '***', '===', '> ', '- ', '1. ', '```', '~~~', '<script>', '![x](http://e/x.png)', '[x]: http://e', '"', "'", ': ', '|', '&#10;', '\\', '\t', '    '];
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 6 })), { minLength: 1, maxLength: 10 })
  .map((parts) => `x${parts.join('')}`);

/** Runs one step of the story; input the rules refuse (e.g. nothing visible) is simply not recorded. */
function attempt(step: () => unknown): void {
  try {
    step();
  } catch (e) {
    if (!isIncidentError(e)) throw e;
  }
}

function pageHeadings(markdown: string): string[] {
  const html = String(renderMarkdown(splitFrontMatter(markdown).body));
  return [...html.matchAll(/<h(\d)>([\s\S]*?)<\/h\1>/g)].map((m) => `h${Number(m[1]) - 1}`);
}

describe('the postmortem under any user text', () => {
  it('entered through the rules: front matter round-trips, the headings are its own', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 6, maxLength: 6 }), ([title = 'x', note = 'x', update = 'x', item = 'x', phaseNote = 'x', user = 'x']) => {
        let h: IncidentHistory | undefined;
        try {
          h = IncidentHistory.declare({ title, declaredBy: user });
        } catch (e) {
          if (!isIncidentError(e)) throw e;
          h = IncidentHistory.declare({ title: 'fallback', declaredBy: user });
        }
        const story = h;
        attempt(() => story.note(T0 + MINUTE, note, user));
        attempt(() => story.update(T0 + 2 * MINUTE, update, user));
        attempt(() => story.role(T0 + 3 * MINUTE, 'commander', user));
        attempt(() => story.addItem(T0 + 4 * MINUTE, item, user, null));
        attempt(() => story.phase(T0 + 5 * MINUTE, 'mitigate', phaseNote, user));
        const input: PostmortemInput = { incident: story.incident, timeline: story.timeline, actionItems: story.actionItems, alerts: [], now: T0 + 10 * MINUTE };
        const markdown = renderPostmortem(input);
        expect(readPostmortemFrontMatter(markdown)).toEqual(postmortemFrontMatter(input));
        expect(headingsOf(markdown).slice(1)).toEqual(SECTIONS);
        expect(headingsOf(markdown)[0]?.startsWith('h1 Incident #1: ')).toBe(true);
        expect(pageHeadings(markdown)).toEqual(['h1', ...SECTIONS.map((s) => s.slice(0, 2))]);
        expect(String(renderMarkdown(markdown))).not.toContain('<img');
      }),
      { numRuns: 200 },
    );
  });

  it('kept raw (records from before input was normalised): the body still has exactly its own headings', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (title, actor, text) => {
        const h = IncidentHistory.declare({ title: 'x' });
        const input: PostmortemInput = {
          incident: { ...h.incident, title, declaredBy: actor },
          timeline: [...h.timeline, event('note', T0 + MINUTE, actor, text), event('role_assigned', T0 + 2 * MINUTE, actor, text, { role: text, user: actor })],
          actionItems: [],
          alerts: [],
          now: T0 + 10 * MINUTE,
        };
        const markdown = renderPostmortem(input);
        expect(readPostmortemFrontMatter(markdown)).toEqual(postmortemFrontMatter(input));
        expect(headingsOf(markdown).slice(1)).toEqual(SECTIONS);
        expect(pageHeadings(markdown)).toEqual(['h1', ...SECTIONS.map((s) => s.slice(0, 2))]);
      }),
      { numRuns: 200 },
    );
  });
});
