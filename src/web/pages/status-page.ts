/**
 * GET /status: the public status page. Public incidents only, never drills — the caller filters, and so does this page, as a
 * second line of defence — each with its title, phase and latest stakeholder update. No links to the board,
 * the incident pages or war rooms, and nothing about who is working on it.
 */
import type { IncidentSummary } from '../api-schema.ts';
import type { Phase } from '../../incidents/phases.ts';
import { timeEl } from './fragments.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';

export interface StatusView {
  incidents: IncidentSummary[];
  now: number;
  timeZone: string;
}

/** What each phase means to someone outside the team. */
const PUBLIC_PHASE: Readonly<Record<Phase, string>> = {
  active: 'we are working on it',
  mitigated: 'impact reduced, we are monitoring',
  resolved: 'fixed',
  closed: 'fixed',
};

export function statusPage(view: StatusView): string {
  const clock = { now: view.now, timeZone: view.timeZone };
  const visible = view.incidents.filter((i) => !i.private && !i.drill);
  const body = html`<h1>Status</h1>
${
  visible.length === 0
    ? html`<p class="all-ok" role="status">All systems operational</p>`
    : html`<p>${visible.length === 1 ? 'There is 1 incident' : `There are ${visible.length} incidents`} we are working on or have recently resolved.</p>
<ul class="status-list">
${visible.map(
  (i) => html`<li class="status-item phase-${i.phase}">
<h2>${i.title}</h2>
<p><strong>Status:</strong> <span class="phase-name">${i.phase}</span> — ${PUBLIC_PHASE[i.phase]} <span class="muted">(started ${timeEl(i.declaredAt, clock)})</span></p>
${
  i.lastUpdate
    ? html`<p><strong>Latest update</strong> <span class="muted">${timeEl(i.lastUpdate.at, clock)}</span></p>
<p>${i.lastUpdate.text}</p>`
    : html`<p class="muted">No update yet.</p>`
}
</li>
`,
)}</ul>`
}
<p class="muted">As of ${timeEl(new Date(view.now).toISOString(), clock)}.</p>`;
  return layout({ title: 'Status', body, nav: 'status' });
}
