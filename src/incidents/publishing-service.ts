/**
 * The public status page's use cases: publish under a public title, post public updates, set impact and affected
 * components, take it down. Chat commands and the incident page both come through here (same rules, same errors),
 * and the public routes read only what publicIncidents() returns.
 */
import { IncidentError } from './errors.ts';
import { changedEffects } from './effects.ts';
import type { Incident, Platform, UserId } from './incident.ts';
import type { Clock, IncidentNotifier, IncidentStore, PublicationStore } from './ports.ts';
import * as rules from './publication.ts';
import type { Publication, PublicationChange } from './publication.ts';

export interface PublishingOptions {
  store: IncidentStore;
  publications: PublicationStore;
  clock: Clock;
  notifiers: Partial<Record<Platform, IncidentNotifier>>;
  /** STATUS_COMPONENTS: the components an incident may be said to affect. */
  components: readonly string[];
  /** A new random public id (tests pass a predictable one). */
  newPublicId?: () => string;
}

/** A published incident as the public routes may show it: the incident is there for its phase and times only. */
export interface PublicEntry {
  incident: Incident;
  publication: Publication;
}

export interface PublishOutcome {
  publication: Publication;
  /** Set when the change was recorded but the war room could not be told. */
  notifyError?: Error;
}

const randomId = () => globalThis.crypto.randomUUID().replaceAll('-', '').slice(0, 16);

export class PublishingService {
  private readonly o: PublishingOptions;
  private readonly newPublicId: () => string;

  constructor(options: PublishingOptions) {
    this.o = options;
    this.newPublicId = options.newPublicId ?? randomId;
  }

  /** STATUS_COMPONENTS, for forms and help. */
  get components(): readonly string[] {
    return this.o.components;
  }

  publish(number: number, title: string, actor: UserId): Promise<PublishOutcome> {
    return this.apply(number, (i, current, now) => rules.publish(i, current, title, actor, now, this.newPublicId()));
  }

  unpublish(number: number, actor: UserId): Promise<PublishOutcome> {
    return this.apply(number, (i, current, now) => rules.unpublish(i, current, actor, now));
  }

  postPublicUpdate(number: number, text: string, actor: UserId): Promise<PublishOutcome> {
    return this.apply(number, (i, current, now) => rules.postPublicUpdate(i, current, text, actor, now));
  }

  setImpact(number: number, word: string, actor: UserId): Promise<PublishOutcome> {
    const impact = rules.parseImpact(word);
    if (!impact) throw new IncidentError('invalid_impact', { input: word.trim().slice(0, 40) });
    return this.apply(number, (i, current, now) => rules.setImpact(i, current, impact, actor, now));
  }

  setComponents(number: number, input: string, actor: UserId): Promise<PublishOutcome> {
    const components = rules.parseComponents(input, this.o.components);
    return this.apply(number, (i, current, now) => rules.setComponents(i, current, components, actor, now));
  }

  /** The incident's publication, live or not (for the team's own pages). */
  publicationOf(number: number): Promise<Publication | undefined> {
    return this.o.publications.publicationOf(number);
  }

  /**
   * What the public may see: live publications of incidents that are not private, open or resolved at or after
   * `resolvedSince`, most recently published first, at most `limit`.
   */
  async publicIncidents(resolvedSince: number, limit: number): Promise<PublicEntry[]> {
    const entries: PublicEntry[] = [];
    for (const publication of await this.o.publications.livePublications(limit * 4)) {
      const incident = await this.o.store.get(publication.incidentNumber);
      if (!incident || !rules.isPublic(incident, publication)) continue;
      if (incident.resolvedAt !== null && incident.resolvedAt < resolvedSince) continue;
      entries.push({ incident, publication });
      if (entries.length >= limit) break;
    }
    return entries;
  }

  /** Changes whenever a publication does: for the live stream and caches. */
  version(): Promise<string> {
    return this.o.publications.version();
  }

  private async apply(number: number, rule: (incident: Incident, current: Publication | undefined, now: number) => PublicationChange): Promise<PublishOutcome> {
    const incident = await this.o.store.get(number);
    if (!incident) throw new IncidentError('unknown_incident', { number: String(number) });
    const now = this.o.clock.now();
    const publication = await this.o.publications.mutatePublication(number, (current) => {
      const change = rule(incident, current, now);
      // The war room hears of it through the outbox, queued in the same transaction as the change.
      return this.o.notifiers[incident.platform] ? { ...change, effects: changedEffects(incident, change.events, now) } : change;
    });
    if (!publication) throw new IncidentError('unknown_incident', { number: String(number) });
    return { publication };
  }
}
