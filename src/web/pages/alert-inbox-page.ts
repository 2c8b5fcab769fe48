/**
 * GET /alerts: the alert inbox. Alertmanager's groups as the chat's alert cards show them — title, severity, what
 * fires, labels, links — with the card's buttons as forms: acknowledge, declare an incident, silence (when
 * ALERTMANAGER_URL is set) and not actionable. In web-only mode this is where alerts are seen at all.
 */
import type { AlertGroupSummary } from '../api-schema.ts';
import { csrfField, severityBadge, timeEl, user, type Clock } from './fragments.ts';
import { html, safeUrl, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';

export interface AlertInboxView {
  alerts: readonly AlertGroupSummary[];
  canSilence: boolean;
  now: number;
  timeZone: string;
  csrfToken: string;
  accessNote?: string;
  /** A refused action: which group, and why. */
  rejected?: { alert: number; message: string };
}

const button = (csrf: string, id: number, action: string, label: string, extra: SafeHtml | '' = '', secondary = false): SafeHtml =>
  html`<form method="post" action="/alerts/${id}/${action}" class="inline-form">${csrfField(csrf)}${extra}<button type="submit"${secondary ? html` class="secondary"` : ''}>${label}</button></form>`;

function state(a: AlertGroupSummary, clock: Clock): SafeHtml {
  const parts: SafeHtml[] = [];
  if (a.incident !== null) parts.push(html`linked to <a href="/incidents/${a.incident}">incident #${a.incident}</a>`);
  else if (a.linkedToPrivate) parts.push(html`linked to a private incident`);
  if (a.acknowledged) parts.push(html`acknowledged by ${user(a.acknowledged.by)} ${timeEl(a.acknowledged.at, clock)}`);
  if (a.notActionable) parts.push(html`marked not actionable by ${user(a.notActionable.by)}`);
  if (a.silenced && Date.parse(a.silenced.until) > clock.now) parts.push(html`silenced until ${timeEl(a.silenced.until, clock)}`);
  return parts.length ? html`<p>${parts.map((p, i) => html`${i ? ' · ' : ''}${p}`)}</p>` : html`<p><strong>Needs someone</strong>: nobody has acknowledged it.</p>`;
}

function item(a: AlertGroupSummary, view: AlertInboxView, clock: Clock): SafeHtml {
  const silenced = a.silenced !== null && Date.parse(a.silenced.until) > clock.now;
  const linked = a.incident !== null || a.linkedToPrivate;
  return html`<li class="alert-item" id="alert-${a.id}">
<h2>${severityBadge(a.severity)} ${a.title}</h2>
<p class="meta">${a.firing ? html`<strong>${a.firing} firing</strong>` : 'all resolved'}${a.resolved ? ` · ${a.resolved} resolved` : ''} · last delivery ${timeEl(a.lastDeliveryAt, clock)}</p>
${a.summary && html`<p>${a.summary}</p>`}
${a.labels.length > 0 && html`<ul class="labels">${a.labels.map(([k, v]) => html`<li><code>${k}=${v}</code></li>`)}</ul>`}
${a.links.length > 0 && html`<p>${a.links.map((l, i) => {
    const url = safeUrl(l.url);
    return html`${i ? ' · ' : ''}${url ? html`<a href="${url}" rel="noopener noreferrer">${l.label}</a>` : l.label}`;
  })}</p>`}
${state(a, clock)}
${view.rejected?.alert === a.id && html`<p class="field-error" role="alert">${view.rejected.message}</p>`}
<div class="buttons">
${!a.acknowledged && button(view.csrfToken, a.id, 'acknowledge', 'Acknowledge')}
${!linked && button(view.csrfToken, a.id, 'declare', 'Declare incident')}
${view.canSilence && !silenced && button(view.csrfToken, a.id, 'silence', 'Silence 1h', html`<input type="hidden" name="hours" value="1">`, true)}
${view.canSilence && !silenced && button(view.csrfToken, a.id, 'silence', 'Silence 4h', html`<input type="hidden" name="hours" value="4">`, true)}
${!a.notActionable && button(view.csrfToken, a.id, 'not-actionable', 'Not actionable', '', true)}
</div>
</li>`;
}

export function alertInboxPage(view: AlertInboxView): string {
  const clock = { now: view.now, timeZone: view.timeZone };
  const body = html`<h1>Alert inbox</h1>
<p class="muted">Alert groups Alertmanager delivered in the last 7 days, latest first.</p>
${view.alerts.length ? html`<ul class="alert-list">${view.alerts.map((a) => item(a, view, clock))}</ul>` : html`<p class="empty">No alerts in the last 7 days.</p>`}`;
  return layout({ title: 'Alert inbox', body, nav: 'alerts', accessNote: view.accessNote });
}
