import { describe, expect, it } from 'vitest';
import { GrammarError } from '../../src/chat/command-grammar.ts';
import { errorReply, isExpectedError, notifyFailedLine } from '../../src/chat/replies.ts';
import { errorText } from '../../src/presentation/error-text.ts';
import { ERROR_CODES, IncidentError } from '../../src/incidents/errors.ts';
import { advance } from '../../src/incidents/phases.ts';
import { catchIncidentError } from '../fakes/catch-incident-error.ts';
import { lineText, messageText } from '../fakes/render-text.ts';

describe('errorText', () => {
  it('has a sentence for every error code', () => {
    for (const code of ERROR_CODES) expect(errorText(new IncidentError(code)).length).toBeGreaterThan(10);
  });

  it('names the next step and its command for a phase skip', () => {
    expect(errorText(catchIncidentError(() => advance('mitigated', 'close')))).toBe(
      'Can’t go from mitigated to closed: phases are never skipped. Next is resolved (direct cause fixed): `/incident resolve`.',
    );
  });
});

describe('errorReply', () => {
  it('adds the usage line to a grammar error about a subcommand', () => {
    expect(messageText(errorReply(new GrammarError('`note` needs some text.', 'note')))).toBe('`note` needs some text.\nUsage: /incident note <text>');
    expect(messageText(errorReply(new GrammarError('Unknown subcommand `x`.')))).toBe('Unknown subcommand `x`.');
  });

  it('never shows the details of an unexpected error', () => {
    const text = messageText(errorReply(new Error('SQLITE_CORRUPT at /var/lib/sitroom.db')));
    expect(text).not.toContain('SQLITE');
    expect(text).toContain('Something went wrong on our side');
  });
});

describe('isExpectedError', () => {
  it('tells the user’s mistakes from bugs and outages', () => {
    expect(isExpectedError(new GrammarError('x'))).toBe(true);
    expect(isExpectedError(new IncidentError('empty_text'))).toBe(true);
    expect(isExpectedError(new TypeError('x is undefined'))).toBe(false);
    expect(isExpectedError('a string')).toBe(false);
  });
});

describe('notifyFailedLine', () => {
  it('says the change was recorded', () => {
    expect(lineText(notifyFailedLine(new Error('not_in_channel')))).toBe(
      'Recorded, but updating the chat failed (not_in_channel). It will be retried on the next change.',
    );
  });
});
