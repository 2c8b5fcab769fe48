/** The outbox on SQLite (schema.ts `outbox`). Rows become OutboxRow here and nowhere else. */
import type Database from 'better-sqlite3';
import { type Destination, type Lane, LANES, type QueuedEffect } from '../incidents/effects.ts';
import type { UserId } from '../incidents/incident.ts';
import type { Backlog, OutboxEffect, OutboxRow, OutboxState, OutboxStore } from '../delivery/outbox.ts';
import type { Db } from './database.ts';
import type { SqlRow } from './raw-rows.ts';
import type { outbox } from './schema.ts';

/** The row as a plain statement returns it (raw-rows.ts): the schema is its source. */
export type Row = SqlRow<typeof outbox>;

export const toOutboxRow = (r: Row): OutboxRow => ({
  id: r.id,
  platform: r.platform as Destination,
  lane: r.lane as Lane,
  target: r.target,
  ...(r.coalesce_key === null ? {} : { coalesceKey: r.coalesce_key }),
  version: r.version,
  ...(r.incident_number === null ? {} : { incidentNumber: r.incident_number }),
  ...(r.actor === null ? {} : { actor: r.actor as UserId }),
  effect: JSON.parse(r.payload) as OutboxEffect,
  at: r.created_at,
  state: r.state as OutboxState,
  attempts: r.attempts,
  createdAt: r.created_at,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  messageId: r.message_id,
});

/**
 * Who hears of rows written through one connection. Rows are written inside the caller's transaction, so listeners
 * are told on the next turn (setImmediate): the transaction has ended by then, the request that wrote the rows has
 * been answered, and all the writes of one turn make one wake-up.
 */
export class WrittenSignal {
  readonly listeners = new Set<(platform: Destination) => void>();
  private readonly platforms = new Set<Destination>();
  private scheduled = false;

  wrote(platform: Destination): void {
    if (this.listeners.size === 0) return;
    this.platforms.add(platform);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const platforms = [...this.platforms];
      this.platforms.clear();
      for (const p of platforms) for (const listener of this.listeners) listener(p);
    });
  }
}

/**
 * The statements that look rows up by their coalesce key (one card, topic or summary card). INDEXED BY
 * outbox_coalesce_idx: without statistics (sitroom runs no ANALYZE) SQLite chose outbox_pending_idx (state, platform)
 * for them and walked every pending row of the platform, ~50 us a webhook delivery with 200 cards pending and more
 * with a larger backlog, where the key's own rows are one or two. test/storage/outbox-query-plans.test.ts holds them to it.
 */
export const BY_KEY_SQL = {
  // A storm bumps a group's version with every delivery; a pending row at that version or newer already carries it
  // (a row is rendered from the state as it is when delivered), so a second one would only be superseded later.
  covered: `SELECT 1 FROM outbox INDEXED BY outbox_coalesce_idx WHERE coalesce_key = ? AND platform = ? AND state = 'pending' AND version >= ? LIMIT 1`,
  // A pending row of the same key and the same payload that no process is sending (not leased) says the same thing
  // at an older version: it is moved to the newer version in place. An alert storm changed each group's version
  // with every delivery and wrote a row each time (a row and four index entries per delivery), and every claim
  // then waded through the superseded backlog; now a card has one pending row however many deliveries come.
  // A leased row is being sent from the state as it was, so a change after its claim still gets a row of its own.
  moveUp: `UPDATE outbox INDEXED BY outbox_coalesce_idx SET version = MAX(version, @version) WHERE coalesce_key = @key AND platform = @platform
    AND state = 'pending' AND claimed_until <= @now AND payload = @payload`,
  // A row of `key` with a newer row of the key (pending or sent): the newer one carries the state.
  newer: `SELECT 1 FROM outbox n INDEXED BY outbox_coalesce_idx WHERE n.coalesce_key = @key AND n.platform = @platform AND n.state IN ('pending', 'sent')
    AND (n.version > @version OR (n.version = @version AND n.id > @id)) LIMIT 1`,
  // Every pending row of `key` not being sent that a newer row carries.
  supersede: `UPDATE outbox INDEXED BY outbox_coalesce_idx SET state = 'superseded', done_at = @now WHERE coalesce_key = @key AND state = 'pending'
    AND platform = @platform AND claimed_until <= @now AND EXISTS (SELECT 1 FROM outbox n WHERE n.coalesce_key = outbox.coalesce_key
    AND n.platform = outbox.platform AND n.state IN ('pending', 'sent') AND (n.version > outbox.version OR (n.version = outbox.version AND n.id > outbox.id)))`,
} as const;

