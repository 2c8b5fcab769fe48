/**
 * `/incident …` text -> a typed command. One grammar for every platform; the platform supplies only how a
 * user mention looks (Slack `<@U123|name>`, Mattermost `@name`).
 */
import { type Cadence, parseCadence } from '../incidents/cadence.ts';
import { isIncidentError } from '../incidents/errors.ts';
import type { UserId } from '../incidents/incident.ts';
import type { PhaseAction } from '../incidents/phases.ts';
import { parseSeverity, type Severity } from '../incidents/severity.ts';

export type Command =
  | { kind: 'help' }
  | { kind: 'list' }
  | { kind: 'status' }
  | { kind: 'declare'; severity: Severity | undefined; isPrivate: boolean; title: string }
  | { kind: 'role'; role: string; user: UserId }
  | { kind: 'severity'; severity: Severity }
  | { kind: 'update'; text: string }
  | { kind: 'cadence'; cadence: Cadence }
  | { kind: 'phase'; action: PhaseAction; note: string }
  | { kind: 'note'; text: string };

/** Subcommands and their one-line usage, in the order `help` lists them. */
export const USAGE = {
  declare: { usage: 'declare [sevN] [--private] <title>', example: 'declare sev2 Checkout latency spike' },
  list: { usage: 'list', example: 'list' },
  status: { usage: 'status', example: 'status' },
  role: { usage: 'role <role> @user', example: 'role scribe @carol' },
  ic: { usage: 'ic [@user]', example: 'ic @alice' },
  comms: { usage: 'comms [@user]', example: 'comms @bob' },
  severity: { usage: 'severity sevN', example: 'severity sev1' },
  update: { usage: 'update <text>', example: 'update Rolled back the deploy; error rate falling' },
  cadence: { usage: 'cadence <duration>|off', example: 'cadence 15m' },
  mitigate: { usage: 'mitigate [note]', example: 'mitigate traffic drained to eu-west' },
  resolve: { usage: 'resolve [note]', example: 'resolve bad config reverted' },
  close: { usage: 'close [note]', example: 'close follow-ups filed' },
  reopen: { usage: 'reopen <why>', example: 'reopen errors are back' },
  note: { usage: 'note <text>', example: 'note suspect the 14:02 deploy' },
  help: { usage: 'help', example: 'help' },
} as const;
export type Subcommand = keyof typeof USAGE;

/** Subcommands the SPEC names that this build does not offer yet. */
export const NOT_YET_AVAILABLE = ['action', 'actions', 'postmortem', 'stats'] as const;

export class GrammarError extends Error {
  readonly subcommand: Subcommand | undefined;
  constructor(message: string, subcommand?: Subcommand) {
    super(message);
    this.name = 'GrammarError';
    this.subcommand = subcommand;
  }
}

/** Turns a platform's mention token into a user id, or undefined when the token is not a mention. */
export type MentionParser = (token: string) => UserId | undefined;

const PHASE_WORDS: Readonly<Record<string, PhaseAction>> = { mitigate: 'mitigate', resolve: 'resolve', close: 'close', reopen: 'reopen' };

function splitFirst(text: string): [string, string] {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
  return match ? [match[1] ?? '', (match[2] ?? '').trim()] : ['', ''];
}

function requireText(rest: string, sub: Subcommand, what: string): string {
  if (!rest) throw new GrammarError(`\`${sub}\` needs ${what}.`, sub);
  return rest;
}

function parseUser(token: string, parseMention: MentionParser, sub: Subcommand): UserId {
  const user = parseMention(token);
  if (!user) throw new GrammarError(`\`${token}\` is not a user mention; mention someone with @.`, sub);
  return user;
}

function parseDeclare(rest: string): Command {
  let severity: Severity | undefined;
  let isPrivate = false;
  const words = rest.split(/\s+/).filter(Boolean);
  // Flags and the severity may come in any order before the title.
  while (words.length > 0) {
    const word = words[0] ?? '';
    if (word === '--private' || word === '-p') isPrivate = true;
    else if (/^sev\d$/i.test(word)) {
      severity = parseSeverity(word);
      if (!severity) throw new GrammarError(`\`${word}\` is not a severity; use sev1 to sev5.`, 'declare');
    } else if (word.startsWith('--')) throw new GrammarError(`Unknown option \`${word}\`.`, 'declare');
    else break;
    words.shift();
  }
  return { kind: 'declare', severity, isPrivate, title: words.join(' ') };
}

/** Parses the text after `/incident`. Throws GrammarError with a specific message for bad input. */
export function parseCommand(text: string, parseMention: MentionParser, userId: UserId): Command {
  const [word, rest] = splitFirst(text);
  const sub = word.toLowerCase();
  switch (sub) {
    case '':
    case 'help':
      return { kind: 'help' };
    case 'list':
    case 'status':
      if (rest) throw new GrammarError(`\`${sub}\` takes no arguments.`, sub);
      return { kind: sub };
    case 'declare':
      return parseDeclare(rest);
    case 'ic':
    case 'comms': {
      const [who, extra] = splitFirst(rest);
      if (extra) throw new GrammarError(`\`${sub}\` takes one user.`, sub);
      return { kind: 'role', role: sub, user: who ? parseUser(who, parseMention, sub) : userId };
    }
    case 'role': {
      const [role, who] = splitFirst(rest);
      if (!role || !who) throw new GrammarError('`role` needs a role and a user.', 'role');
      const [mention, extra] = splitFirst(who);
      if (extra) throw new GrammarError('`role` takes one user.', 'role');
      return { kind: 'role', role, user: parseUser(mention, parseMention, 'role') };
    }
    case 'severity':
    case 'sev': {
      const severity = parseSeverity(requireText(rest, 'severity', 'a severity'));
      if (!severity) throw new GrammarError(`\`${rest}\` is not a severity; use sev1 to sev5.`, 'severity');
      return { kind: 'severity', severity };
    }
    case 'update':
      return { kind: 'update', text: requireText(rest, 'update', 'the text of the update') };
    case 'note':
      return { kind: 'note', text: requireText(rest, 'note', 'some text') };
    case 'cadence':
      try {
        return { kind: 'cadence', cadence: parseCadence(requireText(rest, 'cadence', 'a duration such as 15m, or off')) };
      } catch (e) {
        if (isIncidentError(e)) throw new GrammarError(`\`${rest}\` is not a cadence: use 90s, 15m, 1h, 1h30m (30s to 7d) or off.`, 'cadence');
        throw e;
      }
    case 'mitigate':
    case 'resolve':
    case 'close':
    case 'reopen': {
      const action = PHASE_WORDS[sub] as PhaseAction;
      if (action === 'reopen') requireText(rest, 'reopen', 'a reason');
      return { kind: 'phase', action, note: rest };
    }
    default:
      if ((NOT_YET_AVAILABLE as readonly string[]).includes(sub)) {
        throw new GrammarError(`\`${sub}\` is not available in this version of sitroom yet.`);
      }
      throw new GrammarError(`Unknown subcommand \`${word}\`. Try \`/incident help\`.`);
  }
}
