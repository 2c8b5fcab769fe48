/**
 * Publishing an incident on the public status page (SPEC §6): a decision someone takes, under public wording.
 * Nothing about an incident is public until it is published; a publication carries only what its authors wrote
 * for the public (title, impact, components, public updates), never the internal title, updates or people.
 * Pure rules: (incident, current publication, input, now) -> the next publication and the timeline events.
 */
import { IncidentError } from './errors.ts';
import type { QueuedEffect } from './effects.ts';
import type { Incident, UserId } from './incident.ts';
import { cleanText, MAX_TEXT_LENGTH, MAX_TITLE_LENGTH } from './incident-rules.ts';
import type { Severity } from './severity.ts';
import { event, type TimelineEvent } from './timeline.ts';

/** How bad it is for the public, worst last (the status page's words, after Atlassian Statuspage's levels). */
export const IMPACTS = ['degraded', 'partial', 'major'] as const;
export type Impact = (typeof IMPACTS)[number];

export const IMPACT_LABEL: Readonly<Record<Impact, string>> = {
  degraded: 'Degraded performance',
  partial: 'Partial outage',
  major: 'Major outage',
};

/**
 * The impact a published incident shows until someone sets one: sev1 (complete outage) is a major outage, sev2
 * (major functionality broken) a partial outage, sev3 and below degraded performance.
 */
export const defaultImpact = (severity: Severity): Impact => (severity === 'sev1' ? 'major' : severity === 'sev2' ? 'partial' : 'degraded');

/** `major`, `major-outage`, `Major outage`, `partial`, `degraded`, `degraded-performance` … -> the level, or undefined. */
export function parseImpact(word: string): Impact | undefined {
  const w = word.trim().toLowerCase().replace(/[\s_]+/g, '-');
  return IMPACTS.find((level) => w === level || w === IMPACT_LABEL[level].toLowerCase().replace(/\s+/g, '-'));
}

export interface PublicUpdate {
  text: string;
  at: number;
  /** Kept for the timeline and the team; never shown publicly. */
  by: UserId;
}

export interface Publication {
  incidentNumber: number;
  /** A random id for public URLs, feed entries and JSON: the incident's number is not public. */
  publicId: string;
  title: string;
  /** Set explicitly; null: follow the severity (defaultImpact). */
  impact: Impact | null;
  /** Affected components, from STATUS_COMPONENTS. */
  components: readonly string[];
  publishedAt: number;
  publishedBy: UserId;
  /**
   * When what the public sees last changed by a decision (publish, re-title, impact, components, public update,
   * take-down): the feed entry's <updated> moves with it. 0 for publications stored before it was kept.
   */
  changedAt: number;
  /** False once taken down: the row stays so a re-publish keeps its id and public updates. */
  live: boolean;
  /** Public updates, oldest first. */
  updates: readonly PublicUpdate[];
}

export interface PublicationChange {
  publication: Publication;
  events: TimelineEvent[];
  /** What the chat is told, written in the same transaction (the outbox). */
  effects?: readonly QueuedEffect[];
}

/** The impact the public sees for this incident. */
export const impactOf = (publication: Pick<Publication, 'impact'>, incident: Pick<Incident, 'severity'>): Impact => publication.impact ?? defaultImpact(incident.severity);

/** Whether the incident may ever be public: private incidents never are, nor drills (practice is never shown to the public). */
function assertPublishable(incident: Incident): void {
  if (incident.isPrivate) throw new IncidentError('private_not_publishable', { number: String(incident.number) });
  if (incident.drill) throw new IncidentError('drill_not_publishable', { number: String(incident.number) });
}

function live(incident: Incident, current: Publication | undefined): Publication {
  assertPublishable(incident);
  if (!current?.live) throw new IncidentError('not_published', { number: String(incident.number) });
  return current;
}

/** Whether an incident and its publication may appear on a public route: published, live, and not (or no longer) private. */
export const isPublic = (incident: Incident, publication: Publication | undefined): publication is Publication =>
  publication !== undefined && publication.live && !incident.isPrivate && !incident.drill;

/** Puts the incident on the status page under `title` (or re-titles it there). */
export function publish(incident: Incident, current: Publication | undefined, title: string, actor: UserId, now: number, publicId: string): PublicationChange {
  assertPublishable(incident);
  const publicTitle = cleanText(title, MAX_TITLE_LENGTH, { multiline: false });
  if (current?.live && current.title === publicTitle) throw new IncidentError('already_published', { title: publicTitle });
  const retitle = current?.live === true;
  const publication: Publication = current
    ? { ...current, title: publicTitle, live: true, changedAt: now, ...(retitle ? {} : { publishedAt: now, publishedBy: actor }) }
    : { incidentNumber: incident.number, publicId, title: publicTitle, impact: null, components: [], publishedAt: now, publishedBy: actor, changedAt: now, live: true, updates: [] };
  const text = retitle ? `Public title changed to: ${publicTitle}` : `Published on the status page as: ${publicTitle}`;
  return { publication, events: [event(retitle ? 'public_title_changed' : 'published', now, actor, text, { title: publicTitle })] };
}

/** Takes the incident off the status page. */
export function unpublish(incident: Incident, current: Publication | undefined, actor: UserId, now: number): PublicationChange {
  if (!current?.live) throw new IncidentError('not_published', { number: String(incident.number) });
  return { publication: { ...current, live: false, changedAt: now }, events: [event('unpublished', now, actor, 'Taken off the status page')] };
}

/** A public update: shown on the status page and in its feed (separate from the internal stakeholder update). */
export function postPublicUpdate(incident: Incident, current: Publication | undefined, text: string, actor: UserId, now: number): PublicationChange {
  const publication = live(incident, current);
  const clean = cleanText(text, MAX_TEXT_LENGTH);
  return {
    publication: { ...publication, updates: [...publication.updates, { text: clean, at: now, by: actor }], changedAt: now },
    events: [event('public_update_posted', now, actor, `Public update: ${clean}`)],
  };
}

/** Sets the impact the public sees. */
export function setImpact(incident: Incident, current: Publication | undefined, impact: Impact, actor: UserId, now: number): PublicationChange {
  const publication = live(incident, current);
  if (impactOf(publication, incident) === impact && publication.impact !== null) throw new IncidentError('same_impact', { impact: IMPACT_LABEL[impact] });
  return {
    publication: { ...publication, impact, changedAt: now },
    events: [event('public_impact_changed', now, actor, `Public impact: ${IMPACT_LABEL[impact]}`, { impact })],
  };
}

/**
 * `api, checkout` -> the components, each one of `known` (STATUS_COMPONENTS); `none` clears them.
 * Unknown names are refused, naming the known ones.
 */
export function parseComponents(input: string, known: readonly string[]): string[] {
  if (known.length === 0) throw new IncidentError('no_components');
  const names = input.split(/[\s,]+/).map((n) => n.trim().toLowerCase()).filter(Boolean);
  if (names.length === 0) throw new IncidentError('empty_text');
  if (names.length === 1 && names[0] === 'none') return [];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new IncidentError('unknown_component', { names: unknown.join(', '), known: known.join(', ') });
  return [...new Set(names)];
}

/** Sets the affected components (already validated by parseComponents). */
export function setComponents(incident: Incident, current: Publication | undefined, components: readonly string[], actor: UserId, now: number): PublicationChange {
  const publication = live(incident, current);
  const text = components.length ? `Affected components: ${components.join(', ')}` : 'No affected components listed';
  return { publication: { ...publication, components: [...components], changedAt: now }, events: [event('public_components_changed', now, actor, text, { components: components.join(',') })] };
}
