/** A ChatPlatform that reports every failed call (for the chat API error metric) and passes everything through. */
import type { UserId } from '../incidents/incident.ts';
import type { ChatPlatform, PostedMessage } from './chat-platform.ts';
import type { ChatMessage, Line } from '../presentation/message.ts';
import type { ReplyTo } from '../presentation/reply-effects.ts';

export class CountedPlatform implements ChatPlatform {
  private readonly inner: ChatPlatform;
  private readonly onError: () => void;

  constructor(inner: ChatPlatform, onError: () => void) {
    this.inner = inner;
    this.onError = onError;
  }

  get platform() {
    return this.inner.platform;
  }
  get maxChannelNameLength() {
    return this.inner.maxChannelNameLength;
  }
  get announceChannel() {
    return this.inner.announceChannel;
  }
  get alertsChannel() {
    return this.inner.alertsChannel;
  }

  createChannel(name: string, isPrivate: boolean) {
    return this.count(() => this.inner.createChannel(name, isPrivate));
  }
  invite(channelId: string, users: readonly UserId[]) {
    return this.count(() => this.inner.invite(channelId, users));
  }
  setTopic(channelId: string, topic: Line) {
    return this.count(() => this.inner.setTopic(channelId, topic));
  }
  post(channel: string, message: ChatMessage, key?: string): Promise<PostedMessage> {
    return this.count(() => this.inner.post(channel, message, key));
  }
  update(channel: string, messageId: string, message: ChatMessage) {
    return this.count(() => this.inner.update(channel, messageId, message));
  }
  pin(channel: string, messageId: string) {
    return this.count(() => this.inner.pin(channel, messageId));
  }
  sendDirect(user: UserId, message: ChatMessage) {
    return this.count(() => this.inner.sendDirect(user, message));
  }
  reply(to: ReplyTo, message: ChatMessage) {
    return this.count(() => this.inner.reply(to, message));
  }

  emailOf(user: UserId) {
    return this.count(() => this.inner.emailOf(user));
  }
  postFile(channel: string, file: { filename: string; content: string; title: string }, message: ChatMessage) {
    return this.count(() => this.inner.postFile(channel, file, message));
  }

  private async count<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      this.onError();
      throw e;
    }
  }
}
