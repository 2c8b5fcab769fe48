/**
 * An incident's window on Grafana dashboards (issue 14): one region annotation per incident, from its declaration to
 * its mitigation and then its resolution, tagged so a dashboard's annotation query can pick it out (`sitroom`, the
 * severity, `inc-<n>`). Pure: the incident -> the annotation it should have now.
 */
import type { Incident } from './incident.ts';

export interface DashboardAnnotation {
  /** Epoch milliseconds: the declaration. */
  time: number;
  /** Epoch milliseconds: when the incident was resolved, else mitigated; the declaration while it is active (a point). */
  timeEnd: number;
  tags: string[];
  text: string;
}

/** The annotation for `incident`, or null when it gets none: drills are practice and stay off the dashboards. */
export function annotationFor(incident: Incident): DashboardAnnotation | null {
  if (incident.drill) return null;
  const end = incident.resolvedAt ?? incident.mitigatedAt ?? incident.declaredAt;
  // A private incident's title stays in its war room: dashboards are seen by more people.
  const title = incident.isPrivate ? 'private incident' : incident.title;
  const phase = incident.resolvedAt !== null ? 'resolved' : incident.mitigatedAt !== null ? 'mitigated' : 'active';
  return {
    time: incident.declaredAt,
    timeEnd: Math.max(end, incident.declaredAt),
    tags: ['sitroom', incident.severity, `inc-${incident.number}`],
    text: `Incident #${incident.number} [${incident.severity.toUpperCase()}] ${title} (${phase})`,
  };
}
