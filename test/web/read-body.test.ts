import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBody } from '../../src/http/read-body.ts';

/** A request whose body arrives in `chunks`, with `headers`. */
function request(chunks: Buffer[], headers: Record<string, string>): IncomingMessage {
  return Object.assign(Readable.from(chunks, { objectMode: false }), { headers }) as unknown as IncomingMessage;
}

const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251));

describe('readBody', () => {
  it('reads a large declared body arriving in many chunks whole, into one buffer that owns its memory', async () => {
    const chunks = Array.from({ length: 40 }, (_, i) => bytes(16 * 1024 + i, i));
    const total = Buffer.concat(chunks);
    const body = await readBody(request(chunks, { 'content-length': String(total.length) }), 10 * 1024 * 1024);
    expect(body.equals(total)).toBe(true);
    // Owning its memory lets the webhook parser transfer it to its worker without a copy.
    expect([body.byteOffset, body.byteLength]).toEqual([0, body.buffer.byteLength]);
  });

  it('reads small and undeclared bodies as before', async () => {
    const small = bytes(1000, 3);
    expect((await readBody(request([small], { 'content-length': '1000' }), 1e6)).equals(small)).toBe(true);
    const parts = [bytes(70_000, 1), bytes(70_000, 2)];
    expect((await readBody(request(parts, {}), 1e6)).equals(Buffer.concat(parts))).toBe(true);
  });

  it('still refuses a body past the limit', async () => {
    const parts = [bytes(70_000, 1), bytes(70_000, 2)];
    await expect(readBody(request(parts, { 'content-length': '100000' }), 100_000)).rejects.toThrow('larger than 100000 bytes');
  });
});
