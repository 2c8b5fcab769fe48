/**
 * Checklists in the war room: the matching items are added on declare and whenever severity or type changes,
 * posted with a button each; `/incident check <n>` (or the button) ticks one, on the timeline with who and when.
 * Same shape as the other services: load -> pure rule -> save with its effects (the outbox tells the war room).
 */
import { type ChecklistItem, type ChecklistTemplates, checkItem, itemsToAdd } from './checklists.ts';
import { changedEffects, checklistEffects } from './effects.ts';
import { IncidentError } from './errors.ts';
import type { Incident, Platform, UserId } from './incident.ts';
import type { IncidentService, Outcome } from './incident-service.ts';
import type { ChecklistStore, IncidentNotifier, IncidentObserver, Clock } from './ports.ts';

export interface ChecklistServiceOptions {
  incidents: IncidentService;
  store: ChecklistStore;
  templates: ChecklistTemplates;
  clock: Clock;
  notifiers: Partial<Record<Platform, IncidentNotifier>>;
}

export class ChecklistService implements IncidentObserver {
  private readonly o: ChecklistServiceOptions;

  constructor(opts: ChecklistServiceOptions) {
    this.o = opts;
  }

  /** The incident's checklist, by position. */
  async checklistOf(number: number): Promise<ChecklistItem[]> {
    return this.o.store.checklistOf((await this.o.incidents.get(number)).number);
  }

  /** Ticks item `position` of incident `number`. */
  async check(number: number, position: number, actor: UserId): Promise<{ item: ChecklistItem } & Outcome> {
    const item = (await this.checklistOf(number)).find((i) => i.position === position);
    if (!item) throw new IncidentError('unknown_checklist_item', { position: String(position), number: String(number) });
    return this.tick(item.id, actor);
  }

  /** Ticks the item with id `id` (a button carries the id, so it works from anywhere). */
  async tick(id: number, actor: UserId): Promise<{ item: ChecklistItem } & Outcome> {
    const current = await this.o.store.checklistItem(id);
    if (!current) throw new IncidentError('unknown_checklist_item', { position: String(id), number: '' });
    const incident = await this.o.incidents.get(current.incidentNumber);
    if (incident.phase === 'closed') throw new IncidentError('incident_closed', { number: String(incident.number) });
    const now = this.o.clock.now();
    const item = await this.o.store.updateChecklistItem(id, (it) => {
      const change = checkItem(it, actor, now);
      return { item: change.item, entry: change.event, effects: this.chat(incident) ? changedEffects(incident, [change.event], now) : [] };
    });
    if (!item) throw new IncidentError('unknown_checklist_item', { position: String(id), number: '' });
    return { item, incident };
  }

  async phaseChanged(): Promise<void> {}

  /** A new incident gets its severity's and type's items, posted in its war room. */
  declared(incident: Incident): Promise<void> {
    return this.sync(incident);
  }

  /** A new severity or type may bring items the checklist does not have yet; only those are added and posted. */
  reclassified(incident: Incident): Promise<void> {
    return this.sync(incident);
  }

  private async sync(incident: Incident): Promise<void> {
    const existing = await this.o.store.checklistOf(incident.number);
    const fresh = itemsToAdd(incident, existing, this.o.templates);
    if (fresh.length === 0) return;
    const now = this.o.clock.now();
    // Queued with the items (behind the war room's creation when the incident is new), so a crash loses neither.
    await this.o.store.addChecklistItems(fresh, (added) => (this.chat(incident) ? checklistEffects(incident, added.map((a) => a.id), now) : []));
  }

  /** Whether the incident's platform has a chat to tell (a web-only incident has none). */
  private chat(incident: Incident): boolean {
    return this.o.notifiers[incident.platform] !== undefined;
  }
}
