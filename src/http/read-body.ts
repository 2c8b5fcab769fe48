/** Reads a request body up to a limit, so no caller can make sitroom buffer without bound. */
import type { IncomingMessage } from 'node:http';

/** Why a body could not be read, with the HTTP status that says so. */
export class BodyError extends Error {
  readonly status: 400 | 411 | 413;
  constructor(status: 400 | 411 | 413, message: string) {
    super(message);
    this.name = 'BodyError';
    this.status = status;
  }
}

export class BodyTooLarge extends BodyError {
  constructor(limit: number) {
    super(413, `the request body is larger than ${limit} bytes`);
  }
}

/** The declared Content-Length: a number, `undefined` when absent, or `null` when it is not a valid length. */
export function declaredLength(req: IncomingMessage): number | undefined | null {
  const header = req.headers['content-length'];
  if (header === undefined) return undefined;
  // Node's parser refuses most bad values; a handler may still be handed a crafted IncomingMessage.
  return /^\d{1,15}$/.test(header.trim()) ? Number(header.trim()) : null;
}

/** Declared bodies above this size are copied into one buffer as they arrive. */
const INCREMENTAL_ABOVE = 64 * 1024;

/**
 * The whole body, or a BodyError: 413 as soon as it passes `limit` bytes (declared or counted, chunked or not;
 * the rest is drained, not buffered), 400 for an invalid Content-Length or a client that went away mid-body.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: BodyError) => {
      if (settled) return;
      settled = true;
      req.removeListener('data', onData);
      // Drain rather than destroy, so the answer still reaches the caller; the server's request timeout ends a
      // client that keeps sending.
      req.resume();
      reject(error);
    };
    const declared = declaredLength(req);
    if (declared === null) return fail(new BodyError(400, 'the Content-Length header is not a valid length'));
    if (declared !== undefined && declared > limit) return fail(new BodyTooLarge(limit));
    const chunks: Buffer[] = [];
    let size = 0;
    // A large declared body is copied into place as it arrives: joining 50 MB of chunks at the end holds the event
    // loop ~100 ms. The buffer owns its memory, so it can be handed to a worker thread without another copy.
    const whole = declared !== undefined && declared > INCREMENTAL_ABOVE ? Buffer.allocUnsafeSlow(declared) : undefined;
    function onData(chunk: Buffer): void {
      if (whole && size + chunk.length <= whole.length) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
      if (size > limit) return fail(new BodyTooLarge(limit));
    }
    req.on('data', onData);
    req.once('end', () => {
      if (settled) return;
      settled = true;
      if (whole && chunks.length === 0) resolve(size === whole.length ? whole : whole.subarray(0, size));
      else if (whole) resolve(Buffer.concat([whole.subarray(0, size - chunks.reduce((n, c) => n + c.length, 0)), ...chunks]));
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    // Built only when it is the answer: every request closes after its 'end', and an Error captures a stack trace.
    const wentAway = () => {
      if (!settled) fail(new BodyError(400, 'the client went away before the body was complete'));
    };
    req.once('error', wentAway);
    // An abort may only be seen as 'close' without 'end'.
    req.once('close', wentAway);
  });
}
