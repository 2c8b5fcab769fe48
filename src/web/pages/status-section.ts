/**
 * The "Status page" section of an incident page: whether the incident is on the public status page and under what
 * public wording, and — for those who may act — the small forms to publish (or re-title), post a public update,
 * set the impact and affected components, and take it down. Private incidents and drills get a plain "never public" note.
 */
import { IMPACT_LABEL, IMPACTS, type Impact } from '../../incidents/publication.ts';
import { csrfField, type Clock, timeEl } from './fragments.ts';
import { html, type SafeHtml } from './html.ts';

export interface PublicationView {
  live: boolean;
  title: string;
  /** The impact shown, and whether someone set it (else it follows the severity). */
  impact: Impact;
  impactSet: boolean;
  components: readonly string[];
  /** Public updates, newest first. */
  updates: readonly { at: string; text: string }[];
}

export interface StatusSectionView {
  number: number;
  isPrivate: boolean;
  /** A drill: practice, never public either. */
  drill?: boolean;
  /** Undefined: never published. */
  publication: PublicationView | undefined;
  /** STATUS_COMPONENTS. */
  components: readonly string[];
  /** The impact a publication would default to (from the severity). */
  defaultImpact: Impact;
  canAct: boolean;
  csrfToken: string;
}

function publishedFacts(p: PublicationView, clock: Clock): SafeHtml {
  return html`<dl class="facts">
<dt>On the status page</dt><dd>${p.live ? html`<strong>yes</strong>, as “${p.title}”` : html`no (taken down; was “${p.title}”)`}</dd>
<dt>Impact</dt><dd>${IMPACT_LABEL[p.impact]}${!p.impactSet && html` <span class="muted">(from the severity)</span>`}</dd>
<dt>Components</dt><dd>${p.components.length ? p.components.join(', ') : html`<span class="muted">none listed</span>`}</dd>
<dt>Public updates</dt><dd>${
    p.updates.length
      ? html`<ul class="public-updates">${p.updates.map((u) => html`<li><span class="when">${timeEl(u.at, clock)}</span> ${u.text}</li>`)}</ul>`
      : html`<span class="muted">none yet</span>`
  }</dd>
</dl>`;
}

function forms(v: StatusSectionView): SafeHtml {
  const base = `/incidents/${v.number}/status`;
  const csrf = csrfField(v.csrfToken);
  const p = v.publication;
  const live = p?.live === true;
  return html`<div class="actions">
<form method="post" action="${base}/publish"><fieldset><legend>${live ? 'Change the public title' : 'Publish on the status page'}</legend>
${csrf}
<div class="field"><label for="publish-title">Public title <span class="hint">(what customers see; not the internal title)</span></label>
<input type="text" id="publish-title" name="title" required maxlength="200" autocomplete="off"${p ? html` value="${p.title}"` : ''}></div>
<button type="submit">${live ? 'Change title' : 'Publish'}</button>
</fieldset></form>
${
  live &&
  html`<form method="post" action="${base}/update"><fieldset><legend>Post a public update</legend>
${csrf}
<div class="field"><label for="public-update-text">Public update <span class="hint">(shown on the status page and its feed)</span></label>
<textarea id="public-update-text" name="text" rows="3" required></textarea></div>
<button type="submit">Post public update</button>
</fieldset></form>
<form method="post" action="${base}/impact"><fieldset><legend>Public impact</legend>
${csrf}
<div class="field"><label for="impact-select">Impact</label>
<select id="impact-select" name="impact">
${IMPACTS.map((level) => html`<option value="${level}"${level === (p?.impact ?? v.defaultImpact) ? html` selected` : ''}>${IMPACT_LABEL[level]}</option>`)}
</select></div>
<button type="submit">Set impact</button>
</fieldset></form>
${
  v.components.length > 0 &&
  html`<form method="post" action="${base}/components"><fieldset><legend>Affected components</legend>
${csrf}
<div class="field"><label for="components-input">Components <span class="hint">(comma-separated: ${v.components.join(', ')}; or none)</span></label>
<input type="text" id="components-input" name="components" required autocomplete="off" value="${p?.components.join(',') ?? ''}"></div>
<button type="submit">Set components</button>
</fieldset></form>`
}
<form method="post" action="${base}/unpublish"><fieldset><legend>Take it down</legend>
${csrf}
<button type="submit" class="secondary">Unpublish</button>
</fieldset></form>`
}
</div>`;
}

/** The section's content (its heading is the incident page's). */
export function statusSection(v: StatusSectionView, clock: Clock): SafeHtml {
  if (v.isPrivate) return html`<p class="empty">Private incidents never go on the public status page.</p>`;
  if (v.drill) return html`<p class="empty">Drills are practice: they never go on the public status page.</p>`;
  return html`${v.publication ? publishedFacts(v.publication, clock) : html`<p class="empty">Not on the status page: nothing about this incident is public until someone publishes it under a public title.</p>`}
${v.canAct && forms(v)}`;
}
