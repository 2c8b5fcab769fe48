/**
 * The learning half: action items, the postmortem (written on request and on resolve), the stakeholder summary
 * on resolve, `stats`, and the weekly digest. Same shape as IncidentService: load -> pure rule -> save -> notify.
 */
import { type ActionItem, changeActionItem, completeActionItem, linkIssue, newActionItem, parseDueDate, type TrackingIssue } from './action-items.ts';
import { githubIssueEffects } from './github-issues.ts';
import { type DigestEffect, digestEffects, digestOf, latestSlot, localDate, type DigestSchedule } from './digest.ts';
import { alertFactsOf, incidentTimes } from './durations.ts';
import { IncidentError } from './errors.ts';
import type { Incident, Platform, UserId } from './incident.ts';
import type { IncidentService } from './incident-service.ts';
import type { Phase } from './phases.ts';
import { postmortemEffects, type QueuedEffect, resolvedEffects } from './effects.ts';
import type { AlertFacts, Clock, EffectQueue, FollowUpStore, IncidentNotifier, IncidentObserver, IncidentStore } from './ports.ts';
import { cleanPerson, optionalText } from './incident-rules.ts';
import { MAX_SECTION_LENGTH, type PostmortemSections, renderPostmortem, SECTION_NAMES, SECTION_TITLES } from './postmortem.ts';
import { computeStats, type Stats } from './stats.ts';
import { event, SYSTEM_ACTOR, type TimelineEvent } from './timeline.ts';

export interface FollowUpServiceOptions {
  incidents: IncidentService;
  store: IncidentStore;
  followUps: FollowUpStore;
  alerts?: AlertFacts;
  clock: Clock;
  notifiers: Partial<Record<Platform, IncidentNotifier>>;
  /** Where the resolve summary is queued for delivery (the outbox). */
  outbox: EffectQueue;
  /** The team's time zone: what "today" and "overdue" mean. */
  timeZone: string;
  digest: DigestSchedule;
  /**
   * Action items as GitHub issues (GITHUB_TOKEN and GITHUB_REPO): `request` opens one for items asked with `issue`,
   * `all` for every item (ACTION_ITEMS_TO_GITHUB); off (the default) refuses `issue`.
   */
  issues?: 'off' | 'request' | 'all';
}

const DAY = 86_400_000;
const noAlerts: AlertFacts = { linkedTo: () => Promise.resolve([]), noiseSince: () => Promise.resolve({ groups: 0, notActionable: 0 }) };

export class FollowUpService implements IncidentObserver {
  private readonly o: FollowUpServiceOptions;
  private readonly alerts: AlertFacts;

  constructor(opts: FollowUpServiceOptions) {
    this.o = opts;
    this.alerts = opts.alerts ?? noAlerts;
  }

  /** A new action item on the incident (owner and due date optional); the war room hears of it. */
  async addActionItem(number: number, input: { text: string; owner: UserId | null; due: string | null; issue?: boolean }, actor: UserId): Promise<ActionItem> {
    const incident = await this.o.incidents.get(number);
    const issues = this.o.issues ?? 'off';
    if (input.issue && issues === 'off') throw new IncidentError('issues_unavailable');
    const now = this.o.clock.now();
    const { item, event: entry } = newActionItem(incident, { ...input, owner: input.owner === null ? null : cleanPerson(input.owner) }, actor, now);
    const told = this.tell(incident, [entry], now);
    // The war room is told through the outbox, queued with the item: a chat failure can no longer turn a stored item into an error reply.
    // Its GitHub issue is opened through the outbox too, once the item has its number.
    const withIssue = input.issue === true || issues === 'all';
    return this.o.followUps.addActionItem(item, entry, withIssue ? (saved) => [...told, ...githubIssueEffects(saved, now)] : told);
  }

  /** The GitHub issue of item `id` was opened: linked from the item (and the war room hears of it). */
  async issueOpened(id: number, issue: TrackingIssue): Promise<ActionItem | undefined> {
    const incident = await this.incidentOfItem(id);
    if (!incident) return undefined;
    const now = this.o.clock.now();
    return this.o.followUps.updateActionItem(id, (item) => {
      if (item.issue) return { item, entry: null };
      const linked = linkIssue(item, issue, now);
      return { item: linked.item, entry: linked.event, effects: this.tell(incident, [linked.event], now) };
    });
  }

  /** Opening item `id`'s GitHub issue was given up (`why`): recorded on the timeline, and the war room hears of it. */
  async issueNotOpened(id: number, why: string): Promise<void> {
    const incident = await this.incidentOfItem(id);
    if (!incident) return;
    const now = this.o.clock.now();
    await this.o.followUps.updateActionItem(id, (item) => {
      const entry = event('action_updated', now, SYSTEM_ACTOR, `Action item #${item.id}: its GitHub issue could not be opened (${why})`, { item: item.id });
      return { item, entry, effects: this.tell(incident, [entry], now) };
    });
  }

