/**
 * What sitroom says, composed once for every platform: summary card, topic, announcements, reminders,
 * list and help. Pure functions of the incident and `now`.
 */
import { formatCadence } from '../incidents/cadence.ts';
import { commanderOf, commsOf, type Incident, type UserId } from '../incidents/incident.ts';
import type { OpenOverview } from '../incidents/ports.ts';
import { needsUpdates, nextStep, PHASE_STEPS } from '../incidents/phases.ts';
import { isUpdateOverdue } from '../incidents/overdue.ts';
import type { ReminderNotice } from '../incidents/reminders.ts';
import { roleLabel } from '../incidents/roles.ts';
import { SEVERITIES, SEVERITY_MEANING } from '../incidents/severity.ts';
import type { Stats, Summary } from '../incidents/stats.ts';
import { formatSeconds } from '../incidents/durations.ts';
import type { ActionItem } from '../incidents/action-items.ts';
import { type ChecklistItem, progressText } from '../incidents/checklists.ts';
import type { Digest } from '../incidents/digest.ts';
import type { TimelineEvent } from '../incidents/timeline.ts';
import { USAGE, type Subcommand } from './command-grammar.ts';
import { DRILL_MARK } from './drill-marking.ts';
import { formatAge, formatTime } from '../presentation/format-time.ts';
import type { ChatMessage, Inline, Line } from '../presentation/message.ts';

export interface MessageContext {
  now: number;
  timeZone: string;
  /** e.g. https://meet.example.com/inc-{number}; empty for none. */
  conferenceUrlTemplate: string;
  /** Paging through Alertmanager is set up (ALERTMANAGER_URL): the summary card offers "Page on-call". */
  paging?: boolean;
}

const sev = (i: Incident) => i.severity.toUpperCase();
const who = (user: UserId | undefined): Inline => (user ? { user } : 'nobody yet');
const conferenceUrl = (i: Incident, ctx: MessageContext) => ctx.conferenceUrlTemplate.replaceAll('{number}', String(i.number));

/** `next update 14:30 UTC`, `update overdue since 14:30 UTC`, or `no update cadence`. */
export function nextUpdateText(i: Incident, ctx: MessageContext): string {
  if (i.nextUpdateDue === null) return needsUpdates(i.phase) ? 'no update cadence' : 'no updates due';
  const when = formatTime(i.nextUpdateDue, ctx.timeZone, ctx.now);
  if (isUpdateOverdue(i, ctx.now)) return `update overdue since ${when}`;
  return needsUpdates(i.phase) ? `next update ${when}` : 'no updates due';
}

/** The one-line status used as channel topic/header: `SEV2 · active · IC @alice · next update 14:30 UTC`. */
export function topicLine(i: Incident, ctx: MessageContext): Line {
  const ic = commanderOf(i);
  return [`${sev(i)} · ${i.phase} · IC `, ic ? { user: ic } : 'unassigned', ` · ${nextUpdateText(i, ctx)}`];
}

/** The pinned war-room summary card, with "I'm IC" / "I'm comms" while those roles are open to take. */
export function summaryCard(i: Incident, ctx: MessageContext): ChatMessage {
  const roles: Line = Object.entries(i.roles).length
    ? Object.entries(i.roles).flatMap(([role, user], n) => [n ? ', ' : '', `${roleLabel(role)}: `, { user }])
    : ['none yet'];
  const step = nextStep(i.phase);
  const conference = conferenceUrl(i, ctx);
  const lines: Line[] = [
    [{ bold: 'Severity: ' }, `${sev(i)} (${SEVERITY_MEANING[i.severity]})`],
    [{ bold: 'Phase: ' }, i.phase, ...(step ? [` · next: `, { code: `/incident ${step}` }, ` (${PHASE_STEPS[step].meaning})`] : [])],
    [{ bold: 'Roles: ' }, ...roles],
    [{ bold: 'Declared: ' }, `${formatTime(i.declaredAt, ctx.timeZone, ctx.now)} by `, { user: i.declaredBy }, ` (${formatAge(ctx.now - i.declaredAt)} ago)`],
    [{ bold: 'Last update: ' }, ...(i.lastUpdate ? [formatTime(i.lastUpdate.at, ctx.timeZone, ctx.now), ' — ', i.lastUpdate.text] : ['none yet'])],
    [{ bold: 'Updates: ' }, `every ${formatCadence(i.cadence)} · ${nextUpdateText(i, ctx)}`],
  ];
  if (conference) lines.push([{ bold: 'Call: ' }, { link: conference, label: conference }]);
  const open = i.phase !== 'closed';
  return {
    heading: [`Incident #${i.number}: `, i.title, ...(i.isPrivate ? [' (private)'] : [])],
    lines,
    buttons: open
      ? [
          ...(commanderOf(i) ? [] : [{ id: 'claim_commander' as const, label: 'I’m IC', value: i.number, style: 'primary' as const }]),
          ...(commsOf(i) ? [] : [{ id: 'claim_comms' as const, label: 'I’m comms', value: i.number }]),
          ...(ctx.paging && i.phase === 'active' && !i.drill ? [{ id: 'page_oncall' as const, label: 'Page on-call', value: i.number }] : []),
        ]
      : [],
  };
}