interface Writer {
  insert: Database.Statement;
  covered: Database.Statement;
  moveUp: Database.Statement;
  signal: WrittenSignal;
}

/** Per connection: its statements (preparing them on every write cost ~0.2 ms a command) and its signal. */
const writers = new WeakMap<Database.Database, Writer>();

function writerFor(client: Database.Database): Writer {
  let writer = writers.get(client);
  if (!writer) {
    writer = {
      insert: client.prepare(`INSERT INTO outbox (platform, lane, target, kind, payload, coalesce_key, version, incident_number, actor,
    state, attempts, created_at, next_attempt_at, claimed_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, 0)`),
      // A storm bumps a group's version with every delivery; a pending row at that version or newer already carries it
      // (a row is rendered from the state as it is when delivered), so a second one would only be superseded later.
      covered: client.prepare(BY_KEY_SQL.covered),
      // A pending row of the same key and the same payload that no process is sending (not leased) says the same thing
      // at an older version: it is moved to the newer version in place. An alert storm changed each group's version
      // with every delivery and wrote a row each time (a row and four index entries per delivery), and every claim
      // then waded through the superseded backlog; now a card has one pending row however many deliveries come.
      // A leased row is being sent from the state as it was, so a change after its claim still gets a row of its own.
      moveUp: client.prepare(BY_KEY_SQL.moveUp),
      signal: new WrittenSignal(),
    };
    writers.set(client, writer);
  }
  return writer;
}

/**
 * Writes `effects` as pending rows. Called inside the transaction of the change that implies them (the incident
 * store's mutate), so a change and its effects are stored together or not at all.
 */
export function writeOutbox(client: Database.Database, effects: readonly QueuedEffect<OutboxEffect>[]): void {
  if (effects.length === 0) return;
  const { insert, covered, moveUp, signal } = writerFor(client);
  for (const e of effects) {
    const version = e.version ?? 0;
    const payload = JSON.stringify(e.effect);
    if (e.coalesceKey !== undefined && version > 0) {
      // Moved in place: the dispatcher already knows of that row, so there is nothing to wake it for.
      if (moveUp.run({ version, key: e.coalesceKey, platform: e.platform, now: e.at, payload }).changes > 0) continue;
      if (covered.get(e.coalesceKey, e.platform, version)) continue;
    }
    insert.run(e.platform, e.lane, e.target, e.effect.kind, payload, e.coalesceKey ?? null, version, e.incidentNumber ?? null, e.actor ?? null, e.at, e.at);
    // Told after the transaction: a rolled-back write makes one needless look, never a missed one.
    signal.wrote(e.platform);
  }
}


export class SqliteOutboxStore implements OutboxStore {
  private readonly client: Database.Database;
  private readonly write: Database.Transaction<(effects: readonly QueuedEffect<OutboxEffect>[]) => void>;
  private readonly s;