  /**
   * The incident of item `id`, read before the item's update: the update's callback runs inside the store's
   * transaction and must stay synchronous. An item never moves to another incident, so it cannot go stale.
   */
  private async incidentOfItem(id: number): Promise<Incident | undefined> {
    const item = await this.o.followUps.actionItem(id);
    return item && this.o.incidents.get(item.incidentNumber);
  }

  /** Open items tracked by a GitHub issue (checked when no webhook tells of closed issues). */
  async openTrackedItems(): Promise<ActionItem[]> {
    return (await this.o.followUps.openActionItems()).filter((item) => item.issue);
  }

  /** Marks item `id` done (of incident `number` when given: ids typed in a war room must belong to it). */
  async completeActionItem(id: number, actor: UserId, number?: number): Promise<ActionItem> {
    const current = await this.o.followUps.actionItem(id);
    if (!current || (number !== undefined && current.incidentNumber !== number)) {
      throw new IncidentError('unknown_action_item', { id: String(id), number: number === undefined ? '' : String(number) });
    }
    const now = this.o.clock.now();
    const incident = await this.o.incidents.get(current.incidentNumber);
    const done = await this.o.followUps.updateActionItem(id, (item) => {
      const change = completeActionItem(item, actor, now);
      return { item: change.item, entry: change.event, effects: this.tell(incident, [change.event], now) };
    });
    if (!done) throw new IncidentError('unknown_action_item', { id: String(id), number: '' });
    return done;
  }

  /**
   * Gives an open item another owner and/or due date (null clears, undefined keeps); of incident `number` when
   * given. Nothing changes (and nothing is told) when both are what they were.
   */
  async changeActionItem(id: number, change: { owner?: UserId | null; due?: string | null }, actor: UserId, number?: number): Promise<ActionItem> {
    const current = await this.o.followUps.actionItem(id);
    if (!current || (number !== undefined && current.incidentNumber !== number)) {
      throw new IncidentError('unknown_action_item', { id: String(id), number: number === undefined ? '' : String(number) });
    }
    const owner = change.owner === undefined || change.owner === null ? change.owner : cleanPerson(change.owner);
    const due = change.due === undefined || change.due === null ? change.due : parseDueDate(change.due);
    const wanted = { ...(owner !== undefined ? { owner } : {}), ...(due !== undefined ? { due } : {}) };
    const now = this.o.clock.now();
    const incident = await this.o.incidents.get(current.incidentNumber);
    // The war room is told through the outbox, in the same transaction as the change (none when nothing changed).
    const saved = await this.o.followUps.updateActionItem(id, (item) => {
      const next = changeActionItem(item, wanted, actor, now);
      return { item: next.item, entry: next.event, effects: next.event ? this.tell(incident, [next.event], now) : [] };
    });
    if (!saved) throw new IncidentError('unknown_action_item', { id: String(id), number: '' });
    return saved;
  }

  async actionItemsOf(number: number): Promise<ActionItem[]> {
    return this.o.followUps.actionItemsOf((await this.o.incidents.get(number)).number);
  }

  openActionItems(): Promise<ActionItem[]> {
    return this.o.followUps.openActionItems();
  }

  /**
   * Writes the postmortem from the record as it is now and keeps it; its upload into the war room is queued in the
   * same transaction (the outbox delivers it, retrying while the chat is down).
   */
  async writePostmortem(number: number, actor: UserId = SYSTEM_ACTOR): Promise<{ markdown: string }> {
    const incident = await this.o.incidents.get(number);
    const now = this.o.clock.now();
    const markdown = await this.render(incident, now, await this.o.followUps.postmortemSections(number));
    const upload = this.o.notifiers[incident.platform] ? postmortemEffects(incident, { filename: `postmortem-incident-${number}.md`, markdown }, now) : [];
    await this.o.followUps.savePostmortem(number, markdown, event('postmortem_written', now, actor, 'Postmortem written', {}), upload);
    return { markdown };
  }

  /** The postmortem's human sections as written so far. */
  async postmortemSections(number: number): Promise<PostmortemSections> {
    return this.o.followUps.postmortemSections((await this.o.incidents.get(number)).number);
  }

