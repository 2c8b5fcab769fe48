/**
 * HTTP/1.1 requests written byte for byte over node:net, so tests can send what fetch refuses to: malformed or
 * conflicting Content-Length, declared lengths longer than the body, invalid header bytes, bad chunking.
 */
import { connect } from 'node:net';

export interface RawAnswer {
  /** The status code, or null when the connection closed (or time ran out) without a status line. */
  status: number | null;
  /** Everything the server wrote, headers and body, as latin1 text. */
  raw: string;
  /** True when the server neither answered nor closed within the time limit. */
  timedOut: boolean;
}

/**
 * Sends `bytes` to 127.0.0.1:port and collects the answer until the server closes or `timeoutMs` pass. With
 * `halfClose` the client then sends FIN, as a client that gave up mid-body does (a server may close without an answer).
 */
export function sendRaw(port: number, bytes: Buffer, timeoutMs: number, halfClose = false): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    let done = false;
    const finish = (timedOut: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1];
      resolve({ status: status ? Number(status) : null, raw, timedOut });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => {
      socket.write(bytes);
      if (halfClose) socket.end();
    });
  });
}

/** A seeded pseudo-random generator (mulberry32): the same seed sends the same requests. */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)] as T,
    chance: (p: number) => next() < p,
    bytes: (n: number) => Buffer.from(Array.from({ length: n }, () => int(256))),
  };
}
export type Random = ReturnType<typeof seededRandom>;
