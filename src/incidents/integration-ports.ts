/** What paging and dashboard annotations need stored (storage/sqlite-integration-store.ts implements both). */
import type { QueuedEffect } from './effects.ts';
import type { IntegrationEffect } from './integration-effects.ts';
import type { NewPage, Page } from './paging.ts';
import type { TimelineEvent } from './timeline.ts';

export interface PageStore {
  /**
   * Atomically reads the incident's pages, applies `rule` (which throws to refuse) and stores the new page with its
   * timeline entry and the effects `effects` returns for the numbered page, so two replicas never page a team twice.
   */
  addPage(
    incidentNumber: number,
    rule: (pages: readonly Page[]) => { page: NewPage; entry: TimelineEvent },
    effects: (page: Page) => readonly QueuedEffect<IntegrationEffect>[],
  ): Promise<Page>;
  /** The incident's pages, oldest first. */
  pagesOf(incidentNumber: number): Promise<Page[]>;
  page(id: number): Promise<Page | undefined>;
  /** Every page still firing (not resolved), oldest first. */
  firingPages(): Promise<Page[]>;
  /**
   * Atomically re-reads page `id` and applies `rule`: the page as it should be saved, with its timeline entry and
   * effects, or null to write nothing (another replica was first). Returns the saved page, or undefined.
   */
  updatePage(id: number, rule: (page: Page) => { page: Page; entry?: TimelineEvent; effects: readonly QueuedEffect<IntegrationEffect>[] } | null): Promise<Page | undefined>;
}

export interface AnnotationStore {
  /** The incident's Grafana annotation id, once Grafana made one. */
  annotationIdOf(incidentNumber: number): Promise<string | null>;
  /**
   * Queues `effects` when `state` differs from the state last queued for the incident, recording it, in one
   * transaction: true when queued, false when that state was already queued (by this or another replica).
   */
  queueAnnotation(incidentNumber: number, state: string, effects: readonly QueuedEffect<IntegrationEffect>[]): Promise<boolean>;
  saveAnnotationId(incidentNumber: number, annotationId: string): Promise<void>;
}
