/**
 * Keeps each incident's Grafana annotation (dashboard-annotation.ts) in step with the incident: whenever what the
 * annotation should say changes, one state-setting row is queued in the outbox. Told by the incident service as
 * incidents change, and swept now and then, so a change missed by a crash (or made by another replica) still goes out.
 */
import { annotationFor } from './dashboard-annotation.ts';
import type { Incident } from './incident.ts';
import { annotationEffect } from './integration-effects.ts';
import type { AnnotationStore } from './integration-ports.ts';
import type { Clock, IncidentObserver, IncidentStore } from './ports.ts';

export interface AnnotationSyncOptions {
  incidents: Pick<IncidentStore, 'listOpen'>;
  store: AnnotationStore;
  clock: Clock;
}

export class AnnotationSync implements IncidentObserver {
  private readonly o: AnnotationSyncOptions;

  constructor(options: AnnotationSyncOptions) {
    this.o = options;
  }

  /** Queues the incident's annotation when it should now say something else; true when queued. */
  async sync(incident: Incident): Promise<boolean> {
    const annotation = annotationFor(incident);
    if (!annotation) return false;
    return this.o.store.queueAnnotation(incident.number, JSON.stringify(annotation), [annotationEffect(incident.number, this.o.clock.now())]);
  }

  /** Looks at every open incident (resolved ones stay open until closed); returns how many were queued. */
  async sweep(): Promise<number> {
    let queued = 0;
    for (const incident of await this.o.incidents.listOpen()) if (await this.sync(incident)) queued += 1;
    return queued;
  }

  async declared(incident: Incident): Promise<void> {
    await this.sync(incident);
  }

  async phaseChanged(incident: Incident): Promise<void> {
    await this.sync(incident);
  }

  async reclassified(incident: Incident): Promise<void> {
    await this.sync(incident);
  }

  /** At once, not at the next sweep: a title made private must leave the dashboards now. */
  async retitled(incident: Incident): Promise<void> {
    await this.sync(incident);
  }
}
