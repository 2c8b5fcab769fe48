/**
 * Web sessions: signing in with WEB_AUTH_TOKEN on /signin creates a random session id, sent to the browser in an
 * HttpOnly cookie; the raw token never leaves the sign-in form. The store keeps only a hash of the id. A session
 * ends after 12 h unused, 7 days after sign-in at the latest, or on sign-out.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../incidents/ports.ts';

export interface StoredSession {
  viewer: string;
  createdAt: number;
  lastSeenAt: number;
}

/** Where sessions live (the database, so replicas share them); ids arrive here already hashed. */
export interface SessionStore {
  create(idHash: string, session: StoredSession): Promise<void>;
  find(idHash: string): Promise<StoredSession | undefined>;
  touch(idHash: string, at: number): Promise<void>;
  delete(idHash: string): Promise<void>;
  /** Removes sessions unused since `idleBefore` or created before `createdBefore`. */
  expire(idleBefore: number, createdBefore: number): Promise<void>;
}

export interface SessionLifetime {
  idleMs: number;
  maxMs: number;
}

export const DEFAULT_SESSION_LIFETIME: SessionLifetime = { idleMs: 12 * 3_600_000, maxMs: 7 * 86_400_000 };

/** Writing last-seen on every request would make each page view a database write; once a minute is enough. */
const TOUCH_EVERY_MS = 60_000;

const hash = (id: string) => createHash('sha256').update(id).digest('base64url');

export class Sessions {
  private readonly store: SessionStore;
  private readonly clock: Clock;
  readonly lifetime: SessionLifetime;

  constructor(store: SessionStore, clock: Clock, lifetime: SessionLifetime = DEFAULT_SESSION_LIFETIME) {
    this.store = store;
    this.clock = clock;
    this.lifetime = lifetime;
  }

  /** A new session for `viewer`; the returned id goes into the cookie and nowhere else. */
  async start(viewer: string): Promise<string> {
    const now = this.clock.now();
    await this.store.expire(now - this.lifetime.idleMs, now - this.lifetime.maxMs);
    const id = randomBytes(32).toString('base64url');
    await this.store.create(hash(id), { viewer, createdAt: now, lastSeenAt: now });
    return id;
  }

  /** The viewer of a live session, or undefined for an unknown, expired or malformed id. */
  async viewerOf(id: string): Promise<string | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const idHash = hash(id);
    const session = await this.store.find(idHash);
    if (!session) return undefined;
    const now = this.clock.now();
    if (now - session.lastSeenAt > this.lifetime.idleMs || now - session.createdAt > this.lifetime.maxMs) {
      await this.store.delete(idHash);
      return undefined;
    }
    if (now - session.lastSeenAt >= TOUCH_EVERY_MS) await this.store.touch(idHash, now);
    return session.viewer;
  }

  async end(id: string): Promise<void> {
    await this.store.delete(hash(id));
  }
}
