/**
 * GET /status: the public status page. It is given only the public StatusDocument (public-status.ts), so it cannot
 * show an internal title, an internal update, a person or a link into the team's pages: the overall state, each
 * configured component's state, and each published incident with its impact, status, public updates and times.
 * Links to the JSON and the Atom feed let people and tools follow along.
 */
import type { PublicIncident, StatusDocument } from '../public-status.ts';
import { PUBLIC_STATUS_TEXT } from '../public-status.ts';
import { timeEl } from './fragments.ts';
import { html, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';

export interface StatusView {
  status: StatusDocument;
  now: number;
  timeZone: string;
}

const STATE_LABEL: Readonly<Record<StatusDocument['overall'], string>> = {
  operational: 'Operational',
  degraded: 'Degraded performance',
  partial: 'Partial outage',
  major: 'Major outage',
};

function incidentItem(i: PublicIncident, clock: { now: number; timeZone: string }): SafeHtml {
  return html`<li class="status-item status-${i.status} impact-${i.impact}" id="incident-${i.id}">
<h3>${i.title}</h3>
<p>${i.status === 'resolved' ? html`<span class="badge impact">Resolved</span>` : html`<span class="badge impact">${i.impactLabel}</span> <span class="public-status">${PUBLIC_STATUS_TEXT[i.status]}</span>`}</p>
${i.components.length > 0 && html`<p><strong>Affected:</strong> ${i.components.join(', ')}</p>`}
<p class="muted">Started ${timeEl(i.startedAt, clock)}${i.resolvedAt && html` · resolved ${timeEl(i.resolvedAt, clock)}`}</p>
${
  i.updates.length
    ? html`<ul class="public-updates" aria-label="Updates, newest first">
${i.updates.map((u) => html`<li><span class="when">${timeEl(u.at, clock)}</span> ${u.text}</li>\n`)}</ul>`
    : html`<p class="muted">No update yet.</p>`
}
</li>
`;
}

/** A titled list of incidents, or nothing when there are none. */
function incidentList(id: string, heading: string, incidents: readonly PublicIncident[], clock: { now: number; timeZone: string }): SafeHtml | false {
  return (
    incidents.length > 0 &&
    html`<section aria-labelledby="${id}">
<h2 id="${id}">${heading}</h2>
<ul class="status-list">
${incidents.map((i) => incidentItem(i, clock))}</ul>
</section>`
  );
}

export function statusPage(view: StatusView): string {
  const clock = { now: view.now, timeZone: view.timeZone };
  const doc = view.status;
  const open = doc.incidents.filter((i) => i.status !== 'resolved');
  const resolved = doc.incidents.filter((i) => i.status === 'resolved');
  const body = html`<h1>Status</h1>
<p class="${doc.overall === 'operational' ? 'all-ok' : `overall impact-${doc.overall}`}" role="status">${doc.overallLabel}</p>
${
  doc.components.length > 0 &&
  html`<section aria-labelledby="components-h">
<h2 id="components-h">Components</h2>
<ul class="components">
${doc.components.map((c) => html`<li><span>${c.name}</span> <span class="component-state state-${c.status}">${STATE_LABEL[c.status]}</span></li>\n`)}</ul>
</section>`
}
${incidentList('open-h', 'Current incidents', open, clock)}
${incidentList('resolved-h', 'Recently resolved', resolved, clock)}
<p class="muted">As of ${timeEl(doc.updatedAt, clock)}. Follow along: <a href="/status/feed.atom" type="application/atom+xml">Atom feed</a> · <a href="/status.json" type="application/json">JSON</a>.</p>`;
  return layout({ title: 'Status', body, nav: 'status', feed: '/status/feed.atom' });
}