/** The announcement of a new incident; private incidents are announced without any detail. */
export function declaredAnnouncement(i: Incident, ctx: MessageContext): ChatMessage {
  if (i.isPrivate) return { lines: [[`A private incident (#${i.number}) is in progress.`]] };
  const lines: Line[] = [
    [`${sev(i)} declared by `, { user: i.declaredBy }, ' · war room ', ...(i.room ? [{ channel: i.room.channelId }] : ['being set up'])],
    [nextUpdateText(i, ctx).replace(/^next/, 'Next')],
  ];
  return { heading: [`Incident #${i.number}: `, i.title], lines };
}

/** A stakeholder update as broadcast to the announcement channel. */
export function updateAnnouncement(i: Incident, ctx: MessageContext): ChatMessage {
  if (i.isPrivate) return { lines: [[`A private incident (#${i.number}) is in progress.`]] };
  const update = i.lastUpdate;
  return {
    heading: [`Update on incident #${i.number}: `, i.title],
    lines: [
      [update?.text ?? ''],
      [`${sev(i)} · ${i.phase} · from `, who(update?.by), ` · ${nextUpdateText(i, ctx)}`],
    ],
  };
}

/** A phase or severity change as told to stakeholders. */
export function stakeholderChange(i: Incident, e: TimelineEvent): ChatMessage {
  if (i.isPrivate) {
    const over = i.phase === 'closed' || i.phase === 'resolved';
    return { lines: [[over ? `The private incident #${i.number} is ${i.phase}.` : `A private incident (#${i.number}) is in progress.`]] };
  }
  return { lines: [[`Incident #${i.number} `, i.title, ': ', e.text, ' (by ', { user: e.actor }, ')']] };
}

/** A timeline event told in the war room. */
export function roomEventLine(e: TimelineEvent): Line {
  switch (e.kind) {
    case 'role_assigned':
      return [{ user: String(e.data['user']) }, ` is now ${roleLabel(String(e.data['role']))} (set by `, { user: e.actor }, ')'];
    case 'update_posted':
      return [{ bold: 'Stakeholder update' }, ' from ', { user: e.actor }, ': ', e.text];
    case 'note':
      return ['📝 ', { user: e.actor }, ': ', e.text];
    default:
      return [e.text, ' — ', { user: e.actor }];
  }
}

/** The update reminder: in the war room (with mentions) and by direct message. */
export function reminderMessage(i: Incident, n: ReminderNotice, ctx: MessageContext): ChatMessage {
  const overdue = formatAge(n.overdueSeconds * 1000);
  const mentions: Inline[] = [...(n.alertChannel ? [{ here: true } as const, ' '] : []), ...n.people.flatMap((user) => [{ user }, ' '])];
  const due = i.nextUpdateDue === null ? 'now' : `at ${formatTime(i.nextUpdateDue, ctx.timeZone, ctx.now)}`;
  const text =
    n.stage === 'nag'
      ? `the stakeholder update for incident #${i.number} was due ${due} (${overdue} ago). Post one with /incident update <text>.`
      : `the stakeholder update for incident #${i.number} is still overdue (due ${due}, ${overdue} ago). Commander, please make sure one goes out.`;
  return {
    lines: [[...mentions, n.stage === 'nag' ? '⏰ ' : '🚨 ', text]],
    buttons: [
      { id: 'post_update', label: 'Post update', value: i.number, style: 'primary' },
      { id: 'snooze', label: 'Snooze 15m', value: i.number },
    ],
  };
}

/** How many incidents `list` shows per phase: a chat message is no place for hundreds. */
export const LIST_LIMIT = 25;

