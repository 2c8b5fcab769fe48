/** Issue 10.3: long Slack messages are split between lines or words, never inside an entity, escape or *bold* pair. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderMessage, SECTION_TEXT_MAX } from '../../../src/chat/slack/slack-render.ts';
import type { ChatMessage, Inline } from '../../../src/presentation/message.ts';

const sectionTexts = (m: ChatMessage) =>
  renderMessage(m).blocks.filter((b) => b['type'] === 'section').map((b) => (b['text'] as { text: string }).text);

/** Every `<…>` entity, `&…;` escape and `*…*` pair opened in a section is closed in the same section. */
function wellFormed(section: string): boolean {
  const withoutEntities = section.replace(/<[^<>]*>/g, '');
  if (/[<>]/.test(withoutEntities)) return false;
  if (/&(?!amp;|lt;|gt;)/.test(withoutEntities)) return false;
  return (withoutEntities.match(/\*/g) ?? []).length % 2 === 0;
}

describe('renderMessage', () => {
  it('never cuts a mention at the 3,000-character mark', () => {
    const filler = 'word '.repeat(599); // 2,995 characters
    const message: ChatMessage = { lines: [[filler, { user: 'U0123456789' }, ' and ', { bold: 'a bold span' }, ' & more <text>']] };
    const sections = sectionTexts(message);
    expect(sections.length).toBe(2);
    for (const s of sections) {
      expect(s.length).toBeLessThanOrEqual(SECTION_TEXT_MAX);
      expect(wellFormed(s), s.slice(-40)).toBe(true);
    }
    expect(sections[1]).toMatch(/^<@U0123456789> and \*a bold span\* &amp; more &lt;text&gt;$/);
  });

  it('splits between lines when it can', () => {
    const lines = Array.from({ length: 40 }, (_, i) => [`line ${i} `, 'x'.repeat(120)] as Inline[]);
    const sections = sectionTexts({ lines });
    expect(sections.length).toBeGreaterThan(1);
    for (const s of sections) expect(s.split('\n').every((l) => /^line \d+ x{120}$/.test(l))).toBe(true);
  });

  it('escapes the heading title once and keeps the heading one bold pair', () => {
    const [heading] = sectionTexts({ heading: ['Incident #3: a*b_c <!channel> R&D'], lines: [] });
    expect(heading).toBe('*Incident #3: abc &lt;!channel&gt; R&amp;D*');
  });

  it('any message: sections within the limit, well formed, and nothing lost but whitespace at the cuts', () => {
    const inlinePart = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', ' ', '&', '<', '>', 'é'), maxLength: 400 }),
      fc.record({ user: fc.constantFrom('U1', 'W0123456789') }),
      fc.record({ bold: fc.string({ unit: fc.constantFrom('b', ' '), minLength: 1, maxLength: 30 }) }),
      fc.record({ link: fc.constant('https://x.example/?a=1&b=2'), label: fc.string({ unit: fc.constantFrom('l', ' '), maxLength: 20 }) }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(inlinePart, { maxLength: 30 }), { maxLength: 30 }), (lines) => {
        const sections = sectionTexts({ lines: lines as Inline[][] });
        for (const s of sections) {
          expect(s.length).toBeLessThanOrEqual(SECTION_TEXT_MAX);
          expect(wellFormed(s)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
