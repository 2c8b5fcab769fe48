/** AlertNotifier for any chat platform: alert cards in the alerts channel, alert notes in war rooms. */
import type { AlertGroupView, GroupAlert } from '../alerts/alert-group.ts';
import type { AlertNotifier, CardRef } from '../alerts/ports.ts';
import type { Incident } from '../incidents/incident.ts';
import { alertCard, alertsFiringMessage, alertsResolvedMessage, groupLinkedMessage } from './alert-messages.ts';
import type { ChatPlatform } from './chat-platform.ts';
import { markDrill } from './drill-marking.ts';
import type { MessageContext } from './messages.ts';

export interface ChatAlertNotifierOptions {
  platform: ChatPlatform;
  context: () => MessageContext;
  silences: boolean;
  /** The war-room channel of incident `number` on this platform, if any. */
  warRoomOf: (number: number) => Promise<string | undefined>;
  /** Open incidents on this platform, offered by the card's "Add to incident" menu. */
  openIncidents?: () => Promise<readonly Incident[]>;
}

export class ChatAlertNotifier implements AlertNotifier {
  private readonly o: ChatAlertNotifierOptions;

  constructor(opts: ChatAlertNotifierOptions) {
    this.o = opts;
  }

  async showCard(view: AlertGroupView, card: CardRef | null): Promise<CardRef> {
    const number = view.group.incidentNumber;
    // Read before rendering: the card itself is built synchronously.
    const warRoom = number === null ? undefined : await this.o.warRoomOf(number);
    const openIncidents = number === null ? ((await this.o.openIncidents?.()) ?? []) : [];
    const message = alertCard(view, this.o.context(), { silences: this.o.silences, warRoom, openIncidents });
    if (card) {
      // A platform that could not edit the card posted a new one (Mattermost's PostEditTimeLimit): the caller saves
      // its id, so later updates, also after a restart, go to the new post.
      const { replacedBy } = await this.o.platform.update(card.channel, card.messageId, message);
      return replacedBy ? { ...card, messageId: replacedBy } : card;
    }
    const posted = await this.o.platform.post(this.o.platform.alertsChannel, message);
    return { channel: posted.channel, messageId: posted.id };
  }

  async groupLinked(incident: Incident, view: AlertGroupView): Promise<void> {
    await this.toRoom(incident, () => groupLinkedMessage(view, this.o.context()));
  }

  async alertsFiring(incident: Incident, view: AlertGroupView, alerts: readonly GroupAlert[]): Promise<void> {
    await this.toRoom(incident, () => alertsFiringMessage(view, alerts, this.o.context()));
  }

  async alertsResolved(incident: Incident, view: AlertGroupView): Promise<void> {
    await this.toRoom(incident, () => alertsResolvedMessage(incident, view));
  }

  private async toRoom(incident: Incident, message: () => ReturnType<typeof groupLinkedMessage>): Promise<void> {
    // A drill's war room hears DRILL on every message, alert notes included (see drill-marking.ts).
    if (incident.room) await this.o.platform.post(incident.room.channelId, incident.drill ? markDrill(message()) : message());
  }
}
