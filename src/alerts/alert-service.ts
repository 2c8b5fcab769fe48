/**
 * Alert use cases: ingest Alertmanager deliveries, and the card's buttons (acknowledge, declare, silence,
 * not actionable). Storage first, chat after: a delivery is stored before it is answered, and cards follow.
 */
import { IncidentError } from '../incidents/errors.ts';
import type { IncidentService, Outcome } from '../incidents/incident-service.ts';
import type { Incident, Platform, UserId } from '../incidents/incident.ts';
import type { Clock, IncidentObserver } from '../incidents/ports.ts';
import type { AlertGroup, AlertGroupView } from './alert-group.ts';
import { incidentTitle, type SeverityMap, silenceMatchers, viewDigest } from './alert-rules.ts';
import { deliveryKey, type WebhookPayload } from '../alertmanager/alertmanager-payload.ts';
import type { QueuedEffect } from '../incidents/effects.ts';
import { type AlertEffect, type AlertNote, noteEffect } from './alert-effects.ts';
import type { AlertCardSync } from './card-sync.ts';
import { DeliveryQueue, nextTurn } from './delivery-queue.ts';
import { type AlertStore, changedSomething, type IngestResult, type SilenceClient } from './ports.ts';

export interface AlertServiceOptions {
  store: AlertStore;
  incidents: IncidentService;
  clock: Clock;
  severityMap: SeverityMap;
  /** The chats that get alert work (cards, war-room notes). */
  platforms: readonly Platform[];
  /** Where that work is queued; the outbox dispatcher delivers it. */
  outbox: { enqueue(effects: readonly QueuedEffect<AlertEffect>[]): Promise<void> };
  silences: SilenceClient | undefined;
  /** Called with chat failures that happen after the delivery was answered. */
  onError?: (what: string, error: unknown) => void;
  /** Registers chat work that runs after a delivery was answered, so shutdown can wait for it. */
  track?: (work: Promise<unknown>) => void;
  /** Webhook deliveries with more alerts than this are stored in slices (DeliveryQueue; default 500). */
  sliceAlerts?: number;
}

const HOUR = 3_600_000;

/**
 * The cards whose "Add to incident" menu is refreshed when an incident opens or closes: unlinked groups still firing,
 * delivered within a day (Alertmanager re-sends a firing group at least every repeat_interval, 4 h by default), the
 * latest 50. Bounded so that one declaration during a storm queues at most 50 card edits (behind incident traffic).
 */
const MENU_REFRESH_WINDOW_MS = 24 * HOUR;
const MENU_REFRESH_MAX = 50;

/** Whether a stored delivery is news for its group's war room (new firings, or all resolved, with an incident linked). */
function tellsWarRoom(result: IngestResult): boolean {
  return result.group.incidentNumber !== null && (result.newlyFiring.length > 0 || result.becameResolved);
}

export class AlertService implements IncidentObserver {
  private readonly o: AlertServiceOptions;
  private cards: AlertCardSync | undefined;
  /** Declares and silences in flight per group: two people clicking at once get one incident, one silence. */
  private readonly busy = new Map<string, Promise<unknown>>();
  private readonly queue: DeliveryQueue;
  /** The "Add to incident" menu refresh running now, and whether an incident opened or closed meanwhile. */
  private menuRefresh: Promise<void> | undefined;
  private menuRefreshAgain = false;

  constructor(opts: AlertServiceOptions) {
    this.o = opts;
    this.queue = new DeliveryQueue({
      store: opts.store,
      now: () => opts.clock.now(),
      written: (results) => this.cards?.cardEffects(results.map((r) => r.group)) ?? [],
      stored: (results) => this.afterStored(results),
      sliceAlerts: opts.sliceAlerts,
    });
  }

  /** Connects the card sync (it needs this service's views, so it is wired after construction). */
  useCardSync(cards: AlertCardSync): void {
    this.cards = cards;
  }

  /** The group as a card shows it. */
  async view(groupId: number): Promise<AlertGroupView | undefined> {
    const group = await this.o.store.group(groupId);
    return group && viewDigest(group, await this.o.store.digest(groupId), this.o.severityMap);
  }

