/**
 * Parses webhook bodies: small ones right here (a few ms), large ones in one worker thread, so a storm delivery does
 * not stop other requests (the event loop only receives the result, slice by slice, between other work).
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../runtime/worker-thread.ts';
import { type DeliveryParse, parseDelivery, type WebhookAlert, type WebhookPayload } from '../alertmanager/alertmanager-payload.ts';

/** Alerts per message from the worker: ~350 KB, received in a few ms. */
export const SLICE_ALERTS = 500;

/** A body to parse, or the request for a delivery's next slice of alerts. */
export type ParseRequest = { id: number; kind: 'parse'; body: Uint8Array } | { id: number; kind: 'more' };

export type ParseReply =
  | { id: number; kind: 'refused'; notJson: boolean; issues: string[] }
  | { id: number; kind: 'head'; head: Omit<WebhookPayload, 'alerts'>; key: string }
  | { id: number; kind: 'alerts'; alerts: WebhookAlert[]; last: boolean };

interface Pending {
  resolve: (result: DeliveryParse) => void;
  reject: (error: Error) => void;
  head?: Omit<WebhookPayload, 'alerts'>;
  key?: string;
  alerts: WebhookAlert[];
}

export class WebhookParser {
  private readonly offLoopAbove: number;
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** Bodies larger than `offLoopAboveBytes` are parsed in the worker thread. */
  constructor(offLoopAboveBytes: number) {
    this.offLoopAbove = offLoopAboveBytes;
  }

  parse(body: Buffer): Promise<DeliveryParse> {
    if (body.length <= this.offLoopAbove) return Promise.resolve(parseDelivery(body));
    const id = this.nextId++;
    const worker = this.ensureWorker();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, alerts: [] });
      // A body that owns its whole memory is handed over, not copied.
      const owned = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer;
      const bytes = owned ? new Uint8Array(body.buffer) : new Uint8Array(body);
      worker.postMessage({ id, kind: 'parse', body: bytes } satisfies ParseRequest, [bytes.buffer as ArrayBuffer]);
    });
  }

  /** Stops the worker (pending parses fail). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(import.meta.url, 'webhook-parse-worker');
    // Idle, it must not keep the process alive.
    worker.unref();
    worker.on('message', (m: ParseReply) => this.receive(m));
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`webhook parse worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private receive(m: ParseReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    switch (m.kind) {
      case 'refused':
        this.pending.delete(m.id);
        p.resolve({ ok: false, notJson: m.notJson, issues: m.issues });
        return;
      case 'head':
        p.head = m.head;
        p.key = m.key;
        return;
      case 'alerts':
        for (const a of m.alerts) p.alerts.push(a);
        if (!m.last) {
          // The next slice after other work had its turn.
          setImmediate(() => this.worker?.postMessage({ id: m.id, kind: 'more' } satisfies ParseRequest));
          return;
        }
        this.pending.delete(m.id);
        if (p.head && p.key !== undefined) p.resolve({ ok: true, payload: { ...p.head, alerts: p.alerts }, key: p.key });
        else p.reject(new Error('webhook parse worker sent alerts before their delivery'));
    }
  }
}