  constructor(db: Db) {
    this.client = db.$client;
    const c = this.client;
    // Built once: better-sqlite3's transaction() makes four wrapper functions per call (the webhook enqueues per commit).
    this.write = c.transaction((effects: readonly QueuedEffect<OutboxEffect>[]) => writeOutbox(c, effects));
    this.s = {
      newer: c.prepare(BY_KEY_SQL.newer),
      supersede: c.prepare(BY_KEY_SQL.supersede),
      // The heads of one lane (no older pending row of the same target exists: order within a target), oldest first.
      // INDEXED BY: the walk in id order over the pending rows of the lane stops at the limit; without statistics
      // (sitroom runs no ANALYZE) SQLite would pick outbox_pending_idx and sort every due row of the backlog first.
      due: c.prepare(`SELECT * FROM outbox o INDEXED BY outbox_due_idx WHERE o.state = 'pending' AND o.platform = @platform AND o.lane = @lane
        AND o.next_attempt_at <= @now AND o.claimed_until <= @now AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.platform = o.platform
        AND p.target = o.target AND p.state = 'pending' AND p.id < o.id) ORDER BY o.id LIMIT @limit`),
      lease: c.prepare('UPDATE outbox SET claimed_until = ? WHERE id = ?'),
      delivered: c.prepare("UPDATE outbox SET state = 'sent', done_at = ?, message_id = ?, attempts = attempts + 1, claimed_until = 0 WHERE id = ?"),
      later: c.prepare('UPDATE outbox SET next_attempt_at = ?, last_error = ?, attempts = attempts + ?, claimed_until = 0 WHERE id = ?'),
      gaveUp: c.prepare("UPDATE outbox SET state = 'gave_up', done_at = ?, last_error = ?, claimed_until = 0 WHERE id = ?"),
      pending: c.prepare("SELECT lane, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE state = 'pending' GROUP BY lane"),
      givenUp: c.prepare("SELECT * FROM outbox WHERE incident_number = ? AND state = 'gave_up' ORDER BY id"),
    };
  }

  async enqueue(effects: readonly QueuedEffect<OutboxEffect>[]): Promise<void> {
    this.write.immediate(effects);
  }

  /**
   * The heads due now, leased. A head that a newer row of its key carries is superseded (with the other such rows of
   * its key) and the heads are read again, so the newer one is what goes. Superseding only the keys found at the heads
   * keeps a claim's cost to the rows it returns: superseding over every pending row first cost ~3 ms a claim with a
   * backlog of 5,000 (npm run bench -- mm-ack), and obsolete rows behind a head are superseded when they reach it.
   */
  async claim(platform: Destination, now: number, leaseMs: number, limit: number): Promise<OutboxRow[]> {
    return this.client
      .transaction(() => {
        for (;;) {
          const heads = this.heads(platform, now, limit);
          const obsolete = heads.filter((r) => r.coalesce_key !== null && this.s.newer.get({ key: r.coalesce_key, platform, version: r.version, id: r.id }));
          // Each pass supersedes at least one pending row, so this ends.
          for (const r of obsolete) this.s.supersede.run({ now, platform, key: r.coalesce_key });
          if (obsolete.length > 0) continue;
          for (const row of heads) this.s.lease.run(now + leaseMs, row.id);
          return heads.map(toOutboxRow);
        }
      })
      .immediate();
  }

  /**
   * Due heads, the incident lane first. A platform's rows are either chat lanes (incident, alert) or one tool's lane
   * (webhook, github), so lane by lane is the order a single sort by (incident first, id) gave.
   */
  private heads(platform: Destination, now: number, limit: number): Row[] {
    const heads: Row[] = [];
    // LANES is the order lanes are served in (effects.ts): incident traffic, then delayed replies, then alert cards.
    for (const lane of LANES) {
      if (heads.length >= limit) break;
      heads.push(...(this.s.due.all({ now, platform, lane, limit: limit - heads.length }) as Row[]));
    }
    return heads;
  }

  async delivered(id: number, now: number, messageId: string | null): Promise<void> {
    this.s.delivered.run(now, messageId, id);
  }

  async later(id: number, at: number, error: string | null, attempted: boolean): Promise<void> {
    this.s.later.run(at, error, attempted ? 1 : 0, id);
  }

  async gaveUp(id: number, now: number, error: string): Promise<void> {
    this.s.gaveUp.run(now, error, id);
  }

  async backlog(): Promise<Backlog> {
    const pending: Record<Lane, number> = { incident: 0, reply: 0, alert: 0, webhook: 0, github: 0 };
    let oldestCreatedAt: number | null = null;
    for (const r of this.s.pending.all() as { lane: Lane; n: number; oldest: number }[]) {
      pending[r.lane] = r.n;
      oldestCreatedAt = oldestCreatedAt === null ? r.oldest : Math.min(oldestCreatedAt, r.oldest);
    }
    return { pending, oldestCreatedAt };
  }

  async givenUp(incidentNumber: number): Promise<OutboxRow[]> {
    return (this.s.givenUp.all(incidentNumber) as Row[]).map(toOutboxRow);
  }

  onWritten(listener: (platform: Destination) => void): () => void {
    const { listeners } = writerFor(this.client).signal;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }
}
