/**
 * Keeps each alert group's card current on every chat, coalesced: a group's card is posted or updated at
 * most once per `minIntervalMs` whatever the delivery rate (storms), and always ends on the latest state.
 * What a card shows is versioned in the database, so a restart or a failed chat call is caught up by sweep().
 */
import type { Platform } from '../incidents/incident.ts';
import type { AlertGroupView } from './alert-group.ts';
import type { AlertNotifier, AlertStore } from './ports.ts';

export interface Timers {
  now(): number;
  /** Runs `fn` after `ms`; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export interface CardSyncOptions {
  store: AlertStore;
  notifiers: Partial<Record<Platform, AlertNotifier>>;
  view: (groupId: number) => AlertGroupView | undefined;
  timers?: Timers;
  minIntervalMs?: number;
  /** A card could not be shown on `platform` (null: the group itself could not be read). */
  onError?: (groupId: number, platform: Platform | null, error: unknown) => void;
}

interface GroupState {
  lastRunAt: number;
  cancel?: () => void;
  running?: Promise<void>;
  again: boolean;
}

/** A first-card claim older than this is taken over (its process died mid-post). */
const CLAIM_STALE_MS = 60_000;

export class AlertCardSync {
  private readonly opts: Required<Omit<CardSyncOptions, 'onError'>> & Pick<CardSyncOptions, 'onError'>;
  private readonly groups = new Map<number, GroupState>();
  private stopped = false;

  constructor(opts: CardSyncOptions) {
    this.opts = { timers: realTimers, minIntervalMs: 1000, ...opts };
  }

  /** The group changed: bring its cards up to date now, or as soon as the interval allows. */
  changed(groupId: number): void {
    if (this.stopped) return;
    const state = this.groups.get(groupId) ?? { lastRunAt: -Infinity, again: false };
    this.groups.set(groupId, state);
    if (state.running) {
      state.again = true;
      return;
    }
    if (state.cancel) return;
    const wait = state.lastRunAt + this.opts.minIntervalMs - this.opts.timers.now();
    if (wait <= 0) this.run(groupId, state);
    else
      state.cancel = this.opts.timers.after(wait, () => {
        state.cancel = undefined;
        this.run(groupId, state);
      });
  }

  /** Catches up cards left behind (a restart, a failed chat call) for groups changed since `since`. */
  sweep(since: number): void {
    const platforms = Object.keys(this.opts.notifiers) as Platform[];
    for (const id of this.opts.store.staleCards(platforms, since, 100)) this.changed(id);
  }

  /** Resolves when no card work is pending or running (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [...this.groups.values()].filter((s) => s.running || s.cancel);
      if (busy.length === 0) return;
      const running = busy.map((s) => s.running).filter((p): p is Promise<void> => p !== undefined);
      if (running.length === 0) return; // only timers left: nothing is in flight right now
      await Promise.all(running);
    }
  }

  /** Stops scheduling and waits for work in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const state of this.groups.values()) state.cancel?.();
    await Promise.all([...this.groups.values()].map((s) => s.running));
  }

  private run(groupId: number, state: GroupState): void {
    state.lastRunAt = this.opts.timers.now();
    state.running = this.sync(groupId)
      .catch((error: unknown) => this.opts.onError?.(groupId, null, error))
      .finally(() => {
        state.running = undefined;
        if (state.again) {
          state.again = false;
          this.changed(groupId);
        }
      });
  }

  private async sync(groupId: number): Promise<void> {
    const view = this.opts.view(groupId);
    if (!view) return;
    const { store } = this.opts;
    for (const [platform, notifier] of Object.entries(this.opts.notifiers) as [Platform, AlertNotifier][]) {
      try {
        const card = store.card(groupId, platform);
        if (card && card.version >= view.group.version) continue;
        if (!card && !store.claimCard(groupId, platform, this.opts.timers.now(), CLAIM_STALE_MS)) continue;
        let shown;
        try {
          shown = await notifier.showCard(view, card ?? null);
        } catch (error) {
          if (!card) store.releaseCardClaim(groupId, platform);
          throw error;
        }
        store.saveCard(groupId, platform, shown, view.group.version);
      } catch (error) {
        this.opts.onError?.(groupId, platform, error);
      }
    }
  }
}
