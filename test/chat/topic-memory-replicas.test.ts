/**
 * Two replicas setting one war room's topic: each remembers the last topic in the database, so replica A sets topic X
 * again after replica B changed it to Y (a per-process memory made A skip it, leaving Y on the channel).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatNotifier } from '../../src/chat/chat-notifier.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteTopicMemory } from '../../src/storage/topic-memory.ts';
import { messageContext } from '../fakes/chat-context.ts';
import { FakeChatPlatform } from '../fakes/fake-chat-platform.ts';

const opened: Db[] = [];
let dir: string | undefined;
afterEach(() => {
  for (const db of opened.splice(0)) db.$client.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function replica(chat: FakeChatPlatform, path: string): ChatNotifier {
  const db = openDatabase(path);
  opened.push(db);
  return new ChatNotifier({ platform: chat, context: () => messageContext(), topics: new SqliteTopicMemory(db, chat.platform) });
}

describe('channel topics across replicas', () => {
  it('sets a topic again after another replica changed it, and skips one that is unchanged everywhere', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sitroom-topics-'));
    const chat = new FakeChatPlatform();
    const path = join(dir, 'sitroom.db');
    const a = replica(chat, path);
    const b = replica(chat, path);
    const x = ['SEV2 · active · IC carol'];
    const y = ['SEV2 · mitigated · IC carol'];
    await a.setTopic('C1', x);
    await b.setTopic('C1', y);
    await a.setTopic('C1', x);
    expect(chat.callsTo('setTopic').map((c) => c.topic)).toEqual([x, y, x]);
    // The channel shows X now, whichever replica set it: B does not set it again.
    await b.setTopic('C1', x);
    expect(chat.callsTo('setTopic')).toHaveLength(3);
  });
});
