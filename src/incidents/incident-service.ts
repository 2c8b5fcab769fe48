/**
 * The use cases: load -> pure rule -> save -> notify. Chat commands, buttons, the web board and the
 * scheduler all come through here, so every surface gets the same rules and the same errors.
 */
import type { Cadence, CadenceDefaults } from './cadence.ts';
import { IncidentError } from './errors.ts';
import type { Incident, Platform, UserId, WarRoom } from './incident.ts';
import * as rules from './incident-rules.ts';
import type { Change, Declaration } from './incident-rules.ts';
import type { PhaseAction } from './phases.ts';
import { openRequired } from './checklists.ts';
import { closeGate } from './close-gate.ts';
import type { ChecklistStore, Clock, FollowUpStore, IncidentNotifier, IncidentObserver, IncidentStore, OpenOverview } from './ports.ts';
import { claimDueReminder, reminderDelivered, reminderNotDelivered, snooze } from './reminders.ts';
import { changedEffects, declaredEffects, deliveryFailedEffects, describeEffect, type Effect, type Destination, type QueuedEffect, reminderEffects } from './effects.ts';
import { event, SYSTEM_ACTOR, type TimelineEvent } from './timeline.ts';
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
  /**
   * Effects for systems outside the chat (webhooks) that a change's timeline events imply, queued in the change's
   * transaction whether or not the incident has a chat.
   */
  outward?: (incident: Incident, events: readonly TimelineEvent[], now: number) => readonly QueuedEffect[];
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
  /** Reminders claimed and queued for delivery. */
  queued: number;
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

export class IncidentService {
  private readonly store: IncidentStore;
  private readonly clock: Clock;
  private readonly notifiers: Partial<Record<Platform, IncidentNotifier>>;
  private readonly observers: IncidentObserver[];
  private readonly followUps: FollowUpStore | undefined;
  private readonly checklists: ChecklistStore | undefined;
  private readonly outward: NonNullable<ServiceOptions['outward']>;
  readonly incidentTypes: readonly string[];
  readonly cadenceDefaults: CadenceDefaults;
  readonly customRoles: readonly string[];

  constructor(opts: ServiceOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.notifiers = opts.notifiers;
    this.observers = [...(opts.observers ?? [])];
    this.followUps = opts.followUps;
    this.checklists = opts.checklists;
    this.outward = opts.outward ?? (() => []);
    this.incidentTypes = opts.incidentTypes ?? [];
    this.cadenceDefaults = opts.cadenceDefaults;
    this.customRoles = opts.customRoles;
  }

  /** The incident numbered `number`, or unknown_incident. */
  async get(number: number): Promise<Incident> {
    const incident = await this.store.get(number);
    if (!incident) throw new IncidentError('unknown_incident', { number: String(number) });
    return incident;
  }

  /** The incident whose war room is `channelId`, if it is one. */
  findInRoom(platform: Platform, channelId: string): Promise<Incident | undefined> {
    return this.store.findByRoom(platform, channelId);
  }

  /** The incident whose war room is `channelId`, or not_in_war_room. */
  async inRoom(platform: Platform, channelId: string): Promise<Incident> {
    const incident = await this.findInRoom(platform, channelId);
    if (!incident) throw new IncidentError('not_in_war_room');
    return incident;
  }

  listOpen(): Promise<Incident[]> {
    return this.store.listOpen();
  }

  /** Counts per open phase and the `perPhase` newest incidents of each: what a list shows. */
  openOverview(perPhase: number): Promise<OpenOverview> {
    return this.store.openOverview(perPhase);
  }

  async timeline(number: number): Promise<TimelineEvent[]> {
    return this.store.timeline((await this.get(number)).number);
  }

  /** `name` as one of INCIDENT_TYPES, or unknown_incident_type listing them. */
  knownType(name: string): string {
    const type = name.trim().toLowerCase();
    if (!this.incidentTypes.includes(type)) throw new IncidentError('unknown_incident_type', { type: name.trim(), known: this.incidentTypes.join(', ') });
    return type;
  }

  /**
   * Declares an incident. Its war room is created, set up and announced by the outbox, queued in the same
   * transaction as the incident: the reply does not wait for the chat, and a crash loses no step.
   */
  async declare(d: Declaration): Promise<Outcome> {
    const type = d.type ? this.knownType(d.type) : null;
    const now = this.clock.now();
    const change = rules.declareIncident({ ...d, type }, this.cadenceDefaults, now);
    const chat = this.notifiers[d.platform] !== undefined;
    const incident = await this.store.create(change.incident, change.events, (created) => [
      ...(chat ? declaredEffects(created, now) : []),
      ...this.outward(created, change.events, now),
    ]);
    // Observers queue their own steps (the checklist) behind the war room's creation.
    return this.tellObservers({ incident }, (o) => o.declared?.(incident));
  }

  /**
   * Declares an incident from alert group `groupId`, linked to it in the same transaction: a group already linked
   * (by this replica or another, however close together) is `already_linked`, and no second incident is made.
   */
  async declareForAlertGroup(groupId: number, d: Declaration): Promise<Outcome> {
    const type = d.type ? this.knownType(d.type) : null;
    const now = this.clock.now();
    const change = rules.declareIncident({ ...d, type }, this.cadenceDefaults, now);
    const chat = this.notifiers[d.platform] !== undefined;
    const declared = await this.store.createForAlertGroup(groupId, change.incident, change.events, (created) => [
      ...(chat ? declaredEffects(created, now) : []),
      // Webhook receivers hear of it like any declaration, before the alert_group.linked that follows.
      ...this.outward(created, change.events, now),
    ]);
    if (!declared) throw new IncidentError('unknown_alert_group', { id: String(groupId) });
    if ('alreadyLinked' in declared) throw new IncidentError('already_linked', { number: String(declared.alreadyLinked) });
    const incident = declared.incident;
    return this.tellObservers({ incident }, (o) => o.declared?.(incident));
  }