/** `/incident list`: open incidents grouped by phase (the most recent LIST_LIMIT of each). */
export function listMessage(incidents: readonly Incident[], ctx: MessageContext, counts?: OpenOverview['counts']): ChatMessage {
  if (incidents.length === 0) return { lines: [['No open incidents. 🎉']] };
  const lines: Line[] = [];
  for (const phase of ['active', 'mitigated', 'resolved'] as const) {
    const inPhase = incidents.filter((i) => i.phase === phase);
    if (inPhase.length === 0) continue;
    const count = counts?.[phase] ?? inPhase.length;
    lines.push([{ bold: `${phase[0]?.toUpperCase()}${phase.slice(1)} (${count})` }]);
    if (count > LIST_LIMIT) lines.push([`(the ${LIST_LIMIT} most recent)`]);
    for (const i of inPhase.slice(-LIST_LIMIT)) {
      const ic = commanderOf(i);
      // A list is not a drill's own message (drill-marking.ts marks those), so its drills are marked here.
      const number = `• #${i.number} ${i.drill ? `${DRILL_MARK} ` : ''}${sev(i)}`;
      if (i.isPrivate) {
        lines.push([`${number} (a private incident)`]);
        continue;
      }
      lines.push([
        `${number} `,
        i.title,
        ...(i.room ? [' ', { channel: i.room.channelId } as const] : []),
        ' · IC ',
        ic ? { user: ic } : 'unassigned',
        ` · ${nextUpdateText(i, ctx)}`,
      ]);
    }
  }
  return { heading: ['Open incidents'], lines };
}

/** `/incident help`. */
export function helpMessage(): ChatMessage {
  const inRoom: readonly Subcommand[] = ['status', 'ic', 'comms', 'role', 'severity', 'type', 'checklist', 'check', 'alerts', 'update', 'cadence', 'page', 'mitigate', 'resolve', 'close', 'reopen', 'note', 'action', 'postmortem'];
  const anywhere: readonly Subcommand[] = ['declare', 'list', 'actions', 'stats', 'help'];
  const statusPage: readonly Subcommand[] = ['publish', 'public', 'impact', 'components', 'unpublish'];
  const row = (s: Subcommand): Line => [{ code: `/incident ${USAGE[s].usage}` }, ' — e.g. ', { code: `/incident ${USAGE[s].example}` }];
  return {
    heading: ['sitroom: /incident commands'],
    lines: [[{ bold: 'Anywhere' }], ...anywhere.map(row), [{ bold: 'In a war room' }], ...inRoom.map(row), [{ bold: 'Public status page (in a war room)' }], ...statusPage.map(row), ['Nothing reaches the status page until it is published; private incidents never are.'], ['Phases: active → mitigated → resolved → closed, never skipped.']],
  };
}

/** Sent with the postmortem file in the war room. */
export function postmortemMessage(i: Incident): ChatMessage {
  return { lines: [[`📄 Postmortem of incident #${i.number}: the record so far (YAML front matter, timeline) and sections to fill in. `, { code: '/incident postmortem' }, ' writes it again.']] };
}

/** On resolve: a short, non-technical note for stakeholders. */
export function resolvedSummary(i: Incident, impact: { from: number; to: number }, ctx: MessageContext): ChatMessage {
  if (i.isPrivate) return { lines: [[`The private incident #${i.number} is resolved.`]] };
  const window = `${formatTime(impact.from, ctx.timeZone, ctx.now)} to ${formatTime(impact.to, ctx.timeZone, ctx.now)} (${formatAge(impact.to - impact.from)})`;
  return {
    heading: [`✅ Resolved: incident #${i.number} `, i.title],
    lines: [
      ['Impact: from ', window, '.'],
      ['Current state: the cause is fixed and the service is back to normal; the team is following up.'],
      ['A postmortem is being written in ', ...(i.room ? [{ channel: i.room.channelId } as const] : ['the war room']), ' and will be shared when complete.'],
    ],
  };
}

/** The GitHub issue tracking an item, as a link (nothing when it has none). */
const issueLink = (a: ActionItem): Line => (a.issue ? [' — ', { link: a.issue.url, label: `issue #${a.issue.number}` }] : []);

const itemLine = (a: ActionItem): Line => [`• #${a.id} `, a.text, ` (incident #${a.incidentNumber}${a.due ? `, due ${a.due}` : ''})`, ...issueLink(a)];

