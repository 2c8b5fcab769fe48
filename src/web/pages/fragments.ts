/** Small pieces the pages share: severity badge, times, the CSRF field, who is who. */
import type { IncidentSummary } from '../api-schema.ts';
import { formatAge, formatTime } from '../../presentation/format-time.ts';
import { needsUpdates } from '../../incidents/phases.ts';
import { type Severity, SEVERITY_MEANING } from '../../incidents/severity.ts';
import { html, type SafeHtml } from './html.ts';

export interface Clock {
  now: number;
  timeZone: string;
}

/** `<span class="badge sev-sev2">SEV2</span>`: the severity named in text, coloured as a second signal. */
export const severityBadge = (severity: Severity): SafeHtml =>
  html`<span class="badge sev-${severity}" title="${SEVERITY_MEANING[severity]}">${severity.toUpperCase()}</span>`;

/** A `<time>` element showing the time in the team's zone (with the date when not today). */
export function timeEl(iso: string, clock: Clock): SafeHtml {
  return html`<time datetime="${iso}">${formatTime(Date.parse(iso), clock.timeZone, clock.now)}</time>`;
}

/** How long since `iso`, e.g. `2h 5m`. */
export const ageOf = (iso: string, clock: Clock): string => formatAge(clock.now - Date.parse(iso));

/** The hidden field every form posts. */
export const csrfField = (token: string): SafeHtml => html`<input type="hidden" name="csrf" value="${token}">`;

/** A user id as shown on the pages. */
export const user = (id: string): SafeHtml => html`<span class="user">${id}</span>`;

/**
 * The next stakeholder update: `overdue since 14:30 UTC` (highlighted, the word always there), `14:30 UTC (in 12m)`,
 * or why none is due.
 */
export function nextUpdate(i: IncidentSummary, clock: Clock): SafeHtml {
  if (i.nextUpdateDue === null) return html`<span class="muted">${needsUpdates(i.phase) ? 'no update cadence' : 'no updates due'}</span>`;
  const due = Date.parse(i.nextUpdateDue);
  if (i.updateOverdue) return html`<strong class="overdue">overdue since ${timeEl(i.nextUpdateDue, clock)}</strong>`;
  return html`${timeEl(i.nextUpdateDue, clock)} <span class="muted">(in ${formatAge(due - clock.now)})</span>`;
}
