/**
 * IncidentNotifier for any chat platform: decides what to say where (war room, announcement channel,
 * direct messages) and leaves only the saying to the platform.
 */
import type { Digest } from '../incidents/digest.ts';
import type { Incident, UserId, WarRoom } from '../incidents/incident.ts';
import type { IncidentNotifier, WarRoomSetup } from '../incidents/ports.ts';
import type { TimelineEvent, TimelineKind } from '../incidents/timeline.ts';
import { warRoomName } from '../incidents/war-room-name.ts';
import type { ChatPlatform } from './chat-platform.ts';
import type { Line } from './message.ts';
import {
  declaredAnnouncement,
  digestMessage,
  overdueMessage,
  postmortemMessage,
  resolvedSummary,
  type MessageContext,
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
      const name = warRoomName(incident.number, incident.title, this.chat.maxChannelNameLength, attempt);
      const created = await this.chat.createChannel(name, incident.isPrivate);
      if (created !== 'name_taken') return { channelId: created.id, channelName: name, cardMessageId: null };
    }
    throw new Error(`every channel name for incident #${incident.number} is taken`);
  }

  async warRoomOpened(incident: Incident, invite: readonly UserId[]): Promise<WarRoomSetup> {
    const room = requireRoom(incident);
    const ctx = this.context();
    const announce = this.chat.announceChannel;
    let cardMessageId: string | null = null;
    try {
      await runAll([
        () => this.chat.invite(room.channelId, invite),
        () => this.setTopic(room.channelId, topicLine(incident, ctx)),
        async () => {
          cardMessageId = (await this.chat.post(room.channelId, summaryCard(incident, ctx))).id;
          await this.chat.pin(room.channelId, cardMessageId);
        },
        async () => {
          if (announce) await this.chat.post(announce, declaredAnnouncement(incident, ctx));
        },
      ]);
      return { cardMessageId };
    } catch (e) {
      return { cardMessageId, failure: e instanceof Error ? e : new Error(String(e)) };
    }
  }

  async incidentChanged(incident: Incident, events: readonly TimelineEvent[]): Promise<void> {
    const ctx = this.context();
    const steps: (() => Promise<unknown>)[] = [];
    const room = incident.room;
    if (room) {
      const newcomers = events.filter((e) => e.kind === 'role_assigned').map((e) => String(e.data['user']));
      if (newcomers.length) steps.push(() => this.chat.invite(room.channelId, newcomers));
      steps.push(() => this.chat.post(room.channelId, { lines: events.map(roomEventLine) }));
      steps.push(() => this.setTopic(room.channelId, topicLine(incident, ctx)));
      const cardId = room.cardMessageId;
      if (cardId) steps.push(() => this.chat.update(room.channelId, cardId, summaryCard(incident, ctx)));
    }
    if (this.chat.announceChannel) {
      const announce = this.chat.announceChannel;
      for (const e of events) {
        if (e.kind === 'update_posted') steps.push(() => this.chat.post(announce, updateAnnouncement(incident, ctx)));
        else if (ANNOUNCED.includes(e.kind)) steps.push(() => this.chat.post(announce, stakeholderChange(incident, e)));
      }
    }
    await runAll(steps);
  }

  async postmortemWritten(incident: Incident, document: { filename: string; markdown: string }): Promise<void> {
    const room = requireRoom(incident);
    await this.chat.postFile(
      room.channelId,
      { filename: document.filename, content: document.markdown, title: `Postmortem of incident #${incident.number}` },
      postmortemMessage(incident),
    );
  }

  async incidentResolved(incident: Incident, impact: { from: number; to: number }): Promise<void> {
    if (this.chat.announceChannel) await this.chat.post(this.chat.announceChannel, resolvedSummary(incident, impact, this.context()));
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

  /** Sets a channel's topic unless it already is `topic` (each set shows as a message in the channel). */
  async setTopic(channelId: string, topic: Line): Promise<void> {
    const key = JSON.stringify(topic);
    if (this.topics.get(channelId) === key) return;
    await this.chat.setTopic(channelId, topic);
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
