/**
 * `/incident …` text -> a typed command. One grammar for every platform; the platform supplies only how a
 * user mention looks (Slack `<@U123|name>`, Mattermost `@name`).
 */
import { type Cadence, parseCadence } from '../incidents/cadence.ts';
import { isIncidentError } from '../incidents/errors.ts';
import type { UserId } from '../incidents/incident.ts';
import type { PhaseAction } from '../incidents/phases.ts';
import { parseSeverity, type Severity } from '../incidents/severity.ts';
import { parseDueDate } from '../incidents/action-items.ts';
import { normaliseUserText } from '../incidents/user-text.ts';

export type Command =
  | { kind: 'help' }
  | { kind: 'list' }
  | { kind: 'status' }
  | { kind: 'declare'; severity: Severity | undefined; isPrivate: boolean; title: string; type?: string; drill?: boolean }
  | { kind: 'type'; type: string }
  | { kind: 'checklist' }
  | { kind: 'alerts' }
  | { kind: 'check'; position: number }
  | { kind: 'role'; role: string; user: UserId }
  | { kind: 'severity'; severity: Severity }
  | { kind: 'update'; text: string }
  | { kind: 'cadence'; cadence: Cadence }
  | { kind: 'phase'; action: PhaseAction; note: string; waiver?: string }
  | { kind: 'note'; text: string }
  | { kind: 'action'; text: string; owner: UserId | null; due: string | null; issue: boolean }
  | { kind: 'action_done'; id: number }
  | { kind: 'actions' }
  | { kind: 'postmortem' }
  | { kind: 'stats'; days: number }
  | { kind: 'publish'; title: string }
  | { kind: 'public'; text: string }
  | { kind: 'unpublish' }
  | { kind: 'impact'; level: string }
  | { kind: 'components'; list: string }
  | { kind: 'page'; team: string; message: string };

/** Subcommands and their one-line usage, in the order `help` lists them. */
export const USAGE = {
  declare: { usage: 'declare [sevN] [--private] [--type <type>] [--drill] <title>', example: 'declare sev2 --type database Checkout latency spike' },
  list: { usage: 'list', example: 'list' },
  status: { usage: 'status', example: 'status' },
  role: { usage: 'role <role> @user', example: 'role scribe @carol' },
  ic: { usage: 'ic [@user]', example: 'ic @alice' },
  comms: { usage: 'comms [@user]', example: 'comms @bob' },
  severity: { usage: 'severity sevN', example: 'severity sev1' },
  type: { usage: 'type <type>', example: 'type security' },
  checklist: { usage: 'checklist', example: 'checklist' },
  alerts: { usage: 'alerts', example: 'alerts' },
  check: { usage: 'check <n>', example: 'check 2' },
  update: { usage: 'update <text>', example: 'update Rolled back the deploy; error rate falling' },
  cadence: { usage: 'cadence <duration>|off', example: 'cadence 15m' },
  mitigate: { usage: 'mitigate [note]', example: 'mitigate traffic drained to eu-west' },
  resolve: { usage: 'resolve [note]', example: 'resolve bad config reverted' },
  close: { usage: 'close [note] [--waive <why>]', example: 'close follow-ups filed' },
  reopen: { usage: 'reopen <why>', example: 'reopen errors are back' },
  note: { usage: 'note <text>', example: 'note suspect the 14:02 deploy' },
  action: { usage: 'action <text> [@owner] [due:YYYY-MM-DD] [--issue] | action done <id>', example: 'action add a canary stage @bob due:2026-12-01' },
  actions: { usage: 'actions', example: 'actions' },
  postmortem: { usage: 'postmortem', example: 'postmortem' },
  stats: { usage: 'stats [7d|30d|90d]', example: 'stats 90d' },
  publish: { usage: 'publish <public title>', example: 'publish Checkout is slow for some customers' },
  public: { usage: 'public <text>', example: 'public We have found the cause and are rolling out a fix' },
  unpublish: { usage: 'unpublish', example: 'unpublish' },
  impact: { usage: 'impact degraded|partial|major', example: 'impact partial' },
  components: { usage: 'components <name>[,<name>…]|none', example: 'components api,checkout' },
  page: { usage: 'page <team> [message]', example: 'page db-oncall primary is refusing writes' },
  help: { usage: 'help', example: 'help' },
} as const;
export type Subcommand = keyof typeof USAGE;


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
  let type: string | undefined;
  let drill = false;
  const words = rest.split(/\s+/).filter(Boolean);
  // Flags and the severity may come in any order before the title.
  while (words.length > 0) {
    const word = words[0] ?? '';
    if (word === '--private' || word === '-p') isPrivate = true;
    else if (word === '--drill') drill = true;
    else if (word === '--type' || word.startsWith('--type=')) {
      // Whether the type is known is the service's rule (INCIDENT_TYPES); here it only has to be there.
      type = word.startsWith('--type=') ? word.slice('--type='.length) : (words.splice(1, 1)[0] ?? '');
      if (!type || type.startsWith('--')) throw new GrammarError('`--type` needs a type, e.g. `--type security`.', 'declare');
    } else if (/^sev\d$/i.test(word)) {
      severity = parseSeverity(word);
      if (!severity) throw new GrammarError(`\`${word}\` is not a severity; use sev1 to sev5.`, 'declare');
    } else if (word.startsWith('--')) throw new GrammarError(`Unknown option \`${word}\`.`, 'declare');
    else break;
    words.shift();
  }
  return { kind: 'declare', severity, isPrivate, title: words.join(' '), ...(type ? { type } : {}), ...(drill ? { drill } : {}) };
}