  /** Groups delivered since `since`, latest first, as cards show them: the web's alert inbox. */
  async recent(since: number, limit: number): Promise<AlertGroupView[]> {
    const views: AlertGroupView[] = [];
    for (const g of await this.o.store.recentGroups(since, limit)) views.push(viewDigest(g, await this.o.store.digest(g.id), this.o.severityMap));
    return views;
  }

  /** Whether Alertmanager's silence API is configured (the Silence actions are offered). */
  get canSilence(): boolean {
    return this.o.silences !== undefined;
  }

  /**
   * Stores a validated delivery right away in its own transaction (rejects if it cannot be stored); chat work is
   * started, not awaited. `key` is its deliveryKey when the caller computed it already. A group that fires again
   * after its incident closed starts a new episode in the same transaction (the store applies episodes.ts).
   */
  async ingest(payload: WebhookPayload, key: string = deliveryKey(payload)): Promise<IngestResult> {
    const result = await this.o.store.ingest(payload, key, this.o.clock.now(), (results) => this.cards?.cardEffects(results.map((r) => r.group)) ?? []);
    if (changedSomething(result)) this.afterStored([result]);
    return result;
  }

  /**
   * The webhook's way in: resolves once the delivery is durable, written together with the other deliveries of the
   * same event-loop turn in one commit, or in slices when it is a storm (see DeliveryQueue). Chat work follows.
   */
  receive(payload: WebhookPayload, key: string): Promise<IngestResult> {
    return this.queue.add(payload, key);
  }

  /** Chat work for stored deliveries, after the current turn: they are answered before any card is rendered or posted. */
  private afterStored(results: readonly IngestResult[]): void {
    // Most deliveries have no war room to tell: they cost no turn, promise or tracked work (one per commit in a storm).
    const due = results.filter(tellsWarRoom);
    if (due.length === 0) return;
    const work = nextTurn().then(() =>
      Promise.all(due.map((r) => this.afterIngest(r).catch((error: unknown) => this.o.onError?.(`chat work for alert group ${r.group.id}`, error)))),
    );
    if (this.o.track) this.o.track(work);
    else void work;
  }

  /** Chat work for a stored delivery (its card was queued with it): the linked war room (queued, not sent). */
  async afterIngest(result: IngestResult): Promise<void> {
    const { group } = result;
    if (!tellsWarRoom(result)) return;
    await this.tellWarRoom(group, result.becameResolved ? { note: 'resolved' } : { note: 'firing', alerts: result.newlyFiring });
  }

  /** Acknowledge: records who and when (time to acknowledge runs from the group's first firing). */
  acknowledge(groupId: number, user: UserId): Promise<AlertGroup> {
    return this.update(groupId, (g, now) => {
      if (g.acknowledged) throw new IncidentError('already_acknowledged', { by: g.acknowledged.by });
      return { ...g, acknowledged: { by: user, at: now } };
    });
  }

  /** Not actionable: recorded with who, for noise statistics. */
  notActionable(groupId: number, user: UserId): Promise<AlertGroup> {
    return this.update(groupId, (g, now) => ({ ...g, notActionable: { by: user, at: now }, acknowledged: g.acknowledged ?? { by: user, at: now } }));
  }

  /** Declares an incident from the group (title and severity from the alerts) and links the two. */
  declareIncident(groupId: number, user: UserId, platform: Platform): Promise<Outcome> {
    return this.exclusive(`declare ${groupId}`, () => this.doDeclare(groupId, user, platform));
  }

  private async doDeclare(groupId: number, user: UserId, platform: Platform): Promise<Outcome> {
    const view = await this.requireView(groupId);
    if (view.group.incidentNumber !== null) throw new IncidentError('already_linked', { number: String(view.group.incidentNumber) });
    // Created and linked in one transaction: the check above is only this process's view of the group.
    const outcome = await this.o.incidents.declareForAlertGroup(groupId, { title: incidentTitle(view), severity: view.severity, isPrivate: false, platform, declaredBy: user });
    await this.link(groupId, view, outcome.incident.number, user);
    return outcome;
  }

