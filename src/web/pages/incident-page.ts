/**
 * GET /incidents/<number>: everything about one incident — facts, roles, updates, timeline, phase history,
 * alerts, action items, durations, the postmortem — and, for those who may act while it is not closed, the
 * forms for the same use cases as the chat commands (updates, notes, roles for anyone, severity, phase, cadence,
 * snooze, rename, visibility, action items, the postmortem's sections). Every form posts with the CSRF token; a
 * refused one comes back filled in, its error beside the field (form-fields.ts).
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
import { fieldError, formError, type FormState, formState, type Rejected, textField } from './form-fields.ts';
import { MAX_PERSON_LENGTH, MAX_TEXT_LENGTH, MAX_TITLE_LENGTH } from '../../incidents/incident-rules.ts';
import { MAX_SECTION_LENGTH, SECTION_NAMES, SECTION_TITLES } from '../../incidents/postmortem.ts';
import { renderMarkdown, splitFrontMatter } from './markdown.ts';
import { statusSection, type StatusSectionView } from './status-section.ts';
import { MAX_PAGE_MESSAGE_LENGTH } from '../../incidents/paging.ts';

export interface IncidentPageView {
  incident: IncidentDetail;
  now: number;
  timeZone: string;
  csrfToken: string;
  canAct: boolean;
  accessNote?: string;
  /** Whether the add form offers a GitHub issue (`request`); with `all` every item gets one anyway. */
  issues?: 'off' | 'request' | 'all';
  /** The roles one may take (built-in and custom). */
  roles: readonly string[];
  /** Who is acting, shown as "you are …". */
  viewer: string;
  /** A refused action's message, shown at the top. */
  error?: string;
  /** A refused form: shown again with what was typed and the error beside its field. */
  rejected?: Rejected;
  /** The public status page part (status-section.ts). */
  statusPage?: StatusSectionView;
  /** Paging is set up and the incident may page (active, not a drill): the Page a team form is shown. */
  paging?: boolean;
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

/** A chat message captured into the timeline: marked, with links to the message and its files (http(s) only, checked by the core). */
function capturedEntry(text: string, c: NonNullable<IncidentDetail['timeline'][number]['captured']>) {
  const link = (url: string, label: string) => {
    const href = safeUrl(url);
    return href ? html` <a href="${href}" rel="noopener noreferrer">${label}</a>` : '';
  };
  return html`<span class="captured">📌 captured</span> ${text}${c.permalink ? link(c.permalink, 'message') : ''}${c.files.map((f) => link(f.url, f.name))}`;
}

const ACTION_LABEL: Readonly<Record<PhaseAction, string>> = { mitigate: 'Mitigate', resolve: 'Resolve', close: 'Close', reopen: 'Reopen' };

/** The phase actions allowed now: the next forward step, and reopen after mitigation or resolution. */
export function phaseActions(i: Pick<IncidentDetail, 'phase'>): PhaseAction[] {
  const step = nextStep(i.phase);
  return [...(step ? [step] : []), ...(REOPENABLE.includes(i.phase) ? (['reopen'] as const) : [])];
}

/** A form posting to `base/path` with the CSRF token, in a fieldset with `legend`. */
const form = (view: IncidentPageView, path: string, legend: string, content: HtmlValue, attrs: HtmlValue = ''): SafeHtml =>
  html`<form method="post" action="/incidents/${view.incident.number}/${path}"${attrs}><fieldset><legend>${legend}</legend>
${csrfField(view.csrfToken)}
${content}
</fieldset></form>`;

const stateOf = (view: IncidentPageView, path: string) => formState(view.rejected, `/incidents/${view.incident.number}/${path}`);

