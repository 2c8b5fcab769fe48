/**
 * Paging the on-call through the team's own Alertmanager (issue 14): sitroom does not page anyone itself; it raises
 * an alert (`alertname="SitroomPage"`) that the team's existing routes deliver to PagerDuty, Grafana IRM, ntfy or
 * e-mail. The alert fires while the incident is active (sitroom re-posts it: Alertmanager resolves an alert it stops
 * hearing about) and is resolved when the incident is mitigated. Pure rules: (incident, pages, input, now) -> a page.
 */
import { IncidentError } from './errors.ts';
import type { Incident, UserId } from './incident.ts';
import { optionalText } from './incident-rules.ts';
import type { Severity } from './severity.ts';
import { event, type TimelineEvent } from './timeline.ts';

/** One team paged for one incident. */
export interface Page {
  id: number;
  incidentNumber: number;
  /** The `team` label value; the team's Alertmanager routes match on it. */
  team: string;
  /** What the pager says besides the title ("" when none was given). */
  message: string;
  /**
   * The severity when paged, kept on the alert for its whole life: Alertmanager identifies an alert by its label
   * set, so a label that changed would raise a second alert and leave the first to time out.
   */
  severity: Severity;
  pagedAt: number;
  pagedBy: UserId;
  /** When the alert was last (re-)queued as firing, or resolved. */
  refreshedAt: number;
  /** When the page was resolved (the incident left `active`); null while it fires. */
  resolvedAt: number | null;
}

export type NewPage = Omit<Page, 'id'>;

/** A message longer than this is cut: pagers show a line or two. */
export const MAX_PAGE_MESSAGE_LENGTH = 500;

/**
 * How often a firing page is re-posted, and how long each post keeps it firing (`endsAt`). The margin lets a
 * restart or a slow Alertmanager pass without the page resolving on its own.
 */
export const PAGE_REFRESH_MS = 60_000;
export const PAGE_FIRING_FOR_MS = 5 * 60_000;

/**
 * A team as Alertmanager routes will match it: a label value of letters, digits, `-`, `_` and `.`, starting with a
 * letter or digit (the same words as a channel or an on-call schedule's name; no spaces, quotes or matchers).
 */
const TEAM = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export const isTeamName = (team: string): boolean => TEAM.test(team);

export function checkTeam(input: string): string {
  const team = input.trim();
  if (!isTeamName(team)) throw new IncidentError('invalid_team', { input: team.slice(0, 40) });
  return team;
}

/**
 * A new page of `team` for `incident`, and its timeline entry. Only an active incident pages (a mitigated one no
 * longer needs anyone woken); drills never page (practice must not wake the on-call); a team already paged and still
 * firing is not paged twice.
 */
export function newPage(
  incident: Incident,
  open: readonly Page[],
  input: { team: string; message: string },
  actor: UserId,
  now: number,
): { page: NewPage; entry: TimelineEvent } {
  if (incident.drill) throw new IncidentError('drill_not_paged', { number: String(incident.number) });
  if (incident.phase !== 'active') throw new IncidentError('page_not_active', { number: String(incident.number), phase: incident.phase });
  const team = checkTeam(input.team);
  const message = optionalText(input.message, MAX_PAGE_MESSAGE_LENGTH);
  const firing = open.find((p) => p.team === team && p.resolvedAt === null);
  if (firing) throw new IncidentError('already_paged', { team, number: String(incident.number) });
  const page: NewPage = { incidentNumber: incident.number, team, message, severity: incident.severity, pagedAt: now, pagedBy: actor, refreshedAt: now, resolvedAt: null };
  const entry = event('paged', now, actor, `Paged ${team}${message ? `: ${message}` : ''}`, { team, message });
  return { page, entry };
}

/** What a firing page needs now: re-posting, resolving (its incident is no longer active), or nothing yet. */
export function pageDue(page: Page, incident: Pick<Incident, 'phase'> | undefined, now: number): 'refresh' | 'resolve' | null {
  if (page.resolvedAt !== null) return null;
  if (!incident || incident.phase !== 'active') return 'resolve';
  return now - page.refreshedAt >= PAGE_REFRESH_MS ? 'refresh' : null;
}

/** The timeline entry when a page is resolved with its incident. */
export const pageResolvedEntry = (page: Page, now: number): TimelineEvent =>
  event('page_resolved', now, 'sitroom', `Page of ${page.team} resolved`, { team: page.team });
