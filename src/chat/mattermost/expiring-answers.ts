/**
 * Answers from Mattermost's API remembered for a while, by key: a burst of clicks on one card asks the server once.
 * Past `pruneAt` remembered answers, the expired ones are dropped, so the memory follows the clicks of the last
 * `ttlMs`, not every user, channel and post ever seen.
 */
export class ExpiringAnswers<V> {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly pruneAt: number;
  private readonly answers = new Map<string, { value: V; at: number }>();

  constructor(ttlMs: number, now: () => number, pruneAt = 1000) {
    this.ttlMs = ttlMs;
    this.now = now;
    this.pruneAt = pruneAt;
  }

  /** The answer remembered for `key`, unless it is older than the time it is trusted for. */
  get(key: string): V | undefined {
    const answer = this.answers.get(key);
    return answer && this.now() - answer.at < this.ttlMs ? answer.value : undefined;
  }

  set(key: string, value: V): void {
    const at = this.now();
    if (this.answers.size >= this.pruneAt) {
      for (const [k, answer] of this.answers) if (at - answer.at >= this.ttlMs) this.answers.delete(k);
    }
    this.answers.set(key, { value, at });
  }
}
