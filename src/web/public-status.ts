/**
 * What the public status routes (/status, /status.json, /status/feed.atom) may say, built in one place through a
 * strict schema: the public title, impact, public status word, affected components, public updates (text and time)
 * and when it started and was resolved. Nothing else about an incident — no internal title or updates, no people,
 * no number, no war room — can reach a public route, because nothing else is in this shape.
 */
import { z } from 'zod';
import type { Phase } from '../incidents/phases.ts';
import { IMPACT_LABEL, IMPACTS, type Impact, impactOf } from '../incidents/publication.ts';
import type { PublicEntry } from '../incidents/publishing-service.ts';

/** What each phase means to someone outside the team. */
export const PUBLIC_STATUSES = ['investigating', 'monitoring', 'resolved'] as const;
export type PublicStatus = (typeof PUBLIC_STATUSES)[number];
const PUBLIC_STATUS: Readonly<Record<Phase, PublicStatus>> = { active: 'investigating', mitigated: 'monitoring', resolved: 'resolved', closed: 'resolved' };
export const PUBLIC_STATUS_TEXT: Readonly<Record<PublicStatus, string>> = {
  investigating: 'We are working on it',
  monitoring: 'A fix is in place; we are monitoring',
  resolved: 'Resolved',
};

const iso = z.iso.datetime();

export const publicIncidentSchema = z.strictObject({
  id: z.string(),
  title: z.string(),
  impact: z.enum(IMPACTS),
  impactLabel: z.string(),
  status: z.enum(PUBLIC_STATUSES),
  components: z.array(z.string()),
  startedAt: iso,
  updatedAt: iso,
  resolvedAt: iso.nullable(),
  /** Newest first. */
  updates: z.array(z.strictObject({ at: iso, text: z.string() })),
});
export type PublicIncident = z.infer<typeof publicIncidentSchema>;

export const statusDocumentSchema = z.strictObject({
  /** `operational`, or the worst impact among incidents not yet resolved. */
  overall: z.enum(['operational', ...IMPACTS]),
  overallLabel: z.string(),
  updatedAt: iso,
  components: z.array(z.strictObject({ name: z.string(), status: z.enum(['operational', ...IMPACTS]) })),
  incidents: z.array(publicIncidentSchema),
});
export type StatusDocument = z.infer<typeof statusDocumentSchema>;

const isoOf = (ms: number) => new Date(ms).toISOString();
const worse = (a: Impact | 'operational', b: Impact): Impact => (a === 'operational' || IMPACTS.indexOf(b) > IMPACTS.indexOf(a) ? b : a);

export function publicIncident({ incident, publication }: PublicEntry): PublicIncident {
  const impact = impactOf(publication, incident);
  const status = PUBLIC_STATUS[incident.phase];
  const resolvedAt = status === 'resolved' ? (incident.resolvedAt ?? incident.closedAt) : null;
  // When a public fact last changed (a feed reader shows an entry again only when its <updated> moves): a decision
  // on the publication (publish, re-title, impact, components, public update), and the public status word moving
  // to monitoring or resolved.
  const monitoringSince = status === 'monitoring' ? incident.mitigatedAt : null;
  const times = [publication.publishedAt, publication.changedAt, ...publication.updates.map((u) => u.at), ...[monitoringSince, resolvedAt].filter((t) => t !== null)];
  return publicIncidentSchema.parse({
    id: publication.publicId,
    title: publication.title,
    impact,
    impactLabel: IMPACT_LABEL[impact],
    status,
    components: [...publication.components],
    startedAt: isoOf(incident.declaredAt),
    updatedAt: isoOf(Math.max(...times)),
    resolvedAt: resolvedAt === null ? null : isoOf(resolvedAt),
    updates: [...publication.updates].reverse().map((u) => ({ at: isoOf(u.at), text: u.text })),
  });
}

/**
 * The whole public picture at `now`: incidents (open ones first, the worst impact first, then the most recently
 * updated), the overall state and each component's.
 */
export function statusDocument(entries: readonly PublicEntry[], components: readonly string[], now: number): StatusDocument {
  const incidents = entries
    .map(publicIncident)
    .sort(
      (a, b) =>
        Number(a.status === 'resolved') - Number(b.status === 'resolved') ||
        (a.status === 'resolved' ? 0 : IMPACTS.indexOf(b.impact) - IMPACTS.indexOf(a.impact)) ||
        b.updatedAt.localeCompare(a.updatedAt),
    );
  let overall: Impact | 'operational' = 'operational';
  const byComponent = new Map<string, Impact | 'operational'>(components.map((c) => [c, 'operational']));
  for (const i of incidents.filter((x) => x.status !== 'resolved')) {
    overall = worse(overall, i.impact);
    for (const c of i.components) if (byComponent.has(c)) byComponent.set(c, worse(byComponent.get(c) ?? 'operational', i.impact));
  }
  return statusDocumentSchema.parse({
    overall,
    overallLabel: overall === 'operational' ? 'All systems operational' : IMPACT_LABEL[overall],
    updatedAt: isoOf(now),
    components: [...byComponent].map(([name, status]) => ({ name, status })),
    incidents,
  });
}
