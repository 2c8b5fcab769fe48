/** Timers that only move when a test moves them: `after` queues, `advance` runs what falls due, in order. */
import { T0 } from './fixed-clock.ts';

export interface Timers {
  now(): number;
  /** Runs `fn` after `ms`; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeTimers implements Timers {
  private current: number;
  private queue: Pending[] = [];
  private seq = 0;

  constructor(start: number = T0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.current + ms, seq: (this.seq += 1), fn };
    this.queue.push(timer);
    return () => {
      this.queue = this.queue.filter((t) => t !== timer);
    };
  }

  /** Timers queued and not yet run or cancelled. */
  get pending(): number {
    return this.queue.length;
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way, earliest first. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      const next = [...this.queue].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next || next.at > end) break;
      this.queue = this.queue.filter((t) => t !== next);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = end;
  }
}