function forms(view: IncidentPageView): SafeHtml {
  const i = view.incident;
  const step = nextStep(i.phase);
  const openItems = i.actionItems.filter((a) => a.state === 'open').length;
  const openChecklist = i.checklistItems.filter((c) => c.required && c.checkedAt === null).length;
  // What close would be refused for (close-gate.ts): the waiver's hint names both kinds, with their counts.
  const blocking = [
    ...(openItems ? [`${openItems} action item${openItems === 1 ? ' is' : 's are'} open`] : []),
    ...(openChecklist ? [`${openChecklist} required checklist item${openChecklist === 1 ? ' is' : 's are'} not ticked`] : []),
  ];
  const waiverHint = blocking.length ? `the reason; needed to close while ${blocking.join(' and ')}` : 'the reason; needed only while action items or required checklist items are open';
  const update = stateOf(view, 'update');
  const note = stateOf(view, 'note');
  const role = stateOf(view, 'role');
  const severity = stateOf(view, 'severity');
  const phase = stateOf(view, 'phase');
  const cadence = stateOf(view, 'cadence');
  const rename = stateOf(view, 'rename');
  const page = stateOf(view, 'page');
  const chosenRole = role.values['role'];
  const chosenSeverity = severity.values['severity'] ?? i.severity;
  return html`<p>You are <strong>${view.viewer}</strong>.</p>
<div class="actions">
${form(view, 'update', 'Post a stakeholder update', html`${formError(update, ['text'])}${textField(update, { id: 'update-text', name: 'text', label: 'Update', hint: 'sent to stakeholders', max: MAX_TEXT_LENGTH, multiline: true, required: true })}
<button type="submit">Post update</button>`)}
${form(view, 'note', 'Add a note', html`${formError(note, ['text'])}${textField(note, { id: 'note-text', name: 'text', label: 'Note', hint: 'timeline only', max: MAX_TEXT_LENGTH, multiline: true, required: true })}
<button type="submit">Add note</button>`)}
${
  view.roles.length > 0 &&
  form(
    view,
    'role',
    'Assign a role',
    html`${formError(role, ['role', 'person'])}<div class="field"><label for="role-select">Role</label>
<select id="role-select" name="role"${role.error?.field === 'role' ? html` aria-invalid="true" aria-describedby="role-select-error"` : ''}>
${view.roles.map((r) => {
  const holder = i.roles[r];
  return html`<option value="${r}"${r === chosenRole ? html` selected` : ''}>${roleLabel(r)}${holder ? ` (now ${holder})` : ''}</option>`;
})}
</select>
${fieldError(role, 'role-select', 'role')}</div>
${textField(role, { id: 'role-person', name: 'person', label: 'Person', hint: 'leave empty for yourself', max: MAX_PERSON_LENGTH })}
<button type="submit">Assign role</button>`,
  )
}
${form(view, 'severity', 'Change severity', html`${formError(severity, ['severity'])}<div class="field"><label for="severity-select">Severity</label>
<select id="severity-select" name="severity">
${SEVERITIES.map((s) => html`<option value="${s}"${s === chosenSeverity ? html` selected` : ''}>${s.toUpperCase()} — ${SEVERITY_MEANING[s]}</option>`)}
</select>
${fieldError(severity, 'severity-select', 'severity')}</div>
<button type="submit">Change severity</button>`)}
${form(view, 'phase', 'Change phase', html`${formError(phase, ['note', 'waiver', 'action'])}${textField(phase, { id: 'phase-note', name: 'note', label: 'Note', hint: 'optional', max: MAX_TEXT_LENGTH })}
${step === 'close' && textField(phase, { id: 'phase-waiver', name: 'waiver', label: 'Waive open action items and checklist items', hint: waiverHint, max: MAX_TEXT_LENGTH })}
${fieldError(phase, 'phase-action', 'action')}
<div class="buttons">
${phaseActions(i).map(
  (a) =>
    html`<button type="submit" name="action" value="${a}"${a === 'reopen' ? html` class="secondary"` : ''}>${ACTION_LABEL[a]}${
      a === 'reopen' ? ' — back to active' : ` — ${PHASE_STEPS[a].meaning}`
    }</button>
`,
)}</div>`)}
${form(view, 'cadence', 'Update cadence', html`${formError(cadence, ['cadence'])}${textField(cadence, { id: 'cadence-value', name: 'cadence', label: 'Promise an update every', hint: 'e.g. 30m, 1h, or off', max: 16, initial: i.cadenceSeconds === null ? 'off' : formatCadence(i.cadenceSeconds), required: true })}
<div class="buttons"><button type="submit">Set cadence</button></div>`)}
${
  i.nextUpdateDue !== null &&
  form(view, 'snooze', 'Update reminder', html`${formError(stateOf(view, 'snooze'), [])}<p class="muted">Next update ${i.updateOverdue ? 'overdue' : 'due'}; snoozing gives 15 more minutes before the reminder.</p>
<button type="submit" class="secondary">Snooze 15 minutes</button>`)
}
${
  view.paging &&
  form(view, 'page', 'Page a team', html`${formError(page, ['team', 'message'])}${textField(page, { id: 'page-team', name: 'team', label: 'Team', hint: 'the team label your Alertmanager routes on, e.g. db-oncall', max: 63, required: true })}
${textField(page, { id: 'page-message', name: 'message', label: 'Message', hint: 'optional; what the pager says', max: MAX_PAGE_MESSAGE_LENGTH })}
<button type="submit">Page</button>`)
}
${form(view, 'rename', 'Rename', html`${formError(rename, ['title'])}${textField(rename, { id: 'rename-title', name: 'title', label: 'Title', max: MAX_TITLE_LENGTH, initial: i.title, required: true })}
<button type="submit">Rename</button>`)}
${form(view, 'visibility', 'Visibility', html`${formError(stateOf(view, 'visibility'), [])}<p>This incident is <strong>${i.private ? 'private' : 'public'}</strong>: ${
  i.private ? 'only its participants and admins see it on the web, and it is left off the status page.' : 'everyone signed in sees it, and it is on the status page.'
}</p>
${i.private ? '' : html`<input type="hidden" name="private" value="on">`}
<button type="submit" class="secondary">${i.private ? 'Make public' : 'Make private'}</button>`)}
</div>`;
}

