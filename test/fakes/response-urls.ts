/**
 * What a fake chat server received on its response_urls (Slack's interaction responses, Mattermost's command
 * webhooks): bodies by id, in order, to read back or wait for. Each fake keeps its platform's own rules on who may
 * post and how often; this only keeps what was accepted.
 */
import type { Waiters } from './waiters.ts';

export class ResponseUrlBodies {
  private readonly bodies = new Map<string, unknown[]>();
  private readonly waiters: Waiters;

  /** `waiters`: the fake's, woken when a body arrives. */
  constructor(waiters: Waiters) {
    this.waiters = waiters;
  }

  record(id: string, body: unknown): void {
    const bodies = this.bodies.get(id) ?? [];
    bodies.push(body);
    this.bodies.set(id, bodies);
    this.waiters.notify();
  }

  /** How many bodies `id` took. */
  count(id: string): number {
    return this.bodies.get(id)?.length ?? 0;
  }

  /** The bodies posted to `id`, in order. */
  all(id: string): unknown[] {
    return [...(this.bodies.get(id) ?? [])];
  }

  /** Resolves with the first body posted to `id`. */
  first(id: string, timeoutMs: number): Promise<unknown> {
    return this.waiters.until(
      () => this.bodies.get(id)?.[0],
      timeoutMs,
      () => `nothing posted to response_url ${id}; response ids seen: ${[...this.bodies.keys()].join(', ') || '(none)'}`,
    );
  }

  clear(): void {
    this.bodies.clear();
  }
}
