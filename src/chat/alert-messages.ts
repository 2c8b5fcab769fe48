/** What sitroom says about alerts, for every platform: the alert card and the war-room notes about alerts. */
import type { AlertGroupView, GroupAlert } from '../alerts/alert-group.ts';
import { distinguishingLabels } from '../alerts/alert-rules.ts';
import { CARD_ALERT_LIMIT } from '../alerts/alert-rules.ts';
import type { Incident } from '../incidents/incident.ts';
import { formatAge, formatTime } from '../presentation/format-time.ts';
import { type Button, type ChatMessage, type Inline, type Line, type Select, SELECT_OPTIONS_MAX, selectOption } from '../presentation/message.ts';
import type { MessageContext } from './messages.ts';

export interface CardOptions {
  /** Whether Silence buttons are offered (ALERTMANAGER_URL is set). */
  silences: boolean;
  /** The war-room channel of a linked incident, if it has one. */
  warRoom: string | undefined;
  /** Open incidents the group may be added to ("Add to incident"), oldest first. */
  openIncidents?: readonly Incident[];
}

/** The "Add to incident" menu: the newest open incidents (a private one by number only, the alerts channel being wider). */
function attachSelect(groupId: number, incidents: readonly Incident[]): Select | undefined {
  const options = [...incidents]
    .reverse()
    .slice(0, SELECT_OPTIONS_MAX)
    .map((i) => selectOption(`#${i.number}${i.drill ? ' DRILL' : ''} ${i.severity.toUpperCase()}${i.isPrivate ? ' (private)' : ` ${i.title}`}`, i.number));
  return options.length ? { id: 'alert_attach', placeholder: 'Add to incident…', value: groupId, options } : undefined;
}

const labelText = (labels: readonly [string, string][]) => labels.map(([k, v]) => `${k}=${v}`).join(' ');

function alertLine(a: GroupAlert, view: AlertGroupView, ctx: MessageContext): Line {
  const which = labelText(distinguishingLabels(a, view.commonLabels)) || a.fingerprint;
  return a.status === 'firing'
    ? [`• 🔥 ${which} (since ${formatTime(a.startsAt, ctx.timeZone, ctx.now)})`]
    : [`• ✅ ${which} (resolved${a.endsAt ? ` ${formatTime(a.endsAt, ctx.timeZone, ctx.now)}` : ''})`];
}

/** The alert card: one per group, updated in place. */
export function alertCard(view: AlertGroupView, ctx: MessageContext, opts: CardOptions): ChatMessage {
  const { group } = view;
  const firing = view.firing;
  const state = firing > 0 ? `🔥 FIRING (${firing})` : '✅ RESOLVED';
  const lines: Line[] = [];
  if (view.summary) lines.push([view.summary]);
  lines.push([
    `${view.severity.toUpperCase()} · ${firing} firing · ${view.resolved} resolved`,
    ...(group.firstFiringAt ? [` · since ${formatTime(group.firstFiringAt, ctx.timeZone, ctx.now)}`] : []),
  ]);
  if (view.labels.length) lines.push([{ bold: 'Labels: ' }, labelText(view.labels)]);
  const listed = [...view.firingAlerts, ...view.resolvedAlerts].slice(0, CARD_ALERT_LIMIT);
  lines.push(...listed.map((a) => alertLine(a, view, ctx)));
  if (view.moreAlerts > 0) lines.push([`+${view.moreAlerts} more`]);
  if (view.links.length) lines.push(view.links.flatMap((l, n): Inline[] => [n ? ' · ' : '', { link: l.url, label: l.label }]));
  if (group.acknowledged) {
    const after = group.firstFiringAt !== null ? ` after ${formatAge(group.acknowledged.at - group.firstFiringAt)}` : '';
    lines.push(['👀 Acknowledged by ', { user: group.acknowledged.by }, after]);
  }
  if (group.notActionable) lines.push(['🙈 Marked not actionable by ', { user: group.notActionable.by }]);
  if (group.silence && group.silence.until > ctx.now) {
    lines.push([`🔇 Silenced until ${formatTime(group.silence.until, ctx.timeZone, ctx.now)} by `, { user: group.silence.by }, ` (silence ${group.silence.id})`]);
  }
  if (group.incidentNumber !== null) {
    lines.push([`🔗 Linked to incident #${group.incidentNumber}`, ...(opts.warRoom ? [' · ', { channel: opts.warRoom } as const] : [])]);
  }
  const silenced = group.silence !== null && group.silence.until > ctx.now;
  const button = (id: Button['id'], label: string, style?: Button['style']): Button => ({ id, label, value: group.id, ...(style ? { style } : {}) });
  const buttons: Button[] = [
    ...(group.acknowledged ? [] : [button('alert_ack', 'Acknowledge', 'primary')]),
    ...(group.incidentNumber === null ? [button('alert_declare', 'Declare incident', 'danger')] : []),
    ...(opts.silences && !silenced ? [button('alert_silence_1h', 'Silence 1h'), button('alert_silence_4h', 'Silence 4h')] : []),
    ...(group.notActionable ? [] : [button('alert_not_actionable', 'Not actionable')]),
  ];
  const select = group.incidentNumber === null ? attachSelect(group.id, opts.openIncidents ?? []) : undefined;
  return { heading: [`${state} `, view.title], lines, buttons, ...(select ? { select } : {}) };
}

