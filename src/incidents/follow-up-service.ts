/**
 * The learning half: action items, the postmortem (written on request and on resolve), the stakeholder summary
 * on resolve, `stats`, and the weekly digest. Same shape as IncidentService: load -> pure rule -> save -> notify.
 */
import { type ActionItem, completeActionItem, newActionItem } from './action-items.ts';
import { digestOf, latestSlot, localDate, type DigestSchedule } from './digest.ts';
import { alertFactsOf, incidentTimes } from './durations.ts';
import { IncidentError } from './errors.ts';
import type { Incident, Platform, UserId } from './incident.ts';
import type { IncidentService } from './incident-service.ts';
import type { Phase } from './phases.ts';
import type { AlertFacts, Clock, FollowUpStore, IncidentNotifier, IncidentObserver, IncidentStore } from './ports.ts';
import { renderPostmortem } from './postmortem.ts';
import { computeStats, type Stats } from './stats.ts';
import { event, SYSTEM_ACTOR } from './timeline.ts';

export interface FollowUpServiceOptions {
  incidents: IncidentService;
  store: IncidentStore;
  followUps: FollowUpStore;
  alerts?: AlertFacts;
  clock: Clock;
  notifiers: Partial<Record<Platform, IncidentNotifier>>;
  /** The team's time zone: what "today" and "overdue" mean. */
  timeZone: string;
  digest: DigestSchedule;
}

const DAY = 86_400_000;
const noAlerts: AlertFacts = { linkedTo: () => [], noiseSince: () => ({ groups: 0, notActionable: 0 }) };

export class FollowUpService implements IncidentObserver {
  private readonly o: FollowUpServiceOptions;
  private readonly alerts: AlertFacts;

  constructor(opts: FollowUpServiceOptions) {
    this.o = opts;
    this.alerts = opts.alerts ?? noAlerts;
  }

  /** A new action item on the incident (owner and due date optional); the war room hears of it. */
  async addActionItem(number: number, input: { text: string; owner: UserId | null; due: string | null }, actor: UserId): Promise<ActionItem> {
    const incident = this.o.incidents.get(number);
    const { item, event: entry } = newActionItem(incident, input, actor, this.o.clock.now());
    const saved = this.o.followUps.addActionItem(item, entry);
    await this.tell(incident, [entry]);
    return saved;
  }

  /** Marks item `id` done (of incident `number` when given: ids typed in a war room must belong to it). */
  async completeActionItem(id: number, actor: UserId, number?: number): Promise<ActionItem> {
    const current = this.o.followUps.actionItem(id);
    if (!current || (number !== undefined && current.incidentNumber !== number)) {
      throw new IncidentError('unknown_action_item', { id: String(id), number: number === undefined ? '' : String(number) });
    }
    let entry;
    const done = this.o.followUps.updateActionItem(id, (item) => {
      const change = completeActionItem(item, actor, this.o.clock.now());
      entry = change.event;
      return { item: change.item, entry: change.event };
    });
    if (!done || !entry) throw new IncidentError('unknown_action_item', { id: String(id), number: '' });
    await this.tell(this.o.incidents.get(done.incidentNumber), [entry]);
    return done;
  }

  actionItemsOf(number: number): ActionItem[] {
    return this.o.followUps.actionItemsOf(this.o.incidents.get(number).number);
  }

  openActionItems(): ActionItem[] {
    return this.o.followUps.openActionItems();
  }

  /** Writes the postmortem from the record as it is now, keeps it, and posts it into the war room as a file. */
  async writePostmortem(number: number, actor: UserId = SYSTEM_ACTOR): Promise<{ markdown: string; notifyError?: Error }> {
    const incident = this.o.incidents.get(number);
    const now = this.o.clock.now();
    const markdown = renderPostmortem({
      incident,
      timeline: this.o.store.timeline(number),
      actionItems: this.o.followUps.actionItemsOf(number),
      alerts: this.alerts.linkedTo(number),
      now,
    });
    this.o.followUps.savePostmortem(number, markdown, event('postmortem_written', now, actor, 'Postmortem written', {}));
    try {
      if (incident.room) await this.o.notifiers[incident.platform]?.postmortemWritten(incident, { filename: `postmortem-incident-${number}.md`, markdown });
      return { markdown };
    } catch (e) {
      return { markdown, notifyError: e instanceof Error ? e : new Error(String(e)) };
    }
  }

  /** The postmortem saved last, if any. */
  postmortem(number: number): { markdown: string; generatedAt: number } | undefined {
    return this.o.followUps.postmortem(number);
  }

  /** Incidents declared in the last `days` days, with durations from durations.ts. */
  stats(days: number): Stats {
    const now = this.o.clock.now();
    const since = now - days * DAY;
    // Drills are practice: they would skew every figure.
    const records = this.o.store.declaredSince(since).filter((incident) => !incident.drill).map((incident) => ({
      incident,
      timeline: this.o.store.timeline(incident.number),
      alerts: this.alerts.linkedTo(incident.number),
    }));
    return computeStats(records, this.alerts.noiseSince(since), days, now);
  }

  /**
   * Sends the weekly digest if its latest slot has not gone out yet (also when it fell due while sitroom was
   * down): the slot is claimed in the database first, so it goes out once. Nothing is sent when nothing is open.
   */
  async sendDueDigest(): Promise<boolean> {
    const now = this.o.clock.now();
    if (!this.o.followUps.claimDigest(latestSlot(now, this.o.digest), now)) return false;
    // A drill's action items are practice too: they stay on its page, out of the weekly digest.
    const open = this.o.followUps.openActionItems().filter((item) => !this.o.incidents.get(item.incidentNumber).drill);
    if (open.length === 0) return false;
    const today = localDate(now, this.o.timeZone);
    const platformOf = new Map<number, Platform>();
    for (const item of open) platformOf.set(item.incidentNumber, platformOf.get(item.incidentNumber) ?? this.o.incidents.get(item.incidentNumber).platform);
    const privateIncidents = new Set([...platformOf.keys()].filter((n) => this.o.incidents.get(n).isPrivate));
    for (const [platform, notifier] of Object.entries(this.o.notifiers) as [Platform, IncidentNotifier][]) {
      const items = open.filter((i) => platformOf.get(i.incidentNumber) === platform);
      if (items.length) await notifier.digest(digestOf(items, today, privateIncidents));
    }
    return true;
  }

  /** On resolve: the postmortem is written, and stakeholders get a short summary. */
  async phaseChanged(incident: Incident, from: Phase): Promise<void> {
    if (incident.phase !== 'resolved' || from === 'resolved') return;
    await this.writePostmortem(incident.number);
    const times = incidentTimes(incident, this.o.store.timeline(incident.number), alertFactsOf(this.alerts.linkedTo(incident.number)));
    await this.o.notifiers[incident.platform]?.incidentResolved(incident, { from: times.startedAt, to: times.mitigatedAt ?? times.resolvedAt ?? this.o.clock.now() });
  }

  private async tell(incident: Incident, events: Parameters<IncidentNotifier['incidentChanged']>[1]): Promise<void> {
    await this.o.notifiers[incident.platform]?.incidentChanged(incident, events);
  }
}
