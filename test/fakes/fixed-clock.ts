import type { Clock } from '../../src/incidents/ports.ts';

/** 2025-03-14 14:00:00 UTC: the moment every test starts at unless it says otherwise. */
export const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** A clock that only moves when a test moves it. */
export class FixedClock implements Clock {
  private current: number;

  constructor(start: number = T0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  set(ms: number): void {
    this.current = ms;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
