/**
 * Paging use cases: page a team for an incident (chat command, card button's form, web desk), keep its alert firing
 * while the incident is active, resolve it when the incident is mitigated. Every call to Alertmanager goes through the
 * outbox (integration-effects.ts); this only decides and records.
 */
import { IncidentError } from './errors.ts';
import type { Incident, UserId } from './incident.ts';
import { pageAlertEffect } from './integration-effects.ts';
import type { PageStore } from './integration-ports.ts';
import { newPage, type Page, pageDue, pageResolvedEntry } from './paging.ts';
import type { Clock, IncidentObserver, IncidentStore } from './ports.ts';
import type { Phase } from './phases.ts';

export interface PagingOptions {
  incidents: Pick<IncidentStore, 'get'>;
  store: PageStore;
  clock: Clock;
  /** ALERTMANAGER_URL is set: without it paging is refused with a clear message. */
  enabled: boolean;
}

export class PagingService implements IncidentObserver {
  private readonly o: PagingOptions;

  constructor(options: PagingOptions) {
    this.o = options;
  }

  get enabled(): boolean {
    return this.o.enabled;
  }

  /** Pages `team` for incident `number`: recorded on the timeline, the alert posted through the outbox. */
  async page(number: number, input: { team: string; message: string }, actor: UserId): Promise<Page> {
    if (!this.o.enabled) throw new IncidentError('paging_unavailable');
    const incident = await this.incident(number);
    const now = this.o.clock.now();
    return this.o.store.addPage(number, (pages) => newPage(incident, pages, input, actor, now), (page) => [pageAlertEffect(page, now, actor)]);
  }

  pagesOf(number: number): Promise<Page[]> {
    return this.o.store.pagesOf(number);
  }

  /** Re-posts firing pages that are due and resolves those whose incident left `active`; returns how many were queued. */
  async sweep(only?: number): Promise<number> {
    let queued = 0;
    for (const page of await this.o.store.firingPages()) {
      if (only !== undefined && page.incidentNumber !== only) continue;
      const now = this.o.clock.now();
      // Read before the page's transaction, whose callback must stay synchronous (a page never changes incident).
      const incident = await this.o.incidents.get(page.incidentNumber);
      if (!pageDue(page, incident, now)) continue;
      // Re-decided inside the store's transaction: another replica may have done it meanwhile.
      const saved = await this.o.store.updatePage(page.id, (current) => {
        const due = pageDue(current, incident, now);
        if (due === 'refresh') return { page: { ...current, refreshedAt: now }, effects: [pageAlertEffect(current, now)] };
        if (due === 'resolve') {
          return { page: { ...current, refreshedAt: now, resolvedAt: now }, entry: pageResolvedEntry(current, now), effects: [pageAlertEffect(current, now)] };
        }
        return null;
      });
      if (saved && saved.refreshedAt === now) queued += 1;
    }
    return queued;
  }

  /**
   * A new title, or the incident made private: its firing pages are re-posted now (rendered as the incident is), so
   * Alertmanager and the pagers reading it stop showing a private incident's title without waiting for the refresh.
   */
  async retitled(incident: Incident): Promise<void> {
    if (!this.o.enabled) return;
    const now = this.o.clock.now();
    for (const page of await this.o.store.pagesOf(incident.number)) {
      if (page.resolvedAt !== null) continue;
      await this.o.store.updatePage(page.id, (current) => (current.resolvedAt === null ? { page: { ...current, refreshedAt: now }, effects: [pageAlertEffect(current, now)] } : null));
    }
  }

  /** Mitigating (or any move out of `active`) resolves the incident's pages at once rather than at the next sweep. */
  async phaseChanged(incident: Incident, from: Phase): Promise<void> {
    if (from === 'active' && this.o.enabled) await this.sweep(incident.number);
  }

  private async incident(number: number): Promise<Incident> {
    const incident = await this.o.incidents.get(number);
    if (!incident) throw new IncidentError('unknown_incident', { number: String(number) });
    return incident;
  }
}
