/** A recording SilenceClient: silences get ids silence-1, silence-2…; create and expire can be told to fail. */
import type { SilenceClient, SilenceRequest } from '../../src/alerts/ports.ts';

export class FakeSilenceClient implements SilenceClient {
  readonly created: SilenceRequest[] = [];
  readonly expired: string[] = [];
  /** When set, create rejects with it (nothing is created). */
  createFailure: Error | null = null;
  /** When set, expire rejects with it. */
  expireFailure: Error | null = null;

  async create(silence: SilenceRequest): Promise<string> {
    if (this.createFailure) throw this.createFailure;
    this.created.push(structuredClone(silence));
    return `silence-${this.created.length}`;
  }

  async expire(id: string): Promise<void> {
    if (this.expireFailure) throw this.expireFailure;
    this.expired.push(id);
  }
}
