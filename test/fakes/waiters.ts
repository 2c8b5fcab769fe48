/** Promise-based waits for a fake's recorded state: re-checked after every recording, bounded by a timeout. */
interface Waiter {
  check(): boolean;
  abort(reason: Error): void;
}

export class Waiters {
  private readonly pending = new Set<Waiter>();
  private readonly owner: string;

  /** `owner` names the fake in timeout messages. */
  constructor(owner: string) {
    this.owner = owner;
  }

  /** Re-checks every pending wait (call after recording anything). */
  notify(): void {
    for (const waiter of this.pending) if (waiter.check()) this.pending.delete(waiter);
  }

  /** Resolves with `find()` once it is defined; rejects after `timeoutMs` with `describeMiss()`. */
  until<T>(find: () => T | undefined, timeoutMs: number, describeMiss: () => string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const found = find();
          if (found === undefined) return false;
          clearTimeout(timer);
          resolve(found);
          return true;
        },
        abort: (reason) => {
          clearTimeout(timer);
          reject(reason);
        },
      };
      const timer = setTimeout(() => {
        this.pending.delete(waiter);
        reject(new Error(`${this.owner}: timed out after ${timeoutMs}ms: ${describeMiss()}`));
      }, timeoutMs);
      if (!waiter.check()) this.pending.add(waiter);
    });
  }

  /** Rejects every pending wait (the fake closed). */
  abortAll(): void {
    for (const waiter of this.pending) waiter.abort(new Error(`${this.owner} closed`));
    this.pending.clear();
  }
}
