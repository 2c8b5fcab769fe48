/** A recording ChatPlatform: remembers every call, hands out ids, can mark names taken and fail any method. */
import type { ChatPlatform, PostedMessage, Updated } from '../../src/chat/chat-platform.ts';
import type { ChatMessage, Line } from '../../src/presentation/message.ts';
import type { ReplyTo } from '../../src/presentation/reply-effects.ts';
import type { Platform, UserId } from '../../src/incidents/incident.ts';

export type PlatformCall =
  | { method: 'createChannel'; name: string; isPrivate: boolean }
  | { method: 'invite'; channelId: string; users: UserId[] }
  | { method: 'setTopic'; channelId: string; topic: Line }
  | { method: 'post'; channel: string; message: ChatMessage }
  | { method: 'update'; channel: string; messageId: string; message: ChatMessage }
  | { method: 'pin'; channel: string; messageId: string }
  | { method: 'sendDirect'; user: UserId; message: ChatMessage }
  | { method: 'postFile'; channel: string; file: { filename: string; content: string; title: string }; message: ChatMessage }
  | { method: 'reply'; to: ReplyTo; message: ChatMessage };
export type PlatformMethod = PlatformCall['method'];

export const ANNOUNCE_CHANNEL = 'C-ANNOUNCE';

export class FakeChatPlatform implements ChatPlatform {
  readonly platform: Platform;
  readonly maxChannelNameLength: number;
  readonly announceChannel: string;
  readonly alertsChannel: string;
  /** Channel names that exist already; created channels are added. */
  readonly takenNames = new Set<string>();
  readonly calls: PlatformCall[] = [];
  private readonly failures = new Map<PlatformMethod, Error>();
  private readonly failedCalls = new Set<PlatformCall>();
  private ids = 0;

  constructor(opts: { platform?: Platform; maxChannelNameLength?: number; announceChannel?: string; alertsChannel?: string } = {}) {
    this.platform = opts.platform ?? 'slack';
    this.maxChannelNameLength = opts.maxChannelNameLength ?? 80;
    this.announceChannel = opts.announceChannel ?? ANNOUNCE_CHANNEL;
    this.alertsChannel = opts.alertsChannel ?? 'C-ALERTS';
  }

  failOn(method: PlatformMethod, error: Error = new Error(`${method} failed`)): void {
    this.failures.set(method, error);
  }

  /** `method` works again. */
  recover(method: PlatformMethod): void {
    this.failures.delete(method);
  }

  /** Calls that succeeded (what the platform actually did), in order. */
  get succeeded(): PlatformCall[] {
    return this.calls.filter((c) => !this.failedCalls.has(c));
  }

  callsTo<M extends PlatformMethod>(method: M): Extract<PlatformCall, { method: M }>[] {
    return this.calls.filter((c): c is Extract<PlatformCall, { method: M }> => c.method === method);
  }

  /** Messages posted to `channel`. */
  postsTo(channel: string): ChatMessage[] {
    return this.callsTo('post')
      .filter((c) => c.channel === channel)
      .map((c) => c.message);
  }

  async createChannel(name: string, isPrivate: boolean): Promise<{ id: string } | 'name_taken'> {
    this.record({ method: 'createChannel', name, isPrivate });
    if (this.takenNames.has(name)) return 'name_taken';
    this.takenNames.add(name);
    return { id: this.nextId('C') };
  }

  async invite(channelId: string, users: readonly UserId[]): Promise<void> {
    this.record({ method: 'invite', channelId, users: [...users] });
  }

  async setTopic(channelId: string, topic: Line): Promise<void> {
    this.record({ method: 'setTopic', channelId, topic });
  }

  async post(channel: string, message: ChatMessage): Promise<PostedMessage> {
    this.record({ method: 'post', channel, message });
    return { channel, id: this.nextId('M') };
  }

  /** Set: every update is refused as too old and posted anew (as Mattermost's PostEditTimeLimit makes it). */
  repostOnUpdate = false;

  async update(channel: string, messageId: string, message: ChatMessage): Promise<Updated> {
    this.record({ method: 'update', channel, messageId, message });
    return this.repostOnUpdate ? { replacedBy: this.nextId('M') } : {};
  }

  async pin(channel: string, messageId: string): Promise<void> {
    this.record({ method: 'pin', channel, messageId });
  }

  /** Addresses emailOf answers with (a profile's e-mail); anyone else has none. */
  readonly emails = new Map<UserId, string>();

  async emailOf(user: UserId): Promise<string | undefined> {
    return this.emails.get(user);
  }

  async sendDirect(user: UserId, message: ChatMessage): Promise<void> {
    this.record({ method: 'sendDirect', user, message });
  }

  async postFile(channel: string, file: { filename: string; content: string; title: string }, message: ChatMessage): Promise<void> {
    this.record({ method: 'postFile', channel, file, message });
  }

  async reply(to: ReplyTo, message: ChatMessage): Promise<void> {
    this.record({ method: 'reply', to, message });
  }

  private nextId(prefix: string): string {
    this.ids += 1;
    return `${prefix}${this.ids}`;
  }

  private record(call: PlatformCall): void {
    const recorded = structuredClone(call);
    this.calls.push(recorded);
    const failure = this.failures.get(call.method);
    if (failure) {
      this.failedCalls.add(recorded);
      throw failure;
    }
  }
}
