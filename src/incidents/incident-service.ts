/**
 * The use cases: load -> pure rule -> save -> notify. Chat commands, buttons, the web board and the
 * scheduler all come through here, so every surface gets the same rules and the same errors.
 */
import type { Cadence, CadenceDefaults } from './cadence.ts';
import { IncidentError } from './errors.ts';
import type { Incident, Platform, UserId } from './incident.ts';
import * as rules from './incident-rules.ts';
import type { Change, Declaration } from './incident-rules.ts';
import type { PhaseAction } from './phases.ts';
import { openRequired } from './checklists.ts';
import { closeGate } from './close-gate.ts';
import type { ChecklistStore, Clock, FollowUpStore, IncidentNotifier, IncidentObserver, IncidentStore } from './ports.ts';
import { claimDueReminder, type ReminderNotice, snooze } from './reminders.ts';
import { parseRole } from './roles.ts';
import type { Severity } from './severity.ts';

export interface ServiceOptions {
  store: IncidentStore;
  clock: Clock;
  notifiers: Partial<Record<Platform, IncidentNotifier>>;
  cadenceDefaults: CadenceDefaults;
  customRoles: readonly string[];
  observers?: readonly IncidentObserver[];
  /** Action items: `close` is refused while any is open. */
  followUps?: FollowUpStore;
  /** Checklists: `close` is refused while a required item is open. */
  checklists?: ChecklistStore;
  /** The incident types `declare --type` accepts (INCIDENT_TYPES). */
  incidentTypes?: readonly string[];
}

/**
 * The result of a use case: the incident as saved, and the chat error if telling the chat failed after
 * the change was recorded (the record is never rolled back for a chat failure).
 */
export interface Outcome {
  incident: Incident;
  notifyError?: Error;
}

export interface ReminderRun {
  sent: number;
  failed: number;
}

/** How long a war-room creation attempt is left alone before another may retry it. */
export const ROOM_RETRY_MS = 60_000;

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

export class IncidentService {
  private readonly store: IncidentStore;
  private readonly clock: Clock;
  private readonly notifiers: Partial<Record<Platform, IncidentNotifier>>;
  private readonly observers: IncidentObserver[];
  private readonly followUps: FollowUpStore | undefined;
  private readonly checklists: ChecklistStore | undefined;
  readonly incidentTypes: readonly string[];
  readonly cadenceDefaults: CadenceDefaults;
  readonly customRoles: readonly string[];
  /** War-room creation in flight per incident, so concurrent retries never create two rooms. */
  private readonly opening = new Map<number, Promise<Outcome>>();

  constructor(opts: ServiceOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.notifiers = opts.notifiers;
    this.observers = [...(opts.observers ?? [])];
    this.followUps = opts.followUps;
    this.checklists = opts.checklists;
    this.incidentTypes = opts.incidentTypes ?? [];
    this.cadenceDefaults = opts.cadenceDefaults;
    this.customRoles = opts.customRoles;
  }

  /** The incident numbered `number`, or unknown_incident. */
  get(number: number): Incident {
    const incident = this.store.get(number);
    if (!incident) throw new IncidentError('unknown_incident', { number: String(number) });
    return incident;
  }

  /** The incident whose war room is `channelId`, if it is one. */
  findInRoom(platform: Platform, channelId: string): Incident | undefined {
    return this.store.findByRoom(platform, channelId);
  }

  /** The incident whose war room is `channelId`, or not_in_war_room. */
  inRoom(platform: Platform, channelId: string): Incident {
    const incident = this.findInRoom(platform, channelId);
    if (!incident) throw new IncidentError('not_in_war_room');
    return incident;
  }

  listOpen(): Incident[] {
    return this.store.listOpen();
  }

  timeline(number: number) {
    return this.store.timeline(this.get(number).number);
  }

  /** Declares an incident, then opens and announces its war room. */
  async declare(d: Declaration): Promise<Outcome> {
    const type = d.type ? this.knownType(d.type) : null;
    const change = rules.declareIncident({ ...d, type }, this.cadenceDefaults, this.clock.now());
    const incident = this.store.create(change.incident, change.events);
    const outcome = await this.openWarRoom(incident.number);
    return this.tellObservers(outcome, (o) => o.declared?.(outcome.incident));
  }

