/** A recording IncidentNotifier that can be told to fail, method by method. */
import type { Incident, UserId, WarRoom } from '../../src/incidents/incident.ts';
import type { ChecklistItem } from '../../src/incidents/checklists.ts';
import type { Digest } from '../../src/incidents/digest.ts';
import type { IncidentNotifier } from '../../src/incidents/ports.ts';
import type { TimelineEvent } from '../../src/incidents/timeline.ts';

export type NotifierCall =
  | { method: 'createWarRoom'; incident: Incident }
  | { method: 'warRoomOpened'; incident: Incident; invite: UserId[] }
  | { method: 'incidentChanged'; incident: Incident; events: TimelineEvent[] }
  | { method: 'postmortemWritten'; incident: Incident; document: { filename: string; markdown: string } }
  | { method: 'incidentResolved'; incident: Incident; impact: { from: number; to: number } }
  | { method: 'digest'; digest: Digest }
  | { method: 'checklistPosted'; incident: Incident; items: ChecklistItem[]; added: ChecklistItem[] };
export type NotifierMethod = NotifierCall['method'];

/** The channel id the fake gives incident `number`'s war room. */
export const roomIdOf = (number: number): string => `C-INC-${number}`;

export class FakeNotifier implements IncidentNotifier {
  /** Every call, in order, including the ones told to fail. */
  readonly calls: NotifierCall[] = [];
  /** War rooms actually created. */
  readonly rooms: WarRoom[] = [];
  private readonly failures = new Map<NotifierMethod, Error>();

  /** From now on, `method` throws `error`. */
  failOn(method: NotifierMethod, error: Error = new Error(`${method} failed`)): void {
    this.failures.set(method, error);
  }

  recover(method: NotifierMethod): void {
    this.failures.delete(method);
  }

  callsTo<M extends NotifierMethod>(method: M): Extract<NotifierCall, { method: M }>[] {
    return this.calls.filter((c): c is Extract<NotifierCall, { method: M }> => c.method === method);
  }

  async createWarRoom(incident: Incident): Promise<WarRoom> {
    this.record({ method: 'createWarRoom', incident });
    const room = { channelId: roomIdOf(incident.number), channelName: `inc-${incident.number}`, cardMessageId: null };
    this.rooms.push(room);
    return room;
  }

  async warRoomOpened(incident: Incident, invite: readonly UserId[]): Promise<{ cardMessageId: string | null }> {
    this.record({ method: 'warRoomOpened', incident, invite: [...invite] });
    return { cardMessageId: `card-${incident.number}` };
  }

  async incidentChanged(incident: Incident, events: readonly TimelineEvent[]): Promise<void> {
    this.record({ method: 'incidentChanged', incident, events: [...events] });
  }

  async postmortemWritten(incident: Incident, document: { filename: string; markdown: string }): Promise<void> {
    this.record({ method: 'postmortemWritten', incident, document });
  }

  async incidentResolved(incident: Incident, impact: { from: number; to: number }): Promise<void> {
    this.record({ method: 'incidentResolved', incident, impact });
  }

  async digest(digest: Digest): Promise<void> {
    this.record({ method: 'digest', digest });
  }

  async checklistPosted(incident: Incident, items: readonly ChecklistItem[], added: readonly ChecklistItem[]): Promise<void> {
    this.record({ method: 'checklistPosted', incident, items: [...items], added: [...added] });
  }

  private record(call: NotifierCall): void {
    this.calls.push(structuredClone(call));
    const failure = this.failures.get(call.method);
    if (failure) throw failure;
  }
}
