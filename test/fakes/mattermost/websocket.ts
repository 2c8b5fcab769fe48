/**
 * The fake Mattermost's WebSocket API on `/api/v4/websocket` (the `ws` package on the server side), speaking the
 * server's protocol (mattermost/mattermost server/channels/app/platform):
 * - websocket_router.go ServeWebSocket: a request without `action` is answered FAIL
 *   `api.web_socket_router.no_action.app_error`, a `seq` of 0 or less FAIL `api.web_socket_router.bad_seq.app_error`;
 *   `authentication_challenge` with a token the server does not know (or no token) closes the connection, with a
 *   known one it is answered `{ status: 'OK', seq_reply }`; a second challenge on an authenticated connection is
 *   ignored; any other action before authentication is FAIL `api.web_socket_router.not_authenticated.app_error`.
 * - web_hub.go: a registered connection is sent the `hello` event (`data.server_version`, `data.connection_id`).
 * - web_conn.go: events are `{ event, data, broadcast, seq }` with `seq` counting from 0 per connection; an event
 *   broadcast to a channel reaches only the connections of the channel's members; writePump pings every connection
 *   every pingInterval (pongWaitTime 100 s · 6/10 = 60 s), authenticated or not.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

interface Connection {
  socket: WebSocket;
  userId: string | undefined;
  seq: number;
  id: string;
  pinger: NodeJS.Timeout;
  /** The network between server and client silently died: nothing reaches the client any more, nor is it closed. */
  stalled: boolean;
}

/** web_conn.go pingInterval. */
const SERVER_PING_INTERVAL_MS = 60_000;

export interface FakeWebSocketOptions {
  /** The user a session token belongs to, or undefined when the server does not know it. */
  userOfToken: (token: string) => string | undefined;
  isMember: (userId: string, channelId: string) => boolean;
  serverVersion: string;
}

const fail = (seq: unknown, id: string, status: number) => ({
  status: 'FAIL',
  seq_reply: typeof seq === 'number' ? seq : 0,
  error: { id, message: id, detailed_error: '', status_code: status },
});

export class FakeMattermostWebSocket {
  /** Every frame sent to a client, for tests that check what the server said. */
  readonly sent: { userId: string | undefined; frame: Record<string, unknown> }[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  private readonly o: FakeWebSocketOptions;
  private readonly authenticatedWaiters: (() => void)[] = [];

  constructor(server: Server, opts: FakeWebSocketOptions) {
    this.o = opts;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (new URL(req.url ?? '/', 'http://fake').pathname !== '/api/v4/websocket') {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }

  /** How many connections were ever opened (reconnections count). */
  opened = 0;
  /** Pings sent to clients so far. */
  pings = 0;
  private pingIntervalMs = SERVER_PING_INTERVAL_MS;

  /** Pings new connections every `ms` instead of the server's 60 s (tests of a client's liveness check). */
  pingEvery(ms: number): void {
    this.pingIntervalMs = ms;
  }

  /**
   * The open connections go dead without closing (a NAT or proxy forgot them): no ping, event or answer reaches
   * their clients any more. Connections made afterwards work.
   */
  stallAll(): void {
    for (const c of this.connections) c.stalled = true;
  }

  /** How many connections have authenticated (and are still open). */
  get authenticated(): number {
    return [...this.connections].filter((c) => c.userId !== undefined).length;
  }

  /** Resolves once at least one connection has authenticated. */
  whenAuthenticated(): Promise<void> {
    if (this.authenticated > 0) return Promise.resolve();
    return new Promise((resolve) => this.authenticatedWaiters.push(resolve));
  }

  /** Sends `event` to the connections of `channelId`'s members, as the hub does for a channel broadcast. */
  broadcastToChannel(event: string, data: Record<string, unknown>, channelId: string): void {
    for (const c of this.connections) {
      if (c.stalled || c.userId === undefined || !this.o.isMember(c.userId, channelId)) continue;
      this.send(c, { event, data, broadcast: { omit_users: null, user_id: '', channel_id: channelId, team_id: '', connection_id: '', omit_connection_id: '' }, seq: c.seq++ });
    }
  }

  /**
   * Resolves once every open connection has answered a ping. A client handles frames in order, so by then it has
   * received (and handed to its listeners) every event sent before.
   */
  async roundTrip(): Promise<void> {
    await Promise.all(
      [...this.connections].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.stalled || c.socket.readyState !== WebSocket.OPEN) return resolve();
            c.socket.once('pong', () => resolve());
            c.socket.once('close', () => resolve());
            c.socket.ping();
          }),
      ),
    );
  }

  /** Drops every connection, as a server restart does (clients must reconnect). */
  dropAll(): void {
    for (const c of this.connections) c.socket.terminate();
  }

  close(): void {
    this.dropAll();
    this.wss.close();
  }

  private accept(socket: WebSocket): void {
    this.opened += 1;
    const pinger = setInterval(() => {
      if (c.stalled || socket.readyState !== WebSocket.OPEN) return;
      this.pings += 1;
      socket.ping();
    }, this.pingIntervalMs);
    pinger.unref();
    const c: Connection = { socket, userId: undefined, seq: 0, id: randomBytes(13).toString('hex'), pinger, stalled: false };
    this.connections.add(c);
    socket.on('close', () => {
      clearInterval(pinger);
      this.connections.delete(c);
    });
    socket.on('message', (raw) => {
      if (!c.stalled) this.receive(c, raw.toString());
    });
  }

  private receive(c: Connection, text: string): void {
    let r: { action?: unknown; seq?: unknown; data?: { token?: unknown } };
    try {
      r = JSON.parse(text) as typeof r;
    } catch {
      // The server's reader (web_conn.go readPump) stops on a frame that is not a request.
      c.socket.close();
      return;
    }
    if (typeof r.action !== 'string' || r.action === '') return this.send(c, fail(r.seq, 'api.web_socket_router.no_action.app_error', 400));
    if (typeof r.seq !== 'number' || r.seq <= 0) return this.send(c, fail(r.seq, 'api.web_socket_router.bad_seq.app_error', 400));
    if (r.action === 'authentication_challenge') {
      if (c.userId !== undefined) return;
      const token = r.data?.token;
      const userId = typeof token === 'string' ? this.o.userOfToken(token) : undefined;
      if (userId === undefined) return void c.socket.close();
      c.userId = userId;
      this.send(c, { event: 'hello', data: { server_version: this.o.serverVersion, connection_id: c.id, server_hostname: 'fake' }, broadcast: { omit_users: null, user_id: userId, channel_id: '', team_id: '' }, seq: c.seq++ });
      this.send(c, { status: 'OK', seq_reply: r.seq });
      for (const wake of this.authenticatedWaiters.splice(0)) wake();
      return;
    }
    if (c.userId === undefined) return this.send(c, fail(r.seq, 'api.web_socket_router.not_authenticated.app_error', 401));
    this.send(c, fail(r.seq, 'api.web_socket_router.bad_action.app_error', 500));
  }

  private send(c: Connection, frame: Record<string, unknown>): void {
    if (c.stalled) return;
    this.sent.push({ userId: c.userId, frame });
    c.socket.send(JSON.stringify(frame));
  }
}