  /** `name` as one of INCIDENT_TYPES, or unknown_incident_type listing them. */
  knownType(name: string): string {
    const type = name.trim().toLowerCase();
    if (!this.incidentTypes.includes(type)) throw new IncidentError('unknown_incident_type', { type: name.trim(), known: this.incidentTypes.join(', ') });
    return type;
  }

  /**
   * Creates the war room if the incident has none yet, sets it up and announces it. Safe to call again
   * after a failure: the channel id is saved as soon as the channel exists, so a retry never makes two.
   */
  openWarRoom(number: number): Promise<Outcome> {
    const inFlight = this.opening.get(number);
    if (inFlight) return inFlight;
    const run = this.doOpenWarRoom(number).finally(() => this.opening.delete(number));
    this.opening.set(number, run);
    return run;
  }

  private async doOpenWarRoom(number: number): Promise<Outcome> {
    let incident = this.get(number);
    const notifier = this.notifiers[incident.platform];
    if (!notifier || incident.room) return { incident };
    const now = this.clock.now();
    // Claim the creation in the database: another replica retrying the same incident backs off.
    const claimed = this.store.mutate(number, (current) =>
      current.room || (current.roomAttemptAt !== null && now - current.roomAttemptAt < ROOM_RETRY_MS)
        ? null
        : { incident: { ...current, roomAttemptAt: now }, events: [] },
    );
    if (!claimed) return { incident };
    incident = claimed.incident;
    try {
      const room = await notifier.createWarRoom(incident);
      incident = this.save(number, (current) => ({
        incident: { ...current, room },
        events: [rules.roomEvent(room.channelName, this.clock.now())],
      }));
      const invite = [...new Set([incident.declaredBy, ...Object.values(incident.roles)])];
      const { cardMessageId, failure } = await notifier.warRoomOpened(incident, invite);
      if (cardMessageId && incident.room) {
        const withCard = { ...incident.room, cardMessageId };
        incident = this.save(number, (current) => ({ incident: { ...current, room: withCard }, events: [] }));
      }
      return failure ? { incident, notifyError: failure } : { incident };
    } catch (e) {
      return { incident, notifyError: asError(e) };
    }
  }

  /** Retries war rooms whose creation failed (called from the scheduler tick). */
  async openMissingWarRooms(platform: Platform): Promise<number> {
    let opened = 0;
    for (const incident of this.store.withoutWarRoom(platform, this.clock.now() - ROOM_RETRY_MS, 20)) {
      if (this.opening.has(incident.number)) continue;
      const outcome = await this.openWarRoom(incident.number);
      if (outcome.incident.room) opened += 1;
    }
    return opened;
  }

  async assignRole(number: number, roleWord: string, user: UserId, actor: UserId): Promise<Outcome> {
    const role = parseRole(roleWord, this.customRoles);
    return this.apply(number, (i, now) => rules.assignRole(i, role, user, actor, now));
  }

  async changeSeverity(number: number, severity: Severity, actor: UserId): Promise<Outcome> {
    const outcome = await this.apply(number, (i, now) => rules.changeSeverity(i, severity, actor, this.cadenceDefaults, now));
    return this.tellObservers(outcome, (o) => o.reclassified?.(outcome.incident));
  }

  /** Changes the incident's type (one of INCIDENT_TYPES); its checklist gains the type's items. */
  async changeType(number: number, typeName: string, actor: UserId): Promise<Outcome> {
    const type = this.knownType(typeName);
    const outcome = await this.apply(number, (i, now) => rules.changeType(i, type, actor, now));
    return this.tellObservers(outcome, (o) => o.reclassified?.(outcome.incident));
  }

  postUpdate(number: number, text: string, actor: UserId): Promise<Outcome> {
    return this.apply(number, (i, now) => rules.postUpdate(i, text, actor, now));
  }

  setCadence(number: number, cadence: Cadence, actor: UserId): Promise<Outcome> {
    return this.apply(number, (i, now) => rules.setCadence(i, cadence, actor, now));
  }