/** `/incident alerts` in a war room: the alert groups linked to the incident. */
export function linkedAlertsMessage(incident: Incident, views: readonly AlertGroupView[], ctx: MessageContext): ChatMessage {
  if (views.length === 0) return { lines: [[`No alert groups are linked to incident #${incident.number}. Link one with "Add to incident" on its alert card.`]] };
  return {
    heading: [`🔗 Alert groups linked to incident #${incident.number}`],
    lines: views.map((v): Line => [
      `• ${v.firing > 0 ? '🔥' : '✅'} `,
      v.title,
      ` — ${v.firing} firing · ${v.resolved} resolved`,
      ...(v.group.firstFiringAt ? [` · since ${formatTime(v.group.firstFiringAt, ctx.timeZone, ctx.now)}`] : []),
    ]),
  };
}

/** In the war room, when a group is linked to its incident. */
export function groupLinkedMessage(view: AlertGroupView, ctx: MessageContext): ChatMessage {
  return {
    heading: ['🔗 Alerts linked: ', view.title],
    lines: [
      ...(view.summary ? [[view.summary]] : []),
      [`${view.firing} firing · ${view.resolved} resolved`],
      ...view.firingAlerts.slice(0, CARD_ALERT_LIMIT).map((a) => alertLine(a, view, ctx)),
    ],
  };
}

/** In the war room, when alerts of its group start firing. */
export function alertsFiringMessage(view: AlertGroupView, alerts: readonly GroupAlert[], ctx: MessageContext): ChatMessage {
  return {
    heading: [`🔥 ${alerts.length} new alert${alerts.length === 1 ? '' : 's'} firing: `, view.title],
    lines: [...alerts.slice(0, CARD_ALERT_LIMIT).map((a) => alertLine(a, view, ctx)), ...(alerts.length > CARD_ALERT_LIMIT ? [[`+${alerts.length - CARD_ALERT_LIMIT} more`]] : [])],
  };
}

/** In the war room, when every alert of its group resolved: the commander is offered `mitigate`. */
export function alertsResolvedMessage(incident: Incident, view: AlertGroupView): ChatMessage {
  const ic = incident.roles['commander'];
  const offer = incident.phase === 'active';
  return {
    heading: ['✅ All alerts resolved: ', view.title],
    lines: offer
      ? [[...(ic ? [{ user: ic } as const, ' '] : []), 'if production impact is reduced, mark the incident mitigated: ', { code: '/incident mitigate' }]]
      : [],
    buttons: offer ? [{ id: 'mitigate', label: 'Mitigate', value: incident.number, style: 'primary' }] : [],
  };
}
