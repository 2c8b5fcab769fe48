/** Issue 10.2: Slack's escaped slash-command text is decoded once, into what the person typed. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSlackText } from '../../../src/chat/slack/slack-inbound-text.ts';
import { escapeAsSlack } from '../../fakes/slack-requests.ts';

describe('decodeSlackText', () => {
  it.each([
    ['R&amp;D &lt;db&gt; down <https://status.example.com>', 'R&D <db> down https://status.example.com'],
    ['see <https://x.example/a?b=1&amp;c=2|https://x.example/a?b=1&amp;c=2>', 'see https://x.example/a?b=1&c=2'],
    ['<http://status.example.com|status.example.com> is red', 'status.example.com is red'],
    ['<mailto:ops@example.com|ops@example.com>', 'ops@example.com'],
    ['in <#C024BE7LR|general> and <#C1>', 'in #general and #C1'],
    ['<!here> <!channel> <!everyone> <!here|here>', '@here @channel @everyone here'],
    ['<!subteam^S0614TZR7|@oncall> and <!subteam^S1>', '@oncall and @S1'],
    ['at <!date^1392734382^{date}|Feb 18, 2014>', 'at Feb 18, 2014'],
    ['&amp;lt; is how you write &lt;', '&lt; is how you write <'],
  ])('%s -> %s', (sent, typed) => {
    expect(decodeSlackText(sent)).toBe(typed);
  });

  it('keeps user mentions as entities for the mention parser', () => {
    expect(decodeSlackText('role tech <@U123|alice> &amp; <@W9>')).toBe('role tech <@U123|alice> & <@W9>');
  });

  /** Text a person can type: anything, but a mention typed as `<@U…>` literally is not told apart from a real one here. */
  const typedText = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '&', '<', '>', '|', '#', '!', '@', ';', 'l', 't', 'g', 'amp', 'https://', 'x.io', '/', '?', '=', 'é', '\n') }).filter((s) => !/<@[UW]/.test(s));

  it('round trip: what the person typed, escaped as Slack escapes it, decodes to the same text', () => {
    fc.assert(
      fc.property(typedText, fc.boolean(), (typed, labelLinks) => {
        expect(decodeSlackText(escapeAsSlack(typed, { labelLinks }))).toBe(typed);
      }),
      { numRuns: 2000 },
    );
  });

  it('round trip keeps mentions placed anywhere in the text', () => {
    fc.assert(
      fc.property(typedText, typedText, (before, after) => {
        const typed = `${before}<@U42|dan>${after}`;
        expect(decodeSlackText(escapeAsSlack(typed))).toBe(typed);
      }),
    );
  });
});