  /**
   * Moves the incident through its phases. `close` is refused while action items are open, unless `waiver`
   * (the reason they are waived) is given; the waiver is recorded with the transition.
   */
  async transition(number: number, action: PhaseAction, note: string, actor: UserId, waiver?: string): Promise<Outcome> {
    const before = this.get(number);
    // Phase rules first (a skip is a skip, items or not), then the close gate; a waiver is recorded only when it waived something.
    const closing = action === 'close' && before.phase === 'resolved';
    const why = closeGate(
      {
        actionItems: closing ? (this.followUps?.actionItemsOf(number).filter((i) => i.state === 'open') ?? []) : [],
        checklist: closing ? openRequired(this.checklists?.checklistOf(number) ?? []) : [],
      },
      waiver,
    );
    const outcome = await this.apply(number, (i, now) => rules.transition(i, action, [note, why].filter(Boolean).join(' — '), actor, now));
    return this.tellObservers(outcome, (o) => o.phaseChanged(outcome.incident, before.phase));
  }

  /** Lets every observer act on `outcome`; the first failure is reported with the outcome, never thrown. */
  private async tellObservers(outcome: Outcome, tell: (observer: IncidentObserver) => Promise<void> | undefined): Promise<Outcome> {
    for (const observer of this.observers) {
      try {
        await tell(observer);
      } catch (e) {
        outcome.notifyError ??= asError(e);
      }
    }
    return outcome;
  }

  /** Registers a part of sitroom that acts when incidents change phase. */
  observe(observer: IncidentObserver): void {
    this.observers.push(observer);
  }

  /** Records on the timeline that an alert group now feeds this incident. */
  linkAlertGroup(number: number, groupLabel: string, actor: UserId): Promise<Outcome> {
    return this.apply(number, (i, now) => rules.linkAlertGroup(i, groupLabel, actor, now));
  }

  addNote(number: number, text: string, actor: UserId): Promise<Outcome> {
    return this.apply(number, (i, now) => rules.addNote(i, text, actor, now));
  }

  snooze(number: number, actor: UserId): Promise<Outcome> {
    return this.apply(number, (i, now) => snooze(i, actor, now));
  }

  /**
   * Sends every reminder that is due: each lapse is claimed in the database first (one nag per lapse, even
   * with two replicas), then delivered. `onDelivery` hears of each (with the error if it failed); a failed
   * delivery is not retried, so a flaky chat never turns into a flood.
   */
  async sendDueReminders(onDelivery: (incident: Incident, notice: ReminderNotice, error?: Error) => void = () => {}): Promise<ReminderRun> {
    const now = this.clock.now();
    const run: ReminderRun = { sent: 0, failed: 0 };
    // Only platforms this process can deliver to: another replica may serve the others.
    const platforms = Object.keys(this.notifiers) as Platform[];
    for (const due of this.store.dueReminders(now, 100, platforms)) {
      let notice: ReturnType<typeof claimDueReminder>;
      const claimed = this.store.mutate(due.number, (current) => {
        notice = claimDueReminder(current, now);
        return notice ?? null;
      });
      if (!claimed || !notice) continue;
      const notifier = this.notifiers[claimed.incident.platform];
      if (!notifier) continue;
      try {
        await notifier.remind(claimed.incident, notice.notice);
        run.sent += 1;
        onDelivery(claimed.incident, notice.notice);
      } catch (e) {
        run.failed += 1;
        onDelivery(claimed.incident, notice.notice, asError(e));
      }
    }
    return run;
  }

  private save(number: number, rule: (current: Incident) => Change): Incident {
    const change = this.store.mutate(number, rule);
    if (!change) throw new IncidentError('unknown_incident', { number: String(number) });
    return change.incident;
  }

  private async apply(number: number, rule: (current: Incident, now: number) => Change): Promise<Outcome> {
    const now = this.clock.now();
    const change = this.store.mutate(this.get(number).number, (current) => rule(current, now));
    if (!change) throw new IncidentError('unknown_incident', { number: String(number) });
    if (change.events.length === 0) return { incident: change.incident };
    const notifier = this.notifiers[change.incident.platform];
    try {
      await notifier?.incidentChanged(change.incident, change.events);
      return { incident: change.incident };
    } catch (e) {
      return { incident: change.incident, notifyError: asError(e) };
    }
  }
}
