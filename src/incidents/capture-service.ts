/**
 * Capturing a chat message onto the timeline of the incident whose war room it was posted in. Adapters hear the 📌
 * reaction or the message shortcut and hand over a way to read the message; the rules live here: only war rooms,
 * never the bot's own messages, each message once.
 */
import { capturedMessageEvent, capturedMessageKey, type ChatMessageToCapture } from './captured-messages.ts';
import type { Incident, Platform, UserId } from './incident.ts';
import type { IncidentService } from './incident-service.ts';
import type { CapturedMessageStore, Clock } from './ports.ts';

export interface CaptureRequest {
  platform: Platform;
  /** The channel the message is in. */
  channelId: string;
  /** Who reacted or used the shortcut. */
  capturedBy: UserId;
  /** Reads the message from the platform (called only for a war room); undefined when it is gone. */
  read: () => Promise<ChatMessageToCapture | undefined>;
}

export type CaptureOutcome =
  | { kind: 'captured'; incident: Incident }
  /** The message was captured before: the timeline already has it. */
  | { kind: 'already_captured'; incident: Incident }
  | { kind: 'not_in_war_room' }
  /** The message could not be read back (deleted meanwhile) or is the bot's own. */
  | { kind: 'ignored'; incident: Incident };

export class CaptureService {
  private readonly incidents: IncidentService;
  private readonly store: CapturedMessageStore;
  private readonly clock: Clock;

  constructor(opts: { incidents: IncidentService; store: CapturedMessageStore; clock: Clock }) {
    this.incidents = opts.incidents;
    this.store = opts.store;
    this.clock = opts.clock;
  }

  async capture(req: CaptureRequest): Promise<CaptureOutcome> {
    const incident = await this.incidents.findInRoom(req.platform, req.channelId);
    if (!incident) return { kind: 'not_in_war_room' };
    const message = await req.read();
    if (!message || message.byBot) return { kind: 'ignored', incident };
    const entry = capturedMessageEvent(message, req.capturedBy, this.clock.now());
    const added = await this.store.addCapturedMessage(incident.number, entry, capturedMessageKey(message));
    return { kind: added ? 'captured' : 'already_captured', incident };
  }
}