  /** The outbox created the war room: saved on the incident (and its timeline) before any later step reads it. */
  async roomCreated(number: number, room: WarRoom): Promise<void> {
    const incident = await this.save(number, (current) => ({ incident: { ...current, room }, events: [rules.roomEvent(room.channelName, this.clock.now())] }));
    for (const observer of this.observers) await observer.roomOpened?.(incident);
  }

  /** The outbox posted the summary card: later changes update this message. */
  async cardPosted(number: number, messageId: string): Promise<void> {
    await this.save(number, (current) => ({ incident: current.room ? { ...current, room: { ...current.room, cardMessageId: messageId } } : current, events: [] }));
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
    const before = await this.get(number);
    // Phase rules first (a skip is a skip, items or not), then the close gate; a waiver is recorded only when it waived something.
    const closing = action === 'close' && before.phase === 'resolved';
    const why = closeGate(
      {
        actionItems: closing ? ((await this.followUps?.actionItemsOf(number))?.filter((i) => i.state === 'open') ?? []) : [],
        checklist: closing ? openRequired((await this.checklists?.checklistOf(number)) ?? []) : [],
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

  async rename(number: number, title: string, actor: UserId): Promise<Outcome> {
    const outcome = await this.apply(number, (i, now) => rules.renameIncident(i, title, actor, now));
    return this.tellObservers(outcome, (o) => o.retitled?.(outcome.incident));
  }

  async setVisibility(number: number, isPrivate: boolean, actor: UserId): Promise<Outcome> {
    const outcome = await this.apply(number, (i, now) => rules.setVisibility(i, isPrivate, actor, now));
    return this.tellObservers(outcome, (o) => o.retitled?.(outcome.incident));
  }

  addNote(number: number, text: string, actor: UserId): Promise<Outcome> {
    return this.apply(number, (i, now) => rules.addNote(i, text, actor, now));
  }

  snooze(number: number, actor: UserId): Promise<Outcome> {
    return this.apply(number, (i, now) => snooze(i, actor, now));
  }

  /**
   * Queues every reminder that is due: each lapse is claimed in the database together with its copies in the
   * outbox (one nag per lapse, even with two replicas), and the dispatcher delivers them, retrying while the chat
   * is down. Nothing is sent from here, so a hung chat never holds up the tick. Returns how many were queued.
   */
  async queueDueReminders(): Promise<ReminderRun> {
    const now = this.clock.now();
    const run: ReminderRun = { queued: 0 };
    // Only platforms this process can deliver to: another replica may serve the others.
    const platforms = Object.keys(this.notifiers) as Platform[];
    // One transaction for the whole tick (mutateDue): the reminders of one tick are claimed and queued together.
    run.queued = (
      await this.store.mutateDue(now, 100, platforms, (current) => {
        const claim = claimDueReminder(current, now);
        return claim ? { ...claim, effects: reminderEffects(claim.incident, claim.notice, now) } : null;
      })
    ).length;
    return run;
  }

  /**
   * A queued effect went out, or was given up: the timeline records what the incident's people were (not) told
   * (it shows on the incident page), and who made the change is told when it was given up.
   */
  async effectSettled(row: { platform: Destination; incidentNumber?: number; actor?: UserId; effect: Effect }, delivered: boolean): Promise<void> {
    const { effect } = row;
    const now = this.clock.now();
    let entry: TimelineEvent | undefined;
    if (effect.kind === 'remind') {
      if (effect.records) entry = delivered ? reminderDelivered(effect.notice, now) : reminderNotDelivered(effect.notice, now);
    } else if (!delivered && effect.kind !== 'delivery_failed') {
      entry = event('delivery_failed', now, SYSTEM_ACTOR, `Could not deliver ${describeEffect(effect)}${row.platform === 'email' ? '' : ' to the chat'}; gave up`, { kind: effect.kind });
    }
    if (!entry && delivered) return;
    const events = entry ? [entry] : [];
    await this.store.mutate(effect.number, (current) => ({ incident: current, events, effects: delivered ? [] : deliveryFailedEffects(row, now) }));
  }

  /** The effects telling the incident's chat (when it has one) and outside systems about `events`. */
  tell(incident: Incident, events: readonly TimelineEvent[], now: number): QueuedEffect[] {
    return [...(this.notifiers[incident.platform] ? changedEffects(incident, events, now) : []), ...this.outward(incident, events, now)];
  }

  private async save(number: number, rule: (current: Incident) => Change): Promise<Incident> {
    const change = await this.store.mutate(number, rule);
    if (!change) throw new IncidentError('unknown_incident', { number: String(number) });
    return change.incident;
  }

  private async apply(number: number, rule: (current: Incident, now: number) => Change): Promise<Outcome> {
    const now = this.clock.now();
    const change = await this.store.mutate((await this.get(number)).number, (current) => {
      const next = rule(current, now);
      // What the chat (and any webhook) must be told is queued with the change, in its transaction; the outbox delivers it.
      return { ...next, effects: this.tell(next.incident, next.events, now) };
    });
    if (!change) throw new IncidentError('unknown_incident', { number: String(number) });
    return { incident: change.incident };
  }
}