/** Action items with, for those who may act, done and change forms per open item, and the add form. */
function actionItems(view: IncidentPageView, clock: Clock): SafeHtml {
  const i = view.incident;
  const change = stateOf(view, 'action-items/change');
  const done = stateOf(view, 'action-items/done');
  const add = stateOf(view, 'action-items');
  const rows = i.actionItems.map((a) => {
    const mine = (s: FormState) => s.values['item'] === String(a.id);
    const itemChange = mine(change) ? change : { values: {} };
    const manage =
      view.canAct &&
      a.state === 'open' &&
      html`<form method="post" action="/incidents/${i.number}/action-items/done" class="inline-form">${csrfField(view.csrfToken)}<input type="hidden" name="item" value="${a.id}"><button type="submit">Done</button></form>
<details${itemChange.error ? html` open` : ''}><summary>Change</summary>
<form method="post" action="/incidents/${i.number}/action-items/change">${csrfField(view.csrfToken)}<input type="hidden" name="item" value="${a.id}">
${formError(itemChange, ['owner', 'due'])}
${textField(itemChange, { id: `item-${a.id}-owner`, name: 'owner', label: 'Owner', hint: 'empty: nobody', max: MAX_PERSON_LENGTH, initial: a.owner ?? '' })}
<div class="field"><label for="item-${a.id}-due">Due</label><input type="date" id="item-${a.id}-due" name="due" value="${itemChange.values['due'] ?? a.due ?? ''}"${itemChange.error?.field === 'due' ? html` aria-invalid="true"` : ''}>
${fieldError(itemChange, `item-${a.id}-due`, 'due')}</div>
<button type="submit">Save</button>
</form></details>`;
    return html`<tr><td>${a.id}</td><td>${a.text}${a.issue && html` <a href="${a.issue.url}">issue #${a.issue.number}</a>`}${mine(done) && done.error && html`<p class="field-error" role="alert">${done.error.message}</p>`}</td><td>${a.owner ? user(a.owner) : '—'}</td><td>${a.due ?? '—'}</td><td>${
      a.state === 'done' ? html`done${a.doneAt && html` ${timeEl(a.doneAt, clock)}`}` : 'open'
    }${manage}</td></tr>
`;
  });
  const addForm =
    view.canAct &&
    html`<form method="post" action="/incidents/${i.number}/action-items"><fieldset><legend>Add an action item</legend>
${csrfField(view.csrfToken)}
${formError(add, ['text', 'owner', 'due'])}
${textField(add, { id: 'item-text', name: 'text', label: 'What must happen', max: 500, required: true })}
<div class="row">
${textField(add, { id: 'item-owner', name: 'owner', label: 'Owner', hint: 'optional', max: MAX_PERSON_LENGTH })}
<div class="field"><label for="item-due">Due <span class="hint">(optional)</span></label><input type="date" id="item-due" name="due" value="${add.values['due'] ?? ''}"${add.error?.field === 'due' ? html` aria-invalid="true" aria-describedby="item-due-error"` : ''}>
${fieldError(add, 'item-due', 'due')}</div>
</div>
${view.issues === 'request' && html`<div class="field"><label><input type="checkbox" name="issue"${add.values['issue'] ? html` checked` : ''}> Open a GitHub issue for it</label></div>`}
<button type="submit">Add action item</button>
</fieldset></form>`;
  return html`${rows.length ? table('Action items', ['#', 'Item', 'Owner', 'Due', 'State'], rows) : none('No action items.')}
${addForm}`;
}

/** The postmortem's human sections: shown as written, and a form to write them for those who may act. */
function postmortemSections(view: IncidentPageView): SafeHtml {
  const i = view.incident;
  const state = stateOf(view, 'postmortem');
  const written = SECTION_NAMES.filter((name) => i.postmortemSections[name]);
  return html`${written.length === 0 && none('No sections written yet.')}
${!view.canAct && written.map((name) => html`<h3>${SECTION_TITLES[name]}</h3><p class="prose">${i.postmortemSections[name]}</p>`)}
${view.canAct &&
  html`<form method="post" action="/incidents/${i.number}/postmortem"><fieldset><legend>Write the postmortem</legend>
${csrfField(view.csrfToken)}
${formError(state, SECTION_NAMES)}
${SECTION_NAMES.map((name) => textField(state, { id: `pm-${name}`, name, label: SECTION_TITLES[name], max: MAX_SECTION_LENGTH, multiline: true, rows: 4, initial: i.postmortemSections[name] }))}
<div class="buttons"><button type="submit">Save sections</button></div>
</fieldset></form>
<form method="post" action="/incidents/${i.number}/postmortem/write" class="inline-form">${csrfField(view.csrfToken)}<button type="submit" class="secondary">${i.postmortem ? 'Rewrite' : 'Write'} the postmortem document now</button></form>`}`;
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
  // A refused form whose error has no place beside its field goes at the top: a form the page no longer shows (an
  // incident that closed meanwhile), or one of the status page's forms (their section shows no field errors).
  const gone = closed && !/\/(action-items|postmortem)(\/|$)/.test(view.rejected?.form ?? '');
  const unshown = view.rejected && (gone || /\/status\//.test(view.rejected.form)) ? view.rejected.message : undefined;
  const error = view.error ?? unshown;
  const body = html`${error && html`<p class="error" role="alert">${error}</p>`}
${liveRegion(view)}
${section('roles-h', 'Roles', roles(i))}
${view.canAct && !closed && section('act-h', 'Act', forms(view))}
${view.canAct && closed && html`<p class="notice">This incident is closed: only its action items and postmortem are still written, below.</p>`}
${view.statusPage && section('status-h', 'Status page', statusSection(view.statusPage, clock))}
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
    ? table('Timeline', ['Time', 'Who', 'What'], i.timeline.map((e) => html`<tr><td class="when">${timeEl(e.at, clock)}</td><td>${user(e.actor)}</td><td>${e.captured ? capturedEntry(e.text, e.captured) : e.text}</td></tr>\n`))
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
${section('actions-h', 'Action items', actionItems(view, clock))}
${section(
  'durations-h',
  'Durations',
  html`<dl class="facts">
<dt>Time to acknowledge</dt><dd>${formatSeconds(i.durations.timeToAcknowledge)}</dd>
<dt>Time to mitigate</dt><dd>${formatSeconds(i.durations.timeToMitigate)}</dd>
<dt>Time to resolve</dt><dd>${formatSeconds(i.durations.timeToResolve)}</dd>
</dl>`,
)}
${section('sections-h', 'Postmortem sections', postmortemSections(view))}
${section('postmortem-h', 'Postmortem', i.postmortem ? postmortem(i.postmortem) : none('No postmortem yet.'))}`;
  return layout({ title: incidentTitle(view), body, nav: 'incident', accessNote: view.accessNote, refreshScript: true, deskScript: view.canAct });
}

/** The tab's title: it says "overdue" first, so a lapsed update shows in a background tab too. */
const incidentTitle = (view: IncidentPageView): string => `${view.incident.updateOverdue ? '(overdue) ' : ''}#${view.incident.number} ${view.incident.title}`;

/**
 * The part of the page that refreshes itself (board.js, told by /events): the overdue banner, heading and facts.
 * The forms stay outside it, so nobody's typing is replaced.
 */
function liveRegion(view: IncidentPageView): SafeHtml {
  const i = view.incident;
  const clock = { now: view.now, timeZone: view.timeZone };
  const closed = i.phase === 'closed';
  return html`<div id="incident-live" data-live="/incidents/${i.number}?fragment=live" data-title="${incidentTitle(view)} · sitroom">
${i.updateOverdue && !closed && i.nextUpdateDue && html`<p class="banner">Update for #${i.number} is <strong class="overdue">overdue since ${timeEl(i.nextUpdateDue, clock)}</strong>${view.canAct && html` — <a href="#update-text">post one</a>`}</p>`}
<h1><span class="num">#${i.number}</span> ${i.title}</h1>
<p class="meta">${severityBadge(i.severity)} <span class="phase-name">${i.phase}</span>${i.drill && html` <span class="tag">DRILL</span>`}${i.type && html` <span class="tag">${i.type}</span>`}${i.private && html` <span class="tag">private</span>`}</p>
${facts(i, clock)}
</div>`;
}

/** Just the live region: the answer to `/incidents/<n>?fragment=live`. */
export const incidentLiveFragment = (view: IncidentPageView): string => liveRegion(view).toString();