  /**
   * "Add to incident": links the group to an open incident exactly as Declare does, so its new alerts feed that war
   * room, its resolution offers `mitigate`, and the postmortem lists it.
   */
  attachToIncident(groupId: number, number: number, user: UserId): Promise<Outcome> {
    return this.exclusive(`declare ${groupId}`, async () => {
      const view = await this.requireView(groupId);
      if (view.group.incidentNumber !== null) throw new IncidentError('already_linked', { number: String(view.group.incidentNumber) });
      const incident = await this.o.incidents.get(number);
      if (incident.phase === 'closed') throw new IncidentError('incident_closed', { number: String(number) });
      return this.link(groupId, view, number, user);
    });
  }

  /** The alert groups linked to incident `number`, as cards show them. */
  async linkedTo(number: number): Promise<AlertGroupView[]> {
    const views: AlertGroupView[] = [];
    for (const g of await this.o.store.groupsOfIncident(number)) {
      const view = await this.view(g.id);
      if (view) views.push(view);
    }
    return views;
  }

  /** Links the group to the incident (acknowledging it), records it on the timeline, tells the war room. */
  private async link(groupId: number, view: AlertGroupView, number: number, user: UserId): Promise<Outcome> {
    const linked = await this.update(groupId, (g, now) => ({ ...g, incidentNumber: g.incidentNumber ?? number, acknowledged: g.acknowledged ?? { by: user, at: now } }));
    const outcome = await this.o.incidents.linkAlertGroup(number, view.title, user);
    // Queued behind the war room's creation (the incident's queue), so the room hears of its group once it exists.
    await this.tellWarRoom(linked, { note: 'linked' });
    return outcome;
  }

  /** Creates a real Alertmanager silence for the group's labels, for `hours`. */
  silence(groupId: number, hours: number, user: UserId, userName: string): Promise<AlertGroup> {
    return this.exclusive(`silence ${groupId}`, () => this.doSilence(groupId, hours, user, userName));
  }