/** The weekly digest of open action items, by owner. */
export function digestMessage(d: Digest): ChatMessage {
  const lines: Line[] = [];
  for (const [owner, items] of d.byOwner) {
    lines.push([owner ? { user: owner } : 'No owner', `: ${items.length} open`]);
    lines.push(
      ...items.map((a): Line => [
        ...(d.privateIncidents.has(a.incidentNumber) ? [`• #${a.id} (an item of a private incident)`] : itemLine(a)),
        ...(d.overdue.includes(a) ? [' ⚠️ overdue'] : []),
      ]),
    );
  }
  const total = d.byOwner.reduce((n, [, items]) => n + items.length, 0);
  return { heading: [`🗒️ Weekly follow-ups: ${total} action item${total === 1 ? '' : 's'} open, ${d.overdue.length} overdue`], lines };
}

/** A direct message to the owner of overdue action items. */
export function overdueMessage(items: readonly ActionItem[]): ChatMessage {
  return {
    heading: [`⚠️ ${items.length} of your action items ${items.length === 1 ? 'is' : 'are'} overdue`],
    lines: [...items.map(itemLine), ['Mark one done with ', { code: '/incident action done <id>' }, '.']],
  };
}

/** `/incident actions`. */
export function actionItemsMessage(items: readonly ActionItem[], heading: string): ChatMessage {
  if (items.length === 0) return { lines: [['No action items.']] };
  return {
    heading: [heading],
    lines: items.map((a): Line => [
      a.state === 'done' ? '✅ ' : '⬜ ',
      `#${a.id} `,
      a.text,
      ...(a.owner ? [' — ', { user: a.owner } as const] : []),
      ...(a.due ? [` — due ${a.due}`] : []),
      ...issueLink(a),
      ` (incident #${a.incidentNumber})`,
    ]),
  };
}

/** `/incident stats`. */
export function statsMessage(s: Stats): ChatMessage {
  const fmt = (x: Summary) => (x.count ? `mean ${formatSeconds(x.mean)}, p90 ${formatSeconds(x.p90)} (${x.count})` : 'none yet');
  const share = s.alerts.notActionableShare === null ? 'no alerts' : `${Math.round(s.alerts.notActionableShare * 100)}% (${s.alerts.notActionable} of ${s.alerts.groups} alert groups)`;
  return {
    heading: [`Incident stats, last ${s.days} days`],
    lines: [
      [`Incidents: ${s.incidents} (${SEVERITIES.map((sev) => `${sev.toUpperCase()} ${s.bySeverity[sev]}`).join(' · ')})`],
      [`Time to acknowledge: ${fmt(s.timeToAcknowledge)}`],
      [`Time to mitigate: ${fmt(s.timeToMitigate)}`],
      [`Time to resolve: ${fmt(s.timeToResolve)}`],
      [`Stakeholder updates: ${s.updates.onTime} on time, ${s.updates.late} late`],
      [`Not actionable alerts: ${share}`],
    ],
  };
}

/** Slack shows at most 25 elements in an actions block; a checklist longer than that is ticked by typing the rest. */
export const CHECKLIST_BUTTONS_MAX = 25;

/**
 * The incident's checklist: every item with its state, a "Tick n" button per open item. Posted on declare and when
 * severity or type brings new items (`added`, marked 🆕), and shown by `/incident checklist`.
 */
export function checklistMessage(i: Incident, items: readonly ChecklistItem[], added: readonly ChecklistItem[] = []): ChatMessage {
  if (items.length === 0) return { lines: [[`Incident #${i.number} has no checklist: none is configured for ${sev(i)}${i.type ? ` or type ${i.type}` : ''}.`]] };
  const isNew = new Set(added.map((a) => a.id));
  const open = items.filter((a) => a.checkedAt === null);
  return {
    heading: [`☑️ Checklist of incident #${i.number} (${progressText(items)})`],
    lines: [
      ...items.map((a): Line => [
        a.checkedAt === null ? '⬜ ' : '✅ ',
        `${a.position}. `,
        a.text,
        ...(a.required ? [] : [' (optional)']),
        ...(a.checkedBy ? [' — ', { user: a.checkedBy } as const] : []),
        ...(isNew.has(a.id) ? [' 🆕'] : []),
      ]),
      ['Tick one with ', { code: '/incident check <n>' }, open.length > CHECKLIST_BUTTONS_MAX ? ` (buttons for the first ${CHECKLIST_BUTTONS_MAX} open items).` : ' or its button.'],
    ],
    buttons: open.slice(0, CHECKLIST_BUTTONS_MAX).map((a) => ({ id: 'checklist_check' as const, label: `Tick ${a.position}`, value: a.id })),
  };
}
