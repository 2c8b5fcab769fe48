/**
 * Slack's Socket Mode, as the fake serves it (https://docs.slack.dev/apis/events-api/using-socket-mode):
 * apps.connections.open, called with the app-level token, answers a `wss://` URL (here `ws://…/socket-mode`); Slack
 * then sends `{ type: 'hello', num_connections, connection_info, debug_info }` and after that envelopes
 * `{ envelope_id, type: 'events_api' | 'interactive' | 'slash_commands', payload, accepts_response_payload,
 * retry_attempt, retry_reason }`, each acknowledged by the app with `{ envelope_id, payload? }`. The payloads are the
 * bodies the HTTP request URL would get (node-slack-sdk packages/socket-mode/src/SocketModeClient.ts reads exactly these).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

export const SOCKET_MODE_PATH = '/socket-mode';

export class FakeSocketMode {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<WebSocket>();
  private readonly acks = new Map<string, (payload: unknown) => void>();
  private readonly connectedWaiters: (() => void)[] = [];

  constructor(server: Server) {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (new URL(req.url ?? '/', 'http://fake').pathname !== SOCKET_MODE_PATH) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }

  /** Resolves once an app has connected and been sent hello. */
  whenConnected(): Promise<void> {
    if (this.sockets.size > 0) return Promise.resolve();
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  /** Sends an envelope to the connected app; resolves with the payload of its acknowledgement. */
  send(type: 'events_api' | 'interactive' | 'slash_commands', payload: unknown): Promise<unknown> {
    const socket = [...this.sockets][0];
    if (!socket) return Promise.reject(new Error('no Socket Mode connection'));
    const envelopeId = randomUUID();
    const acked = new Promise<unknown>((resolve) => this.acks.set(envelopeId, resolve));
    socket.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: 0, retry_reason: '' }));
    return acked;
  }

  close(): void {
    for (const s of this.sockets) s.terminate();
    this.wss.close();
  }

  private accept(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('message', (raw) => {
      const ack = JSON.parse(raw.toString()) as { envelope_id?: string; payload?: unknown };
      const resolve = ack.envelope_id === undefined ? undefined : this.acks.get(ack.envelope_id);
      if (resolve) {
        this.acks.delete(ack.envelope_id ?? '');
        resolve(ack.payload);
      }
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: this.sockets.size, debug_info: { host: 'fake', approximate_connection_time: 3600 }, connection_info: { app_id: 'A0SITROOM' } }));
    for (const wake of this.connectedWaiters.splice(0)) wake();
  }
}