/** `action <text> [@owner] [due:YYYY-MM-DD] [--issue]` or `action done <id>`. */
function parseAction(rest: string, parseMention: MentionParser): Command {
  const done = /^done\s+#?(\S+)$/i.exec(rest);
  if (done) {
    const id = Number(done[1]);
    if (!Number.isInteger(id) || id < 1) throw new GrammarError(`\`${done[1]}\` is not an action item number.`, 'action');
    return { kind: 'action_done', id };
  }
  let owner: UserId | null = null;
  let due: string | null = null;
  let issue = false;
  const words: string[] = [];
  for (const word of rest.split(/\s+/).filter(Boolean)) {
    // Also open a GitHub issue for the item.
    if (word.toLowerCase() === '--issue') {
      issue = true;
      continue;
    }
    const dueMatch = /^due:(.*)$/i.exec(word);
    if (dueMatch) {
      try {
        due = parseDueDate(dueMatch[1] ?? '');
      } catch {
        throw new GrammarError(`\`${dueMatch[1] ?? ''}\` is not a date; write due:YYYY-MM-DD.`, 'action');
      }
      continue;
    }
    const mentioned = parseMention(word);
    if (mentioned) owner = mentioned;
    else words.push(word);
  }
  if (words.length === 0) throw new GrammarError('`action` needs the text of the item.', 'action');
  return { kind: 'action', text: words.join(' '), owner, due, issue };
}

/** Parses the text after `/incident`. Throws GrammarError with a specific message for bad input. */
export function parseCommand(text: string, parseMention: MentionParser, userId: UserId): Command {
  // The core's text rules first: every line break is `\n` (so NEL or LS separate words too) and control
  // characters are gone before anything is read or echoed back.
  const [word, rest] = splitFirst(normaliseUserText(text, { multiline: true }));
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
    case 'type': {
      const [type, extra] = splitFirst(requireText(rest, 'type', 'a type'));
      if (extra) throw new GrammarError('`type` takes one type.', 'type');
      return { kind: 'type', type };
    }
    case 'checklist':
    case 'alerts':
      if (rest) throw new GrammarError(`\`${sub}\` takes no arguments.`, sub);
      return { kind: sub };
    case 'check': {
      const position = Number(/^#?(\d{1,4})$/.exec(requireText(rest, 'check', 'the number of a checklist item'))?.[1]);
      if (!Number.isInteger(position) || position < 1) throw new GrammarError(`\`${rest}\` is not a checklist item number; see \`/incident checklist\`.`, 'check');
      return { kind: 'check', position };
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
    case 'close': {
      const waive = /(?:^|\s)--waive(?:\s+([\s\S]*))?$/.exec(rest);
      if (!waive) return { kind: 'phase', action: 'close', note: rest };
      const waiver = (waive[1] ?? '').trim();
      if (!waiver) throw new GrammarError('`--waive` needs the reason the open action items or checklist items are waived.', 'close');
      return { kind: 'phase', action: 'close', note: rest.slice(0, waive.index).trim(), waiver };
    }
    case 'mitigate':
    case 'resolve':
    case 'reopen': {
      const action = PHASE_WORDS[sub] as PhaseAction;
      if (action === 'reopen') requireText(rest, 'reopen', 'a reason');
      return { kind: 'phase', action, note: rest };
    }
    case 'action':
      return parseAction(rest, parseMention);
    case 'publish':
      return { kind: 'publish', title: requireText(rest, 'publish', 'the title the public will see') };
    case 'public':
      return { kind: 'public', text: requireText(rest, 'public', 'the text of the public update') };
    case 'impact':
      return { kind: 'impact', level: requireText(rest, 'impact', 'a level: degraded, partial or major') };
    case 'components':
      return { kind: 'components', list: requireText(rest, 'components', 'component names, e.g. api,checkout (or none)') };
    case 'page': {
      const [team, message] = splitFirst(requireText(rest, 'page', 'the team to page, e.g. db-oncall'));
      return { kind: 'page', team, message };
    }
    case 'actions':
    case 'postmortem':
    case 'unpublish':
      if (rest) throw new GrammarError(`\`${sub}\` takes no arguments.`, sub);
      return { kind: sub };
    case 'stats': {
      const days = rest ? /^(\d{1,3})d$/i.exec(rest)?.[1] : '30';
      if (!days || Number(days) < 1 || Number(days) > 365) throw new GrammarError(`\`${rest}\` is not a window; use 7d, 30d or 90d (1d to 365d).`, 'stats');
      return { kind: 'stats', days: Number(days) };
    }
    default:
      throw new GrammarError(`Unknown subcommand \`${word}\`. Try \`/incident help\`.`);
  }
}
