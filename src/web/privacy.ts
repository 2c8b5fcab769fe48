/**
 * Who may see a private incident on the web (board, pages, alert inbox, JSON API, write API): its participants and
 * WEB_ADMINS. A participant is whoever declared it, holds or held a role in it, owns one of its action items, or
 * acted on its timeline (posted an update, a note, changed its phase…): the people a private incident is kept
 * among. Names are compared exactly as recorded, so a chat user (recorded by chat id) is not the web user of the
 * same name; admins see chat-declared private incidents on the web. Public incidents are visible to everyone
 * signed in. Without any sign-in configured the only viewer is this machine, which sees everything.
 */
import type { Incident } from '../incidents/incident.ts';
import type { FollowUpService } from '../incidents/follow-up-service.ts';
import type { IncidentStore } from '../incidents/ports.ts';
import type { Viewer } from './web-auth.ts';

export class Privacy {
  private readonly store: IncidentStore;
  private readonly followUps: FollowUpService;

  constructor(store: IncidentStore, followUps: FollowUpService) {
    this.store = store;
    this.followUps = followUps;
  }

  /** Everyone who took part in the incident (see the module comment). */
  async participants(incident: Incident): Promise<Set<string>> {
    const [timeline, actionItems] = await Promise.all([this.store.timeline(incident.number), this.followUps.actionItemsOf(incident.number)]);
    return new Set([
      incident.declaredBy,
      ...Object.values(incident.roles),
      ...timeline.flatMap((e) => [e.actor, ...(e.kind === 'role_assigned' ? [String(e.data['user'])] : [])]),
      ...actionItems.flatMap((a) => (a.owner ? [a.owner] : [])),
    ]);
  }

  async canSee(viewer: Viewer, incident: Incident): Promise<boolean> {
    return !incident.isPrivate || viewer.admin || (await this.participants(incident)).has(viewer.name);
  }

  /** The incidents of `list` that `viewer` may see (each decided first: a promise in filter would keep them all). */
  async visible(viewer: Viewer, list: readonly Incident[]): Promise<Incident[]> {
    const seen = await Promise.all(list.map((i) => this.canSee(viewer, i)));
    return list.filter((_, n) => seen[n]);
  }
}
