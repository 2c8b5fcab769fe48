/** HTTP plumbing the fakes share: listen on a free loopback port, read a body, close without waiting for keep-alives. */
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBytes } from './mattermost/http-bodies.ts';

/** Listens on 127.0.0.1 on a port the OS picks; resolves with the base URL. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes the server, cutting keep-alive connections (Node's agents keep them open) instead of waiting for them. */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  server.closeAllConnections();
  await closed;
}

/** The whole request body as UTF-8 text. */
export function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A request as a fake starts on it: its URL (against the fake's base URL) and its whole body, as bytes and as text. */
export async function readRequest(req: IncomingMessage, base: string): Promise<{ url: URL; bytes: Buffer; raw: string }> {
  const bytes = await readBytes(req);
  return { url: new URL(req.url ?? '/', base), bytes, raw: bytes.toString('utf8') };
}
