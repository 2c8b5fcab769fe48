/**
 * User text at the core's input (issue 9): every line separator becomes `\n`, control and bidi characters are
 * dropped, and text with nothing visible left is refused with its own error code, on every surface that reaches
 * the rules.
 */
import { describe, expect, it } from 'vitest';
import { newActionItem } from '../../src/incidents/action-items.ts';
import { DEFAULT_CADENCE } from '../../src/incidents/cadence.ts';
import { addNote, declareIncident, postUpdate, transition } from '../../src/incidents/incident-rules.ts';
import { parseRole } from '../../src/incidents/roles.ts';
import { hasVisibleText, normaliseUserText } from '../../src/incidents/user-text.ts';
import { errorText } from '../../src/presentation/error-text.ts';
import { catchIncidentError } from '../fakes/catch-incident-error.ts';
import { T0 } from '../fakes/fixed-clock.ts';
import { aDeclaration, anIncident } from '../fakes/incident-builder.ts';

const declare = (title: string) => declareIncident(aDeclaration({ title }), DEFAULT_CADENCE, T0);

describe('normaliseUserText', () => {
  it.each([
    ['a\rb', 'a\nb'],
    ['a\r\nb', 'a\nb'],
    ['a\u2028b', 'a\nb'],
    ['a\u2029b', 'a\nb'],
    ['a\u0085b', 'a\nb'],
    ['a\u000bb\u000cc', 'a\nb\nc'],
  ])('turns every line separator in %j into \\n', (input, wanted) => {
    expect(normaliseUserText(input, { multiline: true })).toBe(wanted);
  });

  it('folds line breaks into spaces for single-line text', () => {
    expect(normaliseUserText('DB down\r## Summary\u2028fake', { multiline: false })).toBe('DB down ## Summary fake');
  });

  it('drops NUL, ESC, DEL, C1 controls and bidi overrides, keeps tabs as spaces and emoji joiners', () => {
    expect(normaliseUserText('a\u0000b\u001b[31mc\u007fd\u009be\u202eevil\u2066f\tg', { multiline: true })).toBe('ab[31mcdeevilf g');
    expect(normaliseUserText('👩‍💻 on it', { multiline: false })).toBe('👩‍💻 on it');
  });

  it('replaces unpaired surrogates, which SQLite and JSON cannot carry faithfully', () => {
    expect(normaliseUserText('a\ud800b', { multiline: false })).toBe('a\ufffdb');
  });

  it('tells visible text from zero-width and filler characters', () => {
    expect(hasVisibleText('\u200b\u200c\u200d\u2060\ufeff\u3164\u2800')).toBe(false);
    expect(hasVisibleText('\u200bx')).toBe(true);
  });
});

describe('titles with nothing visible', () => {
  it.each([
    ['only NULs', '\u0000\u0000\u0000'],
    ['only control characters', '\u0001\u001b\u007f\u0085'],
    ['only zero-width characters', '\u200b\u200d\ufeff'],
    ['only a bidi override and a Hangul filler', '\u202e\u3164'],
  ])('are refused as no_visible_text: %s', (_what, title) => {
    const error = catchIncidentError(() => declare(title));
    expect(error.code).toBe('no_visible_text');
    expect(errorText(error)).toBe('That has no visible text: only spaces, control or invisible characters. Write some words.');
  });

  it('are refused as empty_text when they are only whitespace', () => {
    expect(catchIncidentError(() => declare(' \t\r\n\u2028 ')).code).toBe('empty_text');
  });

  it('keep their visible words, on one line, without the control characters', () => {
    const { incident, events } = declare('\u0000Checkout\r\n## Summary\u0007 down');
    expect(incident.title).toBe('Checkout ## Summary down');
    expect(events[0]?.text).toBe('Declared SEV2: Checkout ## Summary down');
  });
});

describe('other user text reaching the rules', () => {
  const incident = anIncident();

  it('notes and updates keep their lines as \\n and lose their control characters', () => {
    expect(addNote(incident, 'first\rsecond\u2028third\u0000', 'bob', T0).events[0]?.text).toBe('first\nsecond\nthird');
    expect(postUpdate(incident, 'a\r\nb', 'bob', T0).events[0]?.text).toBe('a\nb');
  });

  it('notes, updates, action items and reopen reasons with nothing visible are refused', () => {
    expect(catchIncidentError(() => addNote(incident, '\u0000', 'bob', T0)).code).toBe('no_visible_text');
    expect(catchIncidentError(() => postUpdate(incident, '\u200b', 'bob', T0)).code).toBe('no_visible_text');
    expect(catchIncidentError(() => newActionItem(incident, { text: '\u0000\u0000', owner: null, due: null }, 'bob', T0)).code).toBe('no_visible_text');
    const resolved = transition(transition(incident, 'mitigate', '', 'bob', T0).incident, 'resolve', '', 'bob', T0).incident;
    expect(catchIncidentError(() => transition(resolved, 'reopen', '\u0000', 'bob', T0)).code).toBe('no_visible_text');
  });

  it('a phase note is normalised too, and may still be left out', () => {
    expect(transition(incident, 'mitigate', 'drained\rnow\u0000', 'bob', T0).events[0]?.data['note']).toBe('drained\nnow');
    expect(transition(incident, 'mitigate', '  ', 'bob', T0).events[0]?.text).toBe('Phase active → mitigated');
  });
});

describe('role words', () => {
  it('are read through the same rules, so an unknown one is echoed without its control characters or line breaks', () => {
    expect(parseRole('\u0000IC', [])).toBe('commander');
    expect(catchIncidentError(() => parseRole('sc\u001b[2Jribe\r\n# x', [])).details['role']).toBe('sc[2jribe # x');
  });
});
