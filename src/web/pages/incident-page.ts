/**
 * GET /incidents/<number>: everything about one incident — facts, roles, updates, timeline, phase history,
 * alerts, action items, durations, the postmortem — and, for those who may act while it is not closed, the
 * forms for the same use cases as the chat commands (take a role, post an update, change severity and phase,
 * add a note). Every form posts with the CSRF token.
 */
import type { IncidentDetail } from '../api-schema.ts';
import { formatCadence } from '../../incidents/cadence.ts';
import { formatSeconds } from '../../incidents/durations.ts';
import { nextStep, PHASE_STEPS, type PhaseAction, REOPENABLE } from '../../incidents/phases.ts';
import { roleLabel } from '../../incidents/roles.ts';
import { SEVERITIES, SEVERITY_MEANING } from '../../incidents/severity.ts';
import { ageOf, type Clock, csrfField, nextUpdate, severityBadge, timeEl, user } from './fragments.ts';
import { html, safeUrl, type HtmlValue, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';
import { renderMarkdown, splitFrontMatter } from './markdown.ts';

export interface IncidentPageView {
  incident: IncidentDetail;
  now: number;
  timeZone: string;
  csrfToken: string;
  canAct: boolean;
  accessNote?: string;
  /** The roles one may take (built-in and custom). */
  roles: readonly string[];
  /** Who is acting, shown as "you are …". */
  viewer: string;
  /** A refused action's message, shown at the top. */
  error?: string;
}

const section = (id: string, title: string, content: HtmlValue): SafeHtml =>
  html`<section aria-labelledby="${id}">
<h2 id="${id}">${title}</h2>
${content}
</section>
`;

/** A table that scrolls sideways on a phone rather than overflowing the page (focusable, so keyboards can scroll it). */
const table = (label: string, head: readonly string[], rows: readonly SafeHtml[]): SafeHtml =>
  html`<div class="table-wrap" role="region" aria-label="${label}" tabindex="0">
<table>
<thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody>
${rows}</tbody>
</table>
</div>`;

const none = (text: string): SafeHtml => html`<p class="empty">${text}</p>`;

function facts(i: IncidentDetail, clock: Clock): SafeHtml {
  const step = nextStep(i.phase);
  const warRoomUrl = safeUrl(i.warRoom?.url);
  const when = (label: string, iso: string | null) => iso !== null && html`<dt>${label}</dt><dd>${timeEl(iso, clock)}</dd>`;
  return html`<dl class="facts">
<dt>Severity</dt><dd>${severityBadge(i.severity)} ${SEVERITY_MEANING[i.severity]}</dd>
<dt>Phase</dt><dd><span class="phase-name">${i.phase}</span>${step && html` <span class="muted">· next: ${step} — ${PHASE_STEPS[step].meaning}</span>`}</dd>
<dt>Visibility</dt><dd>${i.private ? 'private' : 'public'}</dd>
<dt>Declared</dt><dd>${timeEl(i.declaredAt, clock)} by ${user(i.declaredBy)} <span class="muted">(${ageOf(i.declaredAt, clock)} ago)</span></dd>
${when('Mitigated', i.mitigatedAt)}${when('Resolved', i.resolvedAt)}${when('Closed', i.closedAt)}
<dt>War room</dt><dd>${
    i.warRoom
      ? warRoomUrl
        ? html`<a href="${warRoomUrl}" rel="noopener noreferrer">${i.warRoom.name}</a>`
        : i.warRoom.name
      : html`<span class="muted">none</span>`
  } <span class="muted">(${i.platform})</span></dd>
<dt>Updates</dt><dd>${i.cadenceSeconds === null ? 'no cadence' : `every ${formatCadence(i.cadenceSeconds)}`}</dd>
<dt>Next update</dt><dd>${nextUpdate(i, clock)}</dd>
<dt>Last update</dt><dd>${
    i.lastUpdate ? html`${timeEl(i.lastUpdate.at, clock)} by ${user(i.lastUpdate.by)}: ${i.lastUpdate.text}` : html`<span class="muted">none yet</span>`
  }</dd>
</dl>`;
}

function roles(i: IncidentDetail): SafeHtml {
  const held = Object.entries(i.roles);
  return held.length
    ? html`<ul>${held.map(([role, who]) => html`<li>${roleLabel(role)}: ${user(who)}</li>`)}</ul>`
    : none('No roles assigned yet.');
}

const ACTION_LABEL: Readonly<Record<PhaseAction, string>> = { mitigate: 'Mitigate', resolve: 'Resolve', close: 'Close', reopen: 'Reopen' };

/** The phase actions allowed now: the next forward step, and reopen after mitigation or resolution. */
export function phaseActions(i: Pick<IncidentDetail, 'phase'>): PhaseAction[] {
  const step = nextStep(i.phase);
  return [...(step ? [step] : []), ...(REOPENABLE.includes(i.phase) ? (['reopen'] as const) : [])];
}

function forms(view: IncidentPageView): SafeHtml {
  const i = view.incident;
  const base = `/incidents/${i.number}`;
  const csrf = csrfField(view.csrfToken);
  const step = nextStep(i.phase);
  const openItems = i.actionItems.filter((a) => a.state === 'open').length;
  const roleForm =
    view.roles.length > 0 &&
    html`<form method="post" action="${base}/role"><fieldset><legend>Take a role</legend>
${csrf}
<div class="field"><label for="role-select">Role</label>
<select id="role-select" name="role">
${view.roles.map((r) => {
  const holder = i.roles[r];
  return html`<option value="${r}">${roleLabel(r)}${holder ? ` (now ${holder})` : ''}</option>`;
})}
</select></div>
<button type="submit">Take role</button>
</fieldset></form>`;
  return html`<p>You are <strong>${view.viewer}</strong>.</p>
<div class="actions">
<form method="post" action="${base}/update"><fieldset><legend>Post a stakeholder update</legend>
${csrf}
<div class="field"><label for="update-text">Update <span class="hint">(sent to stakeholders)</span></label>
<textarea id="update-text" name="text" rows="3" required></textarea></div>
<button type="submit">Post update</button>
</fieldset></form>
<form method="post" action="${base}/note"><fieldset><legend>Add a note</legend>
${csrf}
<div class="field"><label for="note-text">Note <span class="hint">(timeline only)</span></label>
<textarea id="note-text" name="text" rows="3" required></textarea></div>
<button type="submit">Add note</button>
</fieldset></form>
${roleForm}
<form method="post" action="${base}/severity"><fieldset><legend>Change severity</legend>
${csrf}
<div class="field"><label for="severity-select">Severity</label>
<select id="severity-select" name="severity">
${SEVERITIES.map((s) => html`<option value="${s}"${s === i.severity ? html` selected` : ''}>${s.toUpperCase()} — ${SEVERITY_MEANING[s]}</option>`)}
</select></div>
<button type="submit">Change severity</button>
</fieldset></form>
<form method="post" action="${base}/phase"><fieldset><legend>Change phase</legend>
${csrf}
<div class="field"><label for="phase-note">Note <span class="hint">(optional)</span></label>
<input type="text" id="phase-note" name="note" autocomplete="off"></div>
${step === 'close' && html`<div class="field"><label for="phase-waiver">Waive open action items <span class="hint">(the reason; needed to close while ${openItems} action item${openItems === 1 ? ' is' : 's are'} open)</span></label>
<input type="text" id="phase-waiver" name="waiver" autocomplete="off"></div>`}
<div class="buttons">
${phaseActions(i).map(
  (a) =>
    html`<button type="submit" name="action" value="${a}"${a === 'reopen' ? html` class="secondary"` : ''}>${ACTION_LABEL[a]}${
      a === 'reopen' ? ' — back to active' : ` — ${PHASE_STEPS[a].meaning}`
    }</button>
`,
)}</div>
</fieldset></form>
</div>`;
}

function postmortem(markdown: string): SafeHtml {
  const { frontMatter, body } = splitFrontMatter(markdown);
  return html`${frontMatter !== null && html`<details><summary>Front matter</summary><pre>${frontMatter}</pre></details>`}
<article class="markdown" aria-label="Postmortem document">
${renderMarkdown(body)}</article>`;
}

export function incidentPage(view: IncidentPageView): string {
  const i = view.incident;
  const clock = { now: view.now, timeZone: view.timeZone };
  const closed = i.phase === 'closed';
  const body = html`${view.error && html`<p class="error" role="alert">${view.error}</p>`}
${i.updateOverdue && !closed && i.nextUpdateDue && html`<p class="banner">Update for #${i.number} is <strong class="overdue">overdue since ${timeEl(i.nextUpdateDue, clock)}</strong>${view.canAct && html` — <a href="#update-text">post one</a>`}</p>`}
<h1><span class="num">#${i.number}</span> ${i.title}</h1>
<p class="meta">${severityBadge(i.severity)} <span class="phase-name">${i.phase}</span>${i.drill && html` <span class="tag">DRILL</span>`}${i.type && html` <span class="tag">${i.type}</span>`}${i.private && html` <span class="tag">private</span>`}</p>
${facts(i, clock)}
${section('roles-h', 'Roles', roles(i))}
${view.canAct && !closed && section('act-h', 'Act', forms(view))}
${view.canAct && closed && html`<p class="notice">This incident is closed: nothing more to do here.</p>`}
${section(
  'updates-h',
  'Stakeholder updates',
  i.updates.length
    ? table(
        'Stakeholder updates',
        ['Time', 'By', 'Update'],
        i.updates.map((u) => html`<tr><td class="when">${timeEl(u.at, clock)}${u.late && html` <span class="overdue">late</span>`}</td><td>${user(u.by)}</td><td>${u.text}</td></tr>\n`),
      )
    : none('No stakeholder updates yet.'),
)}
${section(
  'timeline-h',
  'Timeline',
  i.timeline.length
    ? table('Timeline', ['Time', 'Who', 'What'], i.timeline.map((e) => html`<tr><td class="when">${timeEl(e.at, clock)}</td><td>${user(e.actor)}</td><td>${e.text}</td></tr>\n`))
    : none('Nothing on the timeline yet.'),
)}
${section(
  'phases-h',
  'Phase history',
  i.phaseHistory.length
    ? table(
        'Phase history',
        ['Time', 'Who', 'Change', 'Note'],
        i.phaseHistory.map((p) => html`<tr><td class="when">${timeEl(p.at, clock)}</td><td>${user(p.actor)}</td><td>${p.from} → ${p.to}</td><td>${p.note}</td></tr>\n`),
      )
    : none('No phase changes yet.'),
)}
${section(
  'alerts-h',
  'Linked alerts',
  i.alerts.length
    ? table(
        'Linked alerts',
        ['Alert', 'Group', 'First firing', 'Acknowledged', 'Silence'],
        i.alerts.map(
          (a) => html`<tr><td>${a.title}</td><td><code>${a.groupKey}</code></td><td class="when">${a.firstFiringAt ? timeEl(a.firstFiringAt, clock) : '—'}</td><td>${
            a.acknowledgedAt ? html`${timeEl(a.acknowledgedAt, clock)}${a.acknowledgedBy && html` by ${user(a.acknowledgedBy)}`}` : 'no'
          }</td><td>${a.silenceId ? html`<code>${a.silenceId}</code>` : '—'}</td></tr>\n`,
        ),
      )
    : none('No linked alerts.'),
)}
${
  i.checklist &&
  section(
    'checklist-h',
    `Checklist (${i.checklist.done}/${i.checklist.total})`,
    table(
      'Checklist',
      ['#', 'Item', 'Ticked'],
      i.checklistItems.map(
        (c) => html`<tr><td>${c.position}</td><td>${c.text}${c.required ? '' : html` <span class="muted">(optional)</span>`}</td><td>${
          c.checkedAt ? html`${timeEl(c.checkedAt, clock)}${c.checkedBy && html` by ${user(c.checkedBy)}`}` : 'no'
        }</td></tr>\n`,
      ),
    ),
  )
}
${section(
  'actions-h',
  'Action items',
  i.actionItems.length
    ? table(
        'Action items',
        ['#', 'Item', 'Owner', 'Due', 'State'],
        i.actionItems.map(
          (a) => html`<tr><td>${a.id}</td><td>${a.text}</td><td>${a.owner ? user(a.owner) : '—'}</td><td>${a.due ?? '—'}</td><td>${
            a.state === 'done' ? html`done${a.doneAt && html` ${timeEl(a.doneAt, clock)}`}` : 'open'
          }</td></tr>\n`,
        ),
      )
    : none('No action items.'),
)}
${section(
  'durations-h',
  'Durations',
  html`<dl class="facts">
<dt>Time to acknowledge</dt><dd>${formatSeconds(i.durations.timeToAcknowledge)}</dd>
<dt>Time to mitigate</dt><dd>${formatSeconds(i.durations.timeToMitigate)}</dd>
<dt>Time to resolve</dt><dd>${formatSeconds(i.durations.timeToResolve)}</dd>
</dl>`,
)}
${section('postmortem-h', 'Postmortem', i.postmortem ? postmortem(i.postmortem) : none('No postmortem yet.'))}`;
  return layout({ title: `#${i.number} ${i.title}`, body, nav: 'incident', accessNote: view.accessNote });
}
