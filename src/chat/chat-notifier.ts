/**
 * IncidentNotifier for any chat platform: decides what to say where (war room, announcement channel,
 * direct messages) and leaves only the saying to the platform.
 */
import type { Digest } from '../incidents/digest.ts';
import type { Incident, UserId, WarRoom } from '../incidents/incident.ts';
import type { IncidentNotifier, WarRoomSetup } from '../incidents/ports.ts';
import type { ReminderNotice } from '../incidents/reminders.ts';
import type { TimelineEvent, TimelineKind } from '../incidents/timeline.ts';
import { warRoomName } from '../incidents/war-room-name.ts';
import type { ChecklistItem } from '../incidents/checklists.ts';
import type { ChatPlatform } from './chat-platform.ts';
import { drillPlatform } from './drill-marking.ts';
import type { Line } from './message.ts';
import {
  checklistMessage,
  declaredAnnouncement,
  digestMessage,
  overdueMessage,
  postmortemMessage,
  resolvedSummary,
  type MessageContext,
  reminderMessage,
  roomEventLine,
  stakeholderChange,
  summaryCard,
  topicLine,
  updateAnnouncement,
} from './messages.ts';

/** How many suffixed names (`-2` … ) to try before giving up on a taken channel name. */
const MAX_NAME_ATTEMPTS = 20;
/** Changes stakeholders hear about in the announcement channel. */
const ANNOUNCED: readonly TimelineKind[] = ['phase_changed', 'severity_changed'];

export interface ChatNotifierOptions {
  platform: ChatPlatform;
  context: () => MessageContext;
}

export class ChatNotifier implements IncidentNotifier {
  private readonly chat: ChatPlatform;
  private readonly context: () => MessageContext;
  /** Last topic set per channel, so unchanged topics are not set again (each set is a visible message). */
  private readonly topics = new Map<string, string>();

  constructor(opts: ChatNotifierOptions) {
    this.chat = opts.platform;
    this.context = opts.context;
  }

  async createWarRoom(incident: Incident): Promise<WarRoom> {
    for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS; attempt += 1) {
      const name = warRoomName(incident.number, incident.title, this.chat.maxChannelNameLength, attempt, incident.drill ? 'drill' : 'inc');
      const created = await this.chat.createChannel(name, incident.isPrivate);
      if (created !== 'name_taken') return { channelId: created.id, channelName: name, cardMessageId: null };
    }
    throw new Error(`every channel name for incident #${incident.number} is taken`);
  }

  async warRoomOpened(incident: Incident, invite: readonly UserId[]): Promise<WarRoomSetup> {
    const chat = this.on(incident);
    const room = requireRoom(incident);
    const ctx = this.context();
    const announce = chat.announceChannel;
    let cardMessageId: string | null = null;
    try {
      await runAll([
        () => chat.invite(room.channelId, invite),
        () => this.setTopic(chat, room.channelId, topicLine(incident, ctx)),
        async () => {
          cardMessageId = (await chat.post(room.channelId, summaryCard(incident, ctx))).id;
          await chat.pin(room.channelId, cardMessageId);
        },
        async () => {
          if (announce) await chat.post(announce, declaredAnnouncement(incident, ctx));
        },
      ]);
      return { cardMessageId };
    } catch (e) {
      return { cardMessageId, failure: e instanceof Error ? e : new Error(String(e)) };
    }
  }

  async incidentChanged(incident: Incident, events: readonly TimelineEvent[]): Promise<void> {
    const chat = this.on(incident);
    const ctx = this.context();
    const steps: (() => Promise<unknown>)[] = [];
    const room = incident.room;
    if (room) {
      const newcomers = events.filter((e) => e.kind === 'role_assigned').map((e) => String(e.data['user']));
      if (newcomers.length) steps.push(() => chat.invite(room.channelId, newcomers));
      steps.push(() => chat.post(room.channelId, { lines: events.map(roomEventLine) }));
      steps.push(() => this.setTopic(chat, room.channelId, topicLine(incident, ctx)));
      const cardId = room.cardMessageId;
      if (cardId) steps.push(() => chat.update(room.channelId, cardId, summaryCard(incident, ctx)));
    }
    if (chat.announceChannel) {
      const announce = chat.announceChannel;
      for (const e of events) {
        if (e.kind === 'update_posted') steps.push(() => chat.post(announce, updateAnnouncement(incident, ctx)));
        else if (ANNOUNCED.includes(e.kind)) steps.push(() => chat.post(announce, stakeholderChange(incident, e)));
      }
    }
    await runAll(steps);
  }

  async remind(incident: Incident, notice: ReminderNotice): Promise<void> {
    const chat = this.on(incident);
    const message = reminderMessage(incident, notice, this.context());
    const steps: (() => Promise<unknown>)[] = notice.people.map((user) => () => chat.sendDirect(user, message));
    const room = incident.room;
    if (room) steps.unshift(() => chat.post(room.channelId, message));
    await runAll(steps);
  }

  async postmortemWritten(incident: Incident, document: { filename: string; markdown: string }): Promise<void> {
    const chat = this.on(incident);
    const room = requireRoom(incident);
    await chat.postFile(
      room.channelId,
      { filename: document.filename, content: document.markdown, title: `Postmortem of incident #${incident.number}` },
      postmortemMessage(incident),
    );
  }

  async incidentResolved(incident: Incident, impact: { from: number; to: number }): Promise<void> {
    const chat = this.on(incident);
    if (chat.announceChannel) await chat.post(chat.announceChannel, resolvedSummary(incident, impact, this.context()));
  }

  async digest(digest: Digest): Promise<void> {
    const steps: (() => Promise<unknown>)[] = [];
    const announce = this.chat.announceChannel;
    if (announce && digest.byOwner.length) steps.push(() => this.chat.post(announce, digestMessage(digest)));
    for (const [owner, items] of digest.byOwner) {
      const overdue = items.filter((i) => digest.overdue.includes(i));
      if (owner && overdue.length) steps.push(() => this.chat.sendDirect(owner, overdueMessage(overdue)));
    }
    await runAll(steps);
  }

  async checklistPosted(incident: Incident, items: readonly ChecklistItem[], added: readonly ChecklistItem[]): Promise<void> {
    const room = incident.room;
    if (room) await this.on(incident).post(room.channelId, checklistMessage(incident, items, added));
  }

  /** The platform as this incident sees it: a drill's messages are marked and never announced. */
  private on(incident: Incident): ChatPlatform {
    return incident.drill ? drillPlatform(this.chat) : this.chat;
  }

  private async setTopic(chat: ChatPlatform, channelId: string, topic: Line): Promise<void> {
    const key = JSON.stringify(topic);
    if (this.topics.get(channelId) === key) return;
    await chat.setTopic(channelId, topic);
    this.topics.set(channelId, key);
  }
}

function requireRoom(incident: Incident): WarRoom {
  if (!incident.room) throw new Error(`incident #${incident.number} has no war room`);
  return incident.room;
}

/** Runs every step even when one fails (a failed topic must not cost the announcement), then reports the first failure. */
async function runAll(steps: readonly (() => Promise<unknown>)[]): Promise<void> {
  let first: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (e) {
      first ??= e;
    }
  }
  if (first !== undefined) throw first;
}
