/**
 * IncidentNotifier for any chat platform: the weekly digest, plus the two steps the outbox's deliverer borrows
 * (creating a war room under the platform's name rules, setting a topic only when it changed).
 */
import type { Digest } from '../incidents/digest.ts';
import type { Incident, WarRoom } from '../incidents/incident.ts';
import type { IncidentNotifier } from '../incidents/ports.ts';
import { warRoomName } from '../incidents/war-room-name.ts';
import type { ChatPlatform } from './chat-platform.ts';
import type { Line } from '../presentation/message.ts';
import { digestMessage, type MessageContext, overdueMessage } from './messages.ts';

/** How many suffixed names (`-2` … ) to try before giving up on a taken channel name. */
const MAX_NAME_ATTEMPTS = 20;

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
