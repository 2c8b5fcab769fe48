import { describe, expect, it } from 'vitest';
import { type Command, GrammarError, parseCommand } from '../../src/chat/command-grammar.ts';
import { mention } from '../fakes/chat-context.ts';

const parse = (text: string): Command => parseCommand(text, mention, 'me');

function grammarError(text: string): GrammarError {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof GrammarError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe('parseCommand', () => {
  it.each(['', '   ', 'help', 'HELP'])('reads %j as help', (text) => {
    expect(parse(text)).toEqual({ kind: 'help' });
  });

  it('reads list and status', () => {
    expect(parse('list')).toEqual({ kind: 'list' });
    expect(parse(' Status ')).toEqual({ kind: 'status' });
  });

  describe('declare --type and --drill', () => {
    it('reads the type (either spelling) and the drill flag among the options', () => {
      expect(parse('declare sev2 --type security --drill Leaked key')).toEqual({ kind: 'declare', severity: 'sev2', isPrivate: false, title: 'Leaked key', type: 'security', drill: true });
      expect(parse('declare --type=database DB down')).toMatchObject({ type: 'database', title: 'DB down' });
      expect(parse('declare --drill')).toEqual({ kind: 'declare', severity: undefined, isPrivate: false, title: '', drill: true });
    });

    it('refuses --type without a type', () => {
      expect(grammarError('declare --type').message).toContain('`--type` needs a type');
      expect(grammarError('declare --type --drill x').subcommand).toBe('declare');
    });
  });

  describe('type, checklist, check', () => {
    it('reads them', () => {
      expect(parse('type Security')).toEqual({ kind: 'type', type: 'Security' });
      expect(parse('checklist')).toEqual({ kind: 'checklist' });
      expect(parse('check 3')).toEqual({ kind: 'check', position: 3 });
      expect(parse('check #12')).toEqual({ kind: 'check', position: 12 });
    });

    it.each(['check', 'check 0', 'check two', 'check 1 2', 'checklist all', 'type', 'type a b'])('refuses %j with its usage', (text) => {
      expect(grammarError(text).subcommand).toBe(text.split(' ')[0]);
    });
  });

  describe('declare', () => {
    it('takes severity and --private before the title, in any order', () => {
      expect(parse('declare sev1 --private Payroll export leaked')).toEqual({ kind: 'declare', severity: 'sev1', isPrivate: true, title: 'Payroll export leaked' });
      expect(parse('declare -p SEV2 Payroll')).toEqual({ kind: 'declare', severity: 'sev2', isPrivate: true, title: 'Payroll' });
    });

    it('leaves severity to the default and keeps the title as typed', () => {
      expect(parse('declare   Checkout   latency sev1')).toEqual({ kind: 'declare', severity: undefined, isPrivate: false, title: 'Checkout latency sev1' });
    });

    it('has an empty title when none is given (the form opens)', () => {
      expect(parse('declare')).toMatchObject({ kind: 'declare', title: '' });
    });

    it('refuses a severity out of range and unknown options', () => {
      expect(grammarError('declare sev9 Outage')).toMatchObject({ subcommand: 'declare', message: expect.stringContaining('sev9') });
      expect(grammarError('declare --urgent Outage').message).toContain('--urgent');
    });
  });

  describe('roles', () => {
    it('reads role <role> @user', () => {
      expect(parse('role partner-comms @dave')).toEqual({ kind: 'role', role: 'partner-comms', user: 'dave' });
    });

    it('reads the ic and comms shortcuts, defaulting to the caller', () => {
      expect(parse('ic @carol')).toEqual({ kind: 'role', role: 'ic', user: 'carol' });
      expect(parse('comms')).toEqual({ kind: 'role', role: 'comms', user: 'me' });
    });

    it.each([
      ['role scribe', 'role'],
      ['role', 'role'],
      ['role scribe carol', 'role'],
      ['role scribe @carol @dave', 'role'],
      ['ic carol', 'ic'],
      ['comms @a @b', 'comms'],
    ] as const)('refuses %j with the %s usage', (text, subcommand) => {
      expect(grammarError(text).subcommand).toBe(subcommand);
    });
  });

  it('reads severity in its forms', () => {
    expect(parse('severity sev1')).toEqual({ kind: 'severity', severity: 'sev1' });
    expect(parse('sev 3')).toEqual({ kind: 'severity', severity: 'sev3' });
    expect(grammarError('severity').subcommand).toBe('severity');
    expect(grammarError('severity critical')).toMatchObject({ subcommand: 'severity', message: expect.stringContaining('critical') });
  });

  it('reads update and note text, keeping inner spacing', () => {
    expect(parse('update  Rolled back;  errors falling ')).toEqual({ kind: 'update', text: 'Rolled back;  errors falling' });
    expect(parse('note suspect\nthe deploy')).toEqual({ kind: 'note', text: 'suspect\nthe deploy' });
    expect(grammarError('update').subcommand).toBe('update');
    expect(grammarError('note   ').subcommand).toBe('note');
  });

  it('reads cadence durations and off', () => {
    expect(parse('cadence 15m')).toEqual({ kind: 'cadence', cadence: 900 });
    expect(parse('cadence 1h30m')).toEqual({ kind: 'cadence', cadence: 5400 });
    expect(parse('cadence off')).toEqual({ kind: 'cadence', cadence: null });
  });

  it.each(['cadence', 'cadence soon', 'cadence 10s', 'cadence 9d'])('refuses %j with the cadence usage', (text) => {
    expect(grammarError(text).subcommand).toBe('cadence');
  });

  it('reads the phase commands with optional notes', () => {
    expect(parse('mitigate')).toEqual({ kind: 'phase', action: 'mitigate', note: '' });
    expect(parse('resolve bad config reverted')).toEqual({ kind: 'phase', action: 'resolve', note: 'bad config reverted' });
    expect(parse('Close')).toEqual({ kind: 'phase', action: 'close', note: '' });
    expect(parse('reopen errors are back')).toEqual({ kind: 'phase', action: 'reopen', note: 'errors are back' });
  });

  it('requires a reason to reopen', () => {
    expect(grammarError('reopen').subcommand).toBe('reopen');
  });

  it('refuses arguments to list and status', () => {
    expect(grammarError('list all').subcommand).toBe('list');
    expect(grammarError('status now').subcommand).toBe('status');
  });

  it('reads action items, their completion, the list, postmortem and stats', () => {
    expect(parse('action add a canary stage @bob due:2026-12-01')).toEqual({ kind: 'action', text: 'add a canary stage', owner: 'bob', due: '2026-12-01', issue: false });
    expect(parse('action write the runbook')).toEqual({ kind: 'action', text: 'write the runbook', owner: null, due: null, issue: false });
    expect(parse('action add a canary stage --issue @bob')).toEqual({ kind: 'action', text: 'add a canary stage', owner: 'bob', due: null, issue: true });
    expect(parse('action done #12')).toEqual({ kind: 'action_done', id: 12 });
    expect(parse('actions')).toEqual({ kind: 'actions' });
    expect(parse('postmortem')).toEqual({ kind: 'postmortem' });
    expect(parse('stats')).toEqual({ kind: 'stats', days: 30 });
    expect(parse('stats 90d')).toEqual({ kind: 'stats', days: 90 });
    expect(parse('close all done --waive tracked in JIRA-42')).toEqual({
      kind: 'phase',
      action: 'close',
      note: 'all done',
      waiver: 'tracked in JIRA-42',
    });
  });

  it('explains malformed action items, stats windows and waivers', () => {
    expect(grammarError('action due:2026-02-30').message).toContain('`2026-02-30` is not a date');
    expect(grammarError('action @bob').message).toBe('`action` needs the text of the item.');
    expect(grammarError('action done x').message).toContain('`x` is not an action item number');
    expect(grammarError('stats 5y').message).toContain('`5y` is not a window');
    expect(grammarError('close --waive').message).toContain('`--waive` needs the reason');
    expect(grammarError('postmortem now').message).toBe('`postmortem` takes no arguments.');
  });

  it('refuses an unknown subcommand, pointing at help', () => {
    expect(grammarError('escalate now').message).toBe('Unknown subcommand `escalate`. Try `/incident help`.');
  });
});

describe('parseCommand on text with odd line breaks and control characters (user-text.ts)', () => {
  it('splits the subcommand at any line break, NEL and LS included', () => {
    expect(parse('note\u0085first\rsecond')).toEqual({ kind: 'note', text: 'first\nsecond' });
    expect(parse('declare\u2028sev1 DB down')).toEqual({ kind: 'declare', severity: 'sev1', isPrivate: false, title: 'DB down' });
  });

  it('drops control characters before reading, so they are not echoed back in errors', () => {
    expect(parse('\u0000status')).toEqual({ kind: 'status' });
    expect(grammarError('esc\u001b[2Jalate').message).toBe('Unknown subcommand `esc[2Jalate`. Try `/incident help`.');
  });
});

describe('page', () => {
  it('parses the team and the rest as the message; without a team says what is missing', () => {
    expect(parseCommand('page db-oncall primary refuses writes', mention, 'u')).toEqual({ kind: 'page', team: 'db-oncall', message: 'primary refuses writes' });
    expect(parseCommand('page db-oncall', mention, 'u')).toEqual({ kind: 'page', team: 'db-oncall', message: '' });
    expect(() => parseCommand('page', mention, 'u')).toThrow('`page` needs the team to page, e.g. db-oncall.');
  });
});

describe('status page commands', () => {
  it('parses publish, public, impact, components and unpublish', () => {
    expect(parseCommand('publish Checkout is slow', mention, 'u')).toEqual({ kind: 'publish', title: 'Checkout is slow' });
    expect(parseCommand('public We found it', mention, 'u')).toEqual({ kind: 'public', text: 'We found it' });
    expect(parseCommand('impact major', mention, 'u')).toEqual({ kind: 'impact', level: 'major' });
    expect(parseCommand('components api, checkout', mention, 'u')).toEqual({ kind: 'components', list: 'api, checkout' });
    expect(parseCommand('unpublish', mention, 'u')).toEqual({ kind: 'unpublish' });
  });
  it('says what is missing, with the usage line', () => {
    expect(() => parseCommand('publish', mention, 'u')).toThrow('`publish` needs the title the public will see.');
    expect(() => parseCommand('public', mention, 'u')).toThrow('`public` needs the text of the public update.');
    expect(() => parseCommand('unpublish now', mention, 'u')).toThrow('`unpublish` takes no arguments.');
  });
});
