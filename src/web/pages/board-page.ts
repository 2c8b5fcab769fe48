/**
 * GET /: the incident board, one column per phase (closed: the last 14 days), a card per incident, banners for
 * overdue updates and — for those who may act — the declare form. The columns refresh themselves: BOARD_SCRIPT
 * (served at /assets/board.js) fetches `/?fragment=columns` (answered with `boardColumns`) and swaps it in.
 */
import type { IncidentSummary } from '../api-schema.ts';
import type { Phase } from '../../incidents/phases.ts';
import { DEFAULT_SEVERITY, SEVERITIES, SEVERITY_MEANING } from '../../incidents/severity.ts';
import { ageOf, type Clock, csrfField, nextUpdate, severityBadge, timeEl, user } from './fragments.ts';
import { html, raw, safeUrl, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';
import { fieldError, formError, formState, type Rejected, textField } from './form-fields.ts';
import { MAX_TITLE_LENGTH } from '../../incidents/incident-rules.ts';

export interface BoardView {
  columns: { phase: Phase; incidents: IncidentSummary[] }[];
  now: number;
  timeZone: string;
  csrfToken: string;
  canAct: boolean;
  accessNote?: string;
  /** Signed in with a session: show a sign-out button. */
  signOut?: boolean;
  /** Open incidents whose stakeholder update is overdue. */
  banners: IncidentSummary[];
  /** INCIDENT_TYPES, offered by the declare form. */
  incidentTypes?: readonly string[];
  /** A refused declare: shown again with what was typed and the error beside its field. */
  rejected?: Rejected;
}

/** What the page is without its live region (the part that costs: every open incident, rendered). */
export type BoardFrame = Omit<BoardView, 'columns' | 'banners'>;

/** The live region rendered once: its HTML and the tab title it implies (kept together in the board's cache). */
export interface BoardLive {
  html: string;
  title: string;
}

/** How often the board refreshes its columns. */
export const BOARD_REFRESH_MS = 15_000;

const COLUMN_HEADING: Readonly<Record<Phase, string>> = {
  active: 'active',
  mitigated: 'mitigated',
  resolved: 'resolved',
  closed: 'closed (last 14 days)',
};

function card(i: IncidentSummary, clock: Clock): SafeHtml {
  const ic = i.roles['commander'];
  const warRoom = safeUrl(i.warRoom?.url);
  return html`<li class="card sev-${i.severity}">
<h3><a href="/incidents/${i.number}"><span class="num">#${i.number}</span> ${i.title}</a></h3>
<p class="meta">${severityBadge(i.severity)}${i.drill && html` <span class="tag">DRILL</span>`}${i.type && html` <span class="tag">${i.type}</span>`}${i.private && html` <span class="tag">private</span>`}</p>
<dl class="facts">
<dt>IC</dt><dd>${ic ? user(ic) : html`<span class="muted">no IC</span>`}</dd>
${i.checklist && html`<dt>Checklist</dt><dd>${i.checklist.done}/${i.checklist.total}</dd>`}
<dt>Age</dt><dd>${ageOf(i.declaredAt, clock)}</dd>
<dt>Next update</dt><dd>${nextUpdate(i, clock)}</dd>
</dl>
${warRoom && html`<p><a href="${warRoom}" rel="noopener noreferrer">War room${i.warRoom ? html` <span class="muted">${i.warRoom.name}</span>` : ''}</a></p>`}
</li>`;
}

function columnsHtml(view: BoardView): SafeHtml {
  const clock = { now: view.now, timeZone: view.timeZone };
  return html`<div id="board-columns" class="columns">
${view.columns.map(
  ({ phase, incidents }) => html`<section class="column" aria-labelledby="col-${phase}">
<h2 id="col-${phase}">${COLUMN_HEADING[phase]} <span class="muted">(${incidents.length})</span></h2>
${incidents.length ? html`<ul class="cards">
${incidents.map((i) => card(i, clock))}
</ul>` : html`<p class="empty">No incidents</p>`}
</section>
`,
)}</div>`;
}

/** The tab's title: the count of overdue updates first, so a lapse shows in a background tab too. */
function boardTitle(view: BoardView): string {
  const overdue = view.banners.filter((i) => i.updateOverdue).length;
  return `${overdue ? `(${overdue} overdue) ` : ''}Incident board`;
}

/** The part of the board that refreshes itself: overdue banners and the columns. */
function liveRegion(view: BoardView): SafeHtml {
  return html`<div id="board-live" data-live="/?fragment=columns" data-title="${boardTitle(view)} · sitroom">
${bannersHtml(view)}
${columnsHtml(view)}
</div>`;
}

/** Just the live region (banners and `<div id="board-columns">…</div>`): the answer to `/?fragment=columns`. */
export function boardColumns(view: BoardView): string {
  return boardLive(view).html;
}

/** The live region and the title it implies, to render the whole page around later (boardPageAround). */
export function boardLive(view: BoardView): BoardLive {
  return { html: liveRegion(view).toString(), title: boardTitle(view) };
}

function bannersHtml(view: BoardView): SafeHtml | false {
  const clock = { now: view.now, timeZone: view.timeZone };
  const due = view.banners.filter((i) => i.updateOverdue && i.nextUpdateDue !== null);
  return (
    due.length > 0 &&
    html`<section aria-labelledby="banners-h">
<h2 id="banners-h" class="visually-hidden">Overdue updates</h2>
<ul class="banners">
${due.map((i) => html`<li class="banner"><a href="/incidents/${i.number}">Update for #${i.number} ${i.title}</a> is <strong class="overdue">overdue since ${i.nextUpdateDue && timeEl(i.nextUpdateDue, clock)}</strong></li>
`)}</ul>
</section>`
  );
}

function declareForm(view: BoardFrame): SafeHtml {
  const state = formState(view.rejected, '/incidents');
  const severity = state.values['severity'] ?? DEFAULT_SEVERITY;
  return html`<section aria-labelledby="declare-h">
<h2 id="declare-h">Declare an incident</h2>
<form method="post" action="/incidents" class="declare">
${csrfField(view.csrfToken)}
<div class="row">
${formError(state, ['title', 'type'])}
${textField(state, { id: 'declare-title', name: 'title', label: 'Title', max: MAX_TITLE_LENGTH, required: true, grow: true })}
<div class="field"><label for="declare-severity">Severity</label>
<select id="declare-severity" name="severity">
${SEVERITIES.map((s) => html`<option value="${s}"${s === severity ? html` selected` : ''}>${s.toUpperCase()} — ${SEVERITY_MEANING[s]}</option>`)}
</select></div>
${
  view.incidentTypes?.length
    ? html`<div class="field"><label for="declare-type">Type</label>
<select id="declare-type" name="type"><option value="">none</option>
${view.incidentTypes.map((t) => html`<option value="${t}"${state.values['type'] === t ? html` selected` : ''}>${t}</option>`)}
</select>
${fieldError(state, 'declare-type', 'type')}</div>`
    : ''
}
<div class="field inline"><input type="checkbox" id="declare-private" name="private" value="on"${state.values['private'] === 'on' ? html` checked` : ''}><label for="declare-private">Private</label></div>
<div class="field inline"><input type="checkbox" id="declare-drill" name="drill" value="on"${state.values['drill'] === 'on' ? html` checked` : ''}><label for="declare-drill">Drill (practice: not announced, not counted)</label></div>
<div class="field"><button type="submit">Declare</button></div>
</div>
</form>
</section>`;
}

export function boardPage(view: BoardView): string {
  return boardPageAround(view, boardLive(view));
}

/** The whole board around a live region already rendered (the web keeps it until something changes). */
export function boardPageAround(view: BoardFrame, live: BoardLive): string {
  const body = html`<h1>Incident board</h1>
${view.canAct && declareForm(view)}
${raw(live.html)}`;
  return layout({ title: live.title, body, nav: 'board', refreshScript: true, deskScript: view.canAct, accessNote: view.accessNote, ...(view.signOut ? { signOutCsrf: view.csrfToken } : {}) });
}

/**
 * The live pages' progressive enhancement, served at /assets/board.js (board and incident pages): each element with
 * `data-live="<url>"` is re-fetched and swapped in when /events says something changed, every 15 s as a fallback
 * (no EventSource, a dropped stream), and when the tab becomes visible again. The tab title follows the fresh
 * region's `data-title` (so "overdue" shows in a background tab). It never moves focus: while focus is inside a
 * live region (someone is tabbing through it) it waits for the next round, and any failure (offline, server
 * restarting, signed out) leaves the page as it is.
 */
export const BOARD_SCRIPT = `(function () {
  'use strict';
  var PERIOD = ${BOARD_REFRESH_MS};
  var busy = false;
  function regions() { return Array.prototype.slice.call(document.querySelectorAll('[data-live]')); }
  function focusInside() {
    return regions().some(function (el) { return el.contains(document.activeElement) && document.activeElement !== document.body; });
  }
  function refresh() {
    var first = regions()[0];
    if (busy || document.hidden || !first || focusInside() || typeof fetch !== 'function') return;
    busy = true;
    fetch(first.getAttribute('data-live'), { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'text/html' } })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (text) {
        if (!text || focusInside()) return;
        var template = document.createElement('template');
        template.innerHTML = text;
        regions().forEach(function (now) {
          var next = now.id && template.content.getElementById(now.id);
          if (!next) return;
          now.replaceWith(next);
          var title = next.getAttribute('data-title');
          if (title) document.title = title;
        });
      })
      .catch(function () { /* keep the page as it is; try again next round */ })
      .then(function () { busy = false; });
  }
  setInterval(refresh, PERIOD);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) refresh(); });
  if (typeof EventSource === 'function' && regions().length) {
    new EventSource('/events').addEventListener('change', refresh);
  }
})();
`;