  private async doSilence(groupId: number, hours: number, user: UserId, userName: string): Promise<AlertGroup> {
    const silences = this.o.silences;
    if (!silences) throw new IncidentError('silences_unavailable');
    const group = (await this.requireView(groupId)).group;
    const now = this.o.clock.now();
    if (group.silence && group.silence.until > now) {
      throw new IncidentError('already_silenced', { until: new Date(group.silence.until).toISOString(), id: group.silence.id });
    }
    const until = now + hours * HOUR;
    let id: string;
    try {
      id = await silences.create({
        matchers: silenceMatchers(group),
        startsAt: now,
        endsAt: until,
        createdBy: `sitroom (${userName})`,
        comment: `Silenced for ${hours}h from sitroom by ${userName}${group.incidentNumber ? ` (incident #${group.incidentNumber})` : ''}`,
      });
    } catch (e) {
      throw new IncidentError('silence_failed', { reason: e instanceof Error ? e.message : String(e) });
    }
    return this.update(groupId, (g) => ({ ...g, silence: { id, until, by: user } }));
  }

  /**
   * The war room now exists (the outbox created it after the declaration): the cards of the incident's groups link
   * it. A new group version, so a card already showing the incident without its room is updated too.
   */
  async roomOpened(incident: Incident): Promise<void> {
    for (const group of await this.o.store.groupsOfIncident(incident.number)) await this.update(group.id, (g) => ({ ...g }));
  }

  /** A new open incident: the cards of unlinked groups offer it in their "Add to incident" menu. */
  async declared(incident: Incident): Promise<void> {
    this.refreshAttachMenusSoon(incident);
  }

  /** When the incident closes, the silences of its alert groups are expired, and the cards' menus stop offering it. */
  async phaseChanged(incident: Incident): Promise<void> {
    if (incident.phase !== 'closed') return;
    const silences = this.o.silences;
    const now = this.o.clock.now();
    for (const group of silences ? await this.o.store.groupsOfIncident(incident.number) : []) {
      if (!group.silence || group.silence.until <= now) continue;
      await silences?.expire(group.silence.id);
      await this.update(group.id, (g) => ({ ...g, silence: g.silence && { ...g.silence, until: now } }));
    }
    this.refreshAttachMenusSoon(incident);
  }

  /**
   * The menu refresh runs after the request that opened or closed the incident, a card a turn: run inside the declare,
   * its 50 group updates held the event loop (the stores are synchronous on SQLite) and every other command waited
   * (npm run bench -- mixed: declare ack p50 18 -> 30 ms, every command's p99 57 -> 67 ms). Declares in a burst share
   * one pass, run again once it ends: a menu shows the incidents open when it is rendered.
   */
  private refreshAttachMenusSoon(incident: Incident): void {
    // A menu offers the open incidents of its card's chat: one of another chat (or the web's) changes none.
    if (!this.o.platforms.includes(incident.platform)) return;
    if (this.menuRefresh) {
      this.menuRefreshAgain = true;
      return;
    }
    const run = async (): Promise<void> => {
      do {
        this.menuRefreshAgain = false;
        await this.refreshAttachMenus();
      } while (this.menuRefreshAgain);
    };
    this.menuRefresh = run()
      .catch((error: unknown) => this.o.onError?.('attach menu refresh', error))
      .finally(() => {
        this.menuRefresh = undefined;
      });
    this.o.track?.(this.menuRefresh);
  }

  /**
   * The menu of open incidents is rendered into the card, so a card posted before an incident opened (or closed)
   * shows a stale menu until its group changes: those cards get a new group version, and so an edit.
   */
  private async refreshAttachMenus(): Promise<void> {
    const now = this.o.clock.now();
    const stale = (await this.o.store.recentGroups(now - MENU_REFRESH_WINDOW_MS, MENU_REFRESH_MAX * 4)).filter((g) => g.incidentNumber === null && g.firingCount > 0);
    let refreshed = 0;
    for (const group of stale) {
      if (refreshed >= MENU_REFRESH_MAX) break;
      await nextTurn();
      // A card not posted yet (paced behind a storm's other cards) renders the menu as it is when it goes: a new version
      // would only make its pending row move and the claims look again.
      if (!(await this.hasPostedCard(group.id))) continue;
      refreshed += 1;
      await this.update(group.id, (g) => ({ ...g }));
    }
  }

  private async hasPostedCard(groupId: number): Promise<boolean> {
    for (const platform of this.o.platforms) if (await this.o.store.card(groupId, platform)) return true;
    return false;
  }

  /** Runs `work` unless the same work is in flight, in which case the second caller is refused by its re-check. */
  private async exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.busy.get(key);
    const run = (before ? before.catch(() => undefined) : Promise.resolve()).then(work);
    this.busy.set(key, run);
    try {
      return await run;
    } finally {
      if (this.busy.get(key) === run) this.busy.delete(key);
    }
  }

  private async requireView(groupId: number): Promise<AlertGroupView> {
    const view = await this.view(groupId);
    if (!view) throw new IncidentError('unknown_alert_group');
    return view;
  }

  private async update(groupId: number, change: (g: AlertGroup, now: number) => AlertGroup): Promise<AlertGroup> {
    const now = this.o.clock.now();
    const updated = await this.o.store.updateGroup(groupId, now, (g) => change(g, now));
    if (!updated) throw new IncidentError('unknown_alert_group');
    await this.cards?.changed(groupId);
    return updated;
  }

  /** Queues `note` for the war room of the group's incident (it waits in the incident's queue for the room to exist). */
  private async tellWarRoom(group: AlertGroup, note: AlertNote): Promise<void> {
    if (group.incidentNumber === null) return;
    try {
      const incident = await this.o.incidents.get(group.incidentNumber);
      if (!this.o.platforms.includes(incident.platform)) return;
      await this.o.outbox.enqueue([noteEffect(incident.platform, incident.number, group.id, note, this.o.clock.now())]);
    } catch (e) {
      this.o.onError?.(`war room of incident #${group.incidentNumber}`, e);
    }
  }
}

