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
  participants(incident: Incident): Set<string> {
    return new Set([
      incident.declaredBy,
      ...Object.values(incident.roles),
      ...this.store.timeline(incident.number).flatMap((e) => [e.actor, ...(e.kind === 'role_assigned' ? [String(e.data['user'])] : [])]),
      ...this.followUps.actionItemsOf(incident.number).flatMap((a) => (a.owner ? [a.owner] : [])),
    ]);
  }

  canSee(viewer: Viewer, incident: Incident): boolean {
    return !incident.isPrivate || viewer.admin || this.participants(incident).has(viewer.name);
  }

  /** The incidents of `list` that `viewer` may see. */
  visible(viewer: Viewer, list: readonly Incident[]): Incident[] {
    return list.filter((i) => this.canSee(viewer, i));
  }
}
