/**
 * TopicMemory (src/chat/topic-memory.ts) in the database, per platform, on either engine: every replica sees the last
 * topic set. A SHA-256 of the topic is kept, not the topic (a private incident's title stays out of this table).
 * They fit the port by shape, checked where app.ts wires them: storage imports no chat code.
 */

/** What both engines' topic memories do (the chat's TopicMemory port). */
export interface StoredTopics {
  isLast(channelId: string, key: string): Promise<boolean>;
  remember(channelId: string, key: string): Promise<void>;
}
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Platform } from '../incidents/incident.ts';
import type { Db } from './database.ts';

const hash = (key: string) => createHash('sha256').update(key).digest('base64url');

export class SqliteTopicMemory implements StoredTopics {
  private readonly db: Db;
  private readonly platform: Platform;

  constructor(db: Db, platform: Platform) {
    this.db = db;
    this.platform = platform;
  }

  isLast(channelId: string, key: string): Promise<boolean> {
    const row = this.db.$client.prepare('SELECT topic_hash FROM channel_topics WHERE platform = ? AND channel_id = ?').get(this.platform, channelId) as
      | { topic_hash: string }
      | undefined;
    return Promise.resolve(row?.topic_hash === hash(key));
  }

  remember(channelId: string, key: string): Promise<void> {
    this.db.$client
      .prepare('INSERT INTO channel_topics (platform, channel_id, topic_hash) VALUES (?, ?, ?) ON CONFLICT (platform, channel_id) DO UPDATE SET topic_hash = excluded.topic_hash')
      .run(this.platform, channelId, hash(key));
    return Promise.resolve();
  }
}

export class PgTopicMemory implements StoredTopics {
  private readonly pool: pg.Pool;
  private readonly platform: Platform;

  constructor(pool: pg.Pool, platform: Platform) {
    this.pool = pool;
    this.platform = platform;
  }

  async isLast(channelId: string, key: string): Promise<boolean> {
    const r = await this.pool.query<{ topic_hash: string }>('SELECT topic_hash FROM channel_topics WHERE platform = $1 AND channel_id = $2', [this.platform, channelId]);
    return r.rows[0]?.topic_hash === hash(key);
  }

  async remember(channelId: string, key: string): Promise<void> {
    await this.pool.query(
      'INSERT INTO channel_topics (platform, channel_id, topic_hash) VALUES ($1, $2, $3) ON CONFLICT (platform, channel_id) DO UPDATE SET topic_hash = excluded.topic_hash',
      [this.platform, channelId, hash(key)],
    );
  }
}
