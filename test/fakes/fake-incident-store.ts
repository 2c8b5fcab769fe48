/**
 * An in-memory IncidentStore that keeps the port's promises: numbers 1, 2, 3…; stored values are copies
 * (a caller changing an object it got back changes nothing stored); `mutate` re-reads, applies the rule and
 * saves incident and events together, or writes nothing when the rule returns null or throws.
 *
 * Deliberately no duplicate-reminder check (the SQLite store's reminders_sent key): service tests must prove
 * one nag per lapse through the rules alone; the storage tests cover the database's own guard.
 */
import type { QueuedEffect } from '../../src/incidents/effects.ts';
import type { Incident, Platform } from '../../src/incidents/incident.ts';
import { OPEN_PHASES, type Phase } from '../../src/incidents/phases.ts';
import { isUpdateOverdue } from '../../src/incidents/overdue.ts';
import type { Severity } from '../../src/incidents/severity.ts';
import type { Change } from '../../src/incidents/incident-rules.ts';
import type { AlertDeclaration, IncidentStore, OpenOverview } from '../../src/incidents/ports.ts';
import type { TimelineEvent } from '../../src/incidents/timeline.ts';

const copy = <T>(value: T): T => structuredClone(value);
const byNumber = (a: Incident, b: Incident) => a.number - b.number;

export class FakeIncidentStore implements IncidentStore {
  /** Effects queued for the outbox with the changes, in order (the SQLite store writes them to the outbox table). */
  readonly queued: QueuedEffect[] = [];
  private readonly incidents = new Map<number, Incident>();
  private readonly events = new Map<number, TimelineEvent[]>();
  private lastNumber = 0;
  private writeCount = 0;
  /** When set, every call throws it, like a database that cannot be reached. */
  unavailable: Error | null = null;

  async create(draft: Incident, events: readonly TimelineEvent[], effects?: (incident: Incident) => readonly QueuedEffect[]): Promise<Incident> {
    this.check();
    this.lastNumber += 1;
    const incident = { ...copy(draft), number: this.lastNumber };
    this.incidents.set(incident.number, incident);
    this.events.set(incident.number, copy([...events]));
    this.queued.push(...copy([...(effects?.(copy(incident)) ?? [])]));
    this.writeCount += 1;
    return copy(incident);
  }

  /** Groups linked through createForAlertGroup (the fake keeps no alert groups: any id is a known, unlinked group). */
  private readonly linkedGroups = new Map<number, number>();

  async createForAlertGroup(groupId: number, draft: Incident, events: readonly TimelineEvent[], effects?: (incident: Incident) => readonly QueuedEffect[]): Promise<AlertDeclaration> {
    const linked = this.linkedGroups.get(groupId);
    if (linked !== undefined) return { alreadyLinked: linked };
    const incident = await this.create(draft, events, effects);
    this.linkedGroups.set(groupId, incident.number);
    return { incident };
  }

  async get(number: number): Promise<Incident | undefined> {
    return this.getNow(number);
  }

  private getNow(number: number): Incident | undefined {
    this.check();
    const incident = this.incidents.get(number);
    return incident && copy(incident);
  }

  async findByRoom(platform: Platform, channelId: string): Promise<Incident | undefined> {
    this.check();
    const found = this.all().find((i) => i.platform === platform && i.room?.channelId === channelId);
    return found && copy(found);
  }

  async mutate(number: number, rule: (current: Incident) => Change | null): Promise<Change | null> {
    const current = this.getNow(number);
    if (!current) return null;
    const change = rule(current);
    if (!change) return null;
    this.incidents.set(number, { ...copy(change.incident), number });
    this.events.get(number)?.push(...copy(change.events));
    this.queued.push(...copy(change.effects ?? []));
    this.writeCount += 1;
    return change;
  }

  async mutateDue(now: number, limit: number, platforms: readonly Platform[], rule: (current: Incident) => Change | null): Promise<Change[]> {
    const changes: Change[] = [];
    for (const due of await this.dueReminders(now, limit, platforms)) {
      const change = await this.mutate(due.number, rule);
      if (change) changes.push(change);
    }
    return changes;
  }

  async listOpen(): Promise<Incident[]> {
    this.check();
    return copy(this.all().filter((i) => i.phase !== 'closed'));
  }

  async openOverview(perPhase: number): Promise<OpenOverview> {
    this.check();
    const open = this.all().filter((i) => i.phase !== 'closed');
    const counts: OpenOverview['counts'] = {};
    for (const i of open) counts[i.phase] = (counts[i.phase] ?? 0) + 1;
    const newest = OPEN_PHASES.flatMap((phase) => open.filter((i) => i.phase === phase).slice(-perPhase));
    return { counts, newest: copy(newest) };
  }

  async timeline(number: number): Promise<TimelineEvent[]> {
    this.check();
    return copy(this.events.get(number) ?? []);
  }

  async countOpen(): Promise<{ severity: Severity; phase: Phase; count: number }[]> {
    this.check();
    const counts = new Map<string, { severity: Severity; phase: Phase; count: number }>();
    for (const i of this.all().filter((x) => x.phase !== 'closed')) {
      const key = `${i.severity} ${i.phase}`;
      counts.set(key, { severity: i.severity, phase: i.phase, count: (counts.get(key)?.count ?? 0) + 1 });
    }
    return [...counts.values()];
  }

  async version(): Promise<string> {
    return String(this.writeCount);
  }

  async countOverdue(now: number): Promise<number> {
    this.check();
    return this.all().filter((i) => isUpdateOverdue(i, now)).length;
  }

  async closedSince(since: number, limit: number): Promise<Incident[]> {
    this.check();
    const closed = this.all().filter((i) => i.closedAt !== null && i.closedAt >= since);
    return copy(closed.sort((a, b) => (b.closedAt ?? 0) - (a.closedAt ?? 0)).slice(0, limit));
  }

  async page(query: { phase?: Phase; severity?: Severity; before?: number; limit: number }): Promise<Incident[]> {
    this.check();
    const matching = this.all().filter(
      (i) => (!query.phase || i.phase === query.phase) && (!query.severity || i.severity === query.severity) && (query.before === undefined || i.number < query.before),
    );
    return copy(matching.sort((a, b) => b.number - a.number).slice(0, query.limit));
  }

  async declaredSince(since: number): Promise<Incident[]> {
    this.check();
    return copy(this.all().filter((i) => i.declaredAt >= since));
  }

  async dueReminders(now: number, limit: number, platforms: readonly Platform[]): Promise<Incident[]> {
    this.check();
    const due = this.all().filter((i) => i.reminderAt !== null && i.reminderAt <= now && platforms.includes(i.platform));
    due.sort((a, b) => (a.reminderAt ?? 0) - (b.reminderAt ?? 0) || a.number - b.number);
    return copy(due.slice(0, limit));
  }

  private all(): Incident[] {
    return [...this.incidents.values()].sort(byNumber);
  }

  private check(): void {
    if (this.unavailable) throw this.unavailable;
  }
}
