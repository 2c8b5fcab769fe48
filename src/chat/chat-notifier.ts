/**
 * IncidentNotifier for any chat platform: the two steps the outbox's deliverer borrows (creating a war room under
 * the platform's name rules, setting a topic only when it changed). Everything else goes through the outbox.
 */
import type { Incident, Platform, WarRoom } from '../incidents/incident.ts';
import type { IncidentNotifier } from '../incidents/ports.ts';
import { warRoomName } from '../incidents/war-room-name.ts';
import type { ChatPlatform } from './chat-platform.ts';
import type { Line } from '../presentation/message.ts';
import type { MessageContext } from './messages.ts';
import { InMemoryTopics, type TopicMemory } from './topic-memory.ts';

/** How many suffixed names (`-2` … ) to try before giving up on a taken channel name. */
const MAX_NAME_ATTEMPTS = 20;

export interface ChatNotifierOptions {
  platform: ChatPlatform;
  context: () => MessageContext;
  /** Where the last topic of each channel is kept (the database, shared by replicas); one process's memory when absent. */
  topics?: TopicMemory;
}

export class ChatNotifier implements IncidentNotifier {
  private readonly chat: ChatPlatform;
  readonly platform: Platform;
  private readonly context: () => MessageContext;
  /** Last topic set per channel, so unchanged topics are not set again (each set is a visible message). */
  private readonly topics: TopicMemory;

  constructor(opts: ChatNotifierOptions) {
    this.chat = opts.platform;
    this.platform = opts.platform.platform;
    this.context = opts.context;
    this.topics = opts.topics ?? new InMemoryTopics();
  }

  async createWarRoom(incident: Incident): Promise<WarRoom> {
    for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS; attempt += 1) {
      const name = warRoomName(incident.number, incident.title, this.chat.maxChannelNameLength, attempt, incident.drill ? 'drill' : 'inc');
      const created = await this.chat.createChannel(name, incident.isPrivate);
      if (created !== 'name_taken') return { channelId: created.id, channelName: name, cardMessageId: null };
    }
    throw new Error(`every channel name for incident #${incident.number} is taken`);
  }

  /** Sets a channel's topic unless it already is `topic` (each set shows as a message in the channel). */
  async setTopic(channelId: string, topic: Line): Promise<void> {
    const key = JSON.stringify(topic);
    if (await this.topics.isLast(channelId, key)) return;
    await this.chat.setTopic(channelId, topic);
    await this.topics.remember(channelId, key);
  }
}
