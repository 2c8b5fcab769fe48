/**
 * Which topic sitroom last set on each channel, so an unchanged topic is not set again (each set shows as a message
 * in the channel). Kept in the database when several replicas run (storage/topic-memory.ts): a per-process memory
 * would skip setting topic X on a channel whose topic another replica has since changed to Y.
 */
export interface TopicMemory {
  /** Whether `key` is the topic last set on `channelId`, by any replica. */
  isLast(channelId: string, key: string): Promise<boolean>;
  remember(channelId: string, key: string): Promise<void>;
}

/** One process's memory: for tests and for sitroom without a database. */
export class InMemoryTopics implements TopicMemory {
  private readonly topics = new Map<string, string>();

  isLast(channelId: string, key: string): Promise<boolean> {
    return Promise.resolve(this.topics.get(channelId) === key);
  }

  remember(channelId: string, key: string): Promise<void> {
    this.topics.set(channelId, key);
    return Promise.resolve();
  }
}