  /**
   * Saves the sections given (the others keep their text; empty clears one) and records who edited which. A
   * postmortem already written is re-rendered with them at once, so the document on the page and in the API is
   * the one a download gets; the war room is not sent a new file for every edit (`postmortem` posts one).
   */
  async editPostmortem(number: number, edits: Partial<PostmortemSections>, actor: UserId): Promise<PostmortemSections> {
    const incident = await this.o.incidents.get(number);
    const current = await this.o.followUps.postmortemSections(number);
    const next = { ...current };
    const changed: string[] = [];
    for (const name of SECTION_NAMES) {
      const given = edits[name];
      if (given === undefined) continue;
      const text = optionalText(given, MAX_SECTION_LENGTH);
      if (text !== current[name]) changed.push(SECTION_TITLES[name]);
      next[name] = text;
    }
    if (changed.length === 0) return current;
    const now = this.o.clock.now();
    const markdown = (await this.o.followUps.postmortem(number)) ? await this.render(incident, now, next) : null;
    await this.o.followUps.savePostmortemSections(number, next, markdown, event('postmortem_edited', now, actor, `Postmortem edited: ${changed.join(', ')}`, { sections: changed.join(', ') }));
    return next;
  }

  private async render(incident: Incident, now: number, sections: PostmortemSections): Promise<string> {
    const [timeline, actionItems, alerts] = await Promise.all([
      this.o.store.timeline(incident.number),
      this.o.followUps.actionItemsOf(incident.number),
      this.alerts.linkedTo(incident.number),
    ]);
    return renderPostmortem({ incident, sections, timeline, actionItems, alerts, now });
  }

  /** The postmortem saved last, if any. */
  postmortem(number: number): Promise<{ markdown: string; generatedAt: number } | undefined> {
    return this.o.followUps.postmortem(number);
  }

  /** Incidents declared in the last `days` days, with durations from durations.ts. */
  async stats(days: number): Promise<Stats> {
    const now = this.o.clock.now();
    const since = now - days * DAY;
    // Drills are practice: they would skew every figure.
    const declared = (await this.o.store.declaredSince(since)).filter((incident) => !incident.drill);
    const records = [];
    for (const incident of declared) {
      records.push({ incident, timeline: await this.o.store.timeline(incident.number), alerts: await this.alerts.linkedTo(incident.number) });
    }
    return computeStats(records, await this.alerts.noiseSince(since), days, now);
  }

  /**
   * Queues the weekly digest if its latest slot has not gone out yet (also when it fell due while sitroom was
   * down): the slot is claimed in the database in the same transaction as its rows are queued, so it goes out once
   * whatever the replicas, and the outbox delivers it (retried while the chat is down; the scheduler never waits for
   * it). Nothing is queued when nothing is open. True when a digest was queued.
   */
  async sendDueDigest(): Promise<boolean> {
    const now = this.o.clock.now();
    // The items and their incidents are read before the claim: the claim's callback runs inside the store's
    // transaction and must stay synchronous, so it only turns what was read into rows.
    const items = await this.o.followUps.openActionItems();
    const incidents = new Map<number, Incident>();
    for (const item of items) if (!incidents.has(item.incidentNumber)) incidents.set(item.incidentNumber, await this.o.incidents.get(item.incidentNumber));
    let queued = 0;
    const claimed = await this.o.followUps.claimDigest(latestSlot(now, this.o.digest), now, () => {
      const effects = this.digestEffectsAt(now, items, incidents);
      queued = effects.length;
      return effects;
    });
    return claimed && queued > 0;
  }

  /** The digest rows of every platform as of `now`: each platform gets the items of its own incidents. */
  private digestEffectsAt(now: number, items: readonly ActionItem[], incidents: ReadonlyMap<number, Incident>): QueuedEffect<DigestEffect>[] {
    const incidentOf = (n: number): Incident => incidents.get(n)!;
    // A drill's action items are practice too: they stay on its page, out of the weekly digest.
    const open = items.filter((item) => !incidentOf(item.incidentNumber).drill);
    if (open.length === 0) return [];
    const today = localDate(now, this.o.timeZone);
    const privateIncidents = new Set(open.map((i) => incidentOf(i.incidentNumber)).filter((i) => i.isPrivate).map((i) => i.number));
    return (Object.keys(this.o.notifiers) as Platform[]).flatMap((platform) => {
      const mine = open.filter((i) => incidentOf(i.incidentNumber).platform === platform);
      return digestEffects(platform, digestOf(mine, today, privateIncidents), now);
    });
  }

  /** On resolve: the postmortem is written, and stakeholders get a short summary. */
  async phaseChanged(incident: Incident, from: Phase): Promise<void> {
    if (incident.phase !== 'resolved' || from === 'resolved') return;
    await this.writePostmortem(incident.number);
    const times = incidentTimes(incident, await this.o.store.timeline(incident.number), alertFactsOf(await this.alerts.linkedTo(incident.number)));
    if (!this.o.notifiers[incident.platform]) return;
    const now = this.o.clock.now();
    await this.o.outbox.enqueue(resolvedEffects(incident, { from: times.startedAt, to: times.mitigatedAt ?? times.resolvedAt ?? now }, now));
  }

  /** The effects telling the incident's chat (none without one) and outside systems about `events`. */
  private tell(incident: Incident, events: readonly TimelineEvent[], now: number): QueuedEffect[] {
    return this.o.incidents.tell(incident, events, now);
  }
}
