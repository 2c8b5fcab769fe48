/**
 * What sitroom e-mails, in words: the stakeholder mails (the announcement channel's news, as it was when the change
 * was made) and the overdue nag. Pure: a subject and lines of plain text; mail-body.ts turns them into the text and
 * HTML parts. Every mail of one incident shares its subject (after "Re: "), so clients that thread by subject
 * (Gmail) keep them together as well as those that follow References.
 */
import type { Effect } from '../incidents/effects.ts';
import type { Incident } from '../incidents/incident.ts';

export interface MailContent {
  subject: string;
  /** The first line of the body, what happened. */
  heading: string;
  lines: string[];
}

export interface MailContext {
  timeZone: string;
  /** PUBLIC_URL, for a link to the incident page; undefined: no link. */
  publicUrl: string | undefined;
}

/** One line of text whatever a title holds (a line break would start a new header or paragraph). */
const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

const when = (ms: number, timeZone: string): string =>
  new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short', hour12: false }).format(ms) + ` (${timeZone})`;

const minutes = (seconds: number): string => (seconds < 120 ? `${seconds} seconds` : `${Math.round(seconds / 60)} minutes`);

const drillMark = (i: Incident): string => (i.drill ? '[DRILL] ' : '');

/** The subject every mail of the incident shares (a private incident's title is never mailed). */
export const threadSubject = (i: Incident): string =>
  `${drillMark(i)}[sitroom] Incident #${i.number}${i.isPrivate ? ' (private)' : `: ${oneLine(i.title)}`}`;

const link = (i: Incident, ctx: MailContext): string[] => (ctx.publicUrl ? [`Incident page: ${ctx.publicUrl}/incidents/${i.number}`] : []);

const facts = (i: Incident): string => `Severity ${i.severity.toUpperCase()} · ${i.phase}`;

const nextUpdate = (i: Incident, ctx: MailContext): string[] => (i.nextUpdateDue === null ? [] : [`Next update expected by ${when(i.nextUpdateDue, ctx.timeZone)}.`]);

/** The stakeholder mail for `effect`, from the incident as it was when the change was made. */
export function stakeholderMail(effect: Extract<Effect, { kind: 'mail_stakeholders' }>, ctx: MailContext): MailContent {
  const i = effect.incident;
  const subject = effect.what === 'declared' ? threadSubject(i) : `Re: ${threadSubject(i)}`;
  const title = oneLine(i.title);
  switch (effect.what) {
    case 'declared':
      return { subject, heading: `Incident #${i.number} declared: ${title}`, lines: [`${facts(i)} · declared by ${i.declaredBy}`, ...nextUpdate(i, ctx), ...link(i, ctx)] };
    case 'update':
      return {
        subject,
        heading: `Update on incident #${i.number}: ${title}`,
        lines: [i.lastUpdate?.text ?? '', `${facts(i)} · from ${i.lastUpdate?.by ?? 'sitroom'}`, ...nextUpdate(i, ctx), ...link(i, ctx)],
      };
    case 'resolved': {
      const impact = effect.impact ? [`Impact: from ${when(effect.impact.from, ctx.timeZone)} to ${when(effect.impact.to, ctx.timeZone)}.`] : [];
      return {
        subject,
        heading: `Resolved: incident #${i.number} ${title}`,
        lines: [...impact, 'The cause is fixed and the service is back to normal; the team is following up.', 'A postmortem is being written and will be shared when complete.', ...link(i, ctx)],
      };
    }
    case 'change':
      return { subject, heading: `Incident #${i.number} ${title}: ${effect.event?.text ?? 'changed'}`, lines: [`${facts(i)}${effect.event ? ` · by ${effect.event.actor}` : ''}`, ...link(i, ctx)] };
  }
}

/** The overdue nag as e-mailed to the comms lead (or the commander), from the incident as it is now. */
export function overdueMail(i: Incident, effect: Extract<Effect, { kind: 'mail_overdue' }>, ctx: MailContext): MailContent {
  const what = i.isPrivate ? `the private incident #${i.number}` : `incident #${i.number} (${oneLine(i.title)})`;
  return {
    subject: `Re: ${threadSubject(i)}`,
    heading: `${drillMark(i)}The stakeholder update on ${what} is overdue`,
    lines: [
      `It was due ${minutes(effect.notice.overdueSeconds)} ago, at ${when(effect.notice.dueAt, ctx.timeZone)}.`,
      'Post one with /incident update <text> in the war room, or on the incident page; /incident snooze puts it off.',
      ...link(i, ctx),
    ],
  };
}
