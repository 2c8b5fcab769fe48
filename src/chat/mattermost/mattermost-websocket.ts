/**
 * sitroom's ear on Mattermost's WebSocket API (https://developers.mattermost.com/api-documentation/#/#websocket), for
 * what no slash command or button carries: a 📌 reaction on a war-room post. Only transport and translation here.
 *
 * The protocol, from the server's source (mattermost/mattermost server/channels/app/platform):
 * - connect to `<server>/api/v4/websocket` and send `{ seq: 1, action: 'authentication_challenge', data: { token } }`
 *   (websocket_router.go ServeWebSocket: a token the server does not know closes the connection; a known one is
 *   answered `{ status: 'OK', seq_reply: 1 }`, and the hub sends the `hello` event once the connection is registered);
 * - events arrive as `{ event, data, broadcast, seq }`, `seq` counting up per connection;
 * - `reaction_added` carries the reaction as a JSON string in `data.reaction` (app/reaction.go sendReactionEvent:
 *   `message.Add("reaction", string(reactionJSON))`), with `user_id`, `post_id`, `emoji_name` and `channel_id`, and the
 *   post's channel in `broadcast.channel_id`.
 * The connection drops when the server restarts or a proxy times it out; it is made again after a wait that doubles
 * from 1 s up to 1 min, with full jitter so that replicas do not all reconnect at once, and is reset by each `hello`.
 * A connection can also die without a close (a NAT or proxy forgetting it, a host gone): the server pings every
 * connection every 60 s (web_conn.go: pingInterval = pongWaitTime (100 s) · 6/10), so a connection that has heard
 * neither a ping nor a frame for two of those intervals is given up and made again.
 */
import WebSocket from 'ws';
import type { Logger } from '../../logger.ts';

export const RECONNECT_FIRST_MS = 1000;
export const RECONNECT_MAX_MS = 60_000;
/** Silence after which a connection is taken for dead: two of the server's 60 s ping intervals, and some slack. */
export const SILENCE_MAX_MS = 130_000;

/** The wait before reconnection attempt `attempt` (0 for the first): random in [0, min(max, first·2^attempt)] ("full jitter"). */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** Math.min(attempt, 30));
  return Math.round(random() * cap);
}

/** A reaction someone added to a post, as the `reaction_added` event tells it. */
export interface MattermostReaction {
  userId: string;
  postId: string;
  emojiName: string;
  channelId: string;
}

/** `reaction_added`'s reaction, or undefined for any other frame (or one not shaped as the server sends it). */
export function reactionAdded(frame: unknown): MattermostReaction | undefined {
  const f = frame as { event?: unknown; data?: { reaction?: unknown }; broadcast?: { channel_id?: unknown } } | null;
  if (f?.event !== 'reaction_added' || typeof f.data?.reaction !== 'string') return undefined;
  let r: { user_id?: unknown; post_id?: unknown; emoji_name?: unknown; channel_id?: unknown };
  try {
    r = JSON.parse(f.data.reaction) as typeof r;
  } catch {
    return undefined;
  }
  const channelId = typeof f.broadcast?.channel_id === 'string' && f.broadcast.channel_id ? f.broadcast.channel_id : r?.channel_id;
  if (typeof r?.user_id !== 'string' || typeof r.post_id !== 'string' || typeof r.emoji_name !== 'string' || typeof channelId !== 'string') return undefined;
  return { userId: r.user_id, postId: r.post_id, emojiName: r.emoji_name, channelId };
}

export interface MattermostEventsOptions {
  /** The server's URL (http or https); the socket is ws or wss on the same host. */
  url: string;
  botToken: string;
  logger: Logger;
  /** Called for each reaction added in a channel the bot is in. */
  onReaction: (reaction: MattermostReaction) => void;
  random?: () => number;
  /** How long a connection may hear nothing (no frame, no ping) before it is given up (SILENCE_MAX_MS). */
  silenceMs?: number;
}

export class MattermostEvents {
  private readonly o: MattermostEventsOptions;
  private socket: WebSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private attempt = 0;
  private stopped = true;

  constructor(opts: MattermostEventsOptions) {
    this.o = opts;
  }

  /** Connects (and keeps reconnecting until stop()); never throws: a server that is down is tried again later. */
  start(): void {
    this.stopped = false;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.terminate();
    });
  }

  private connect(): void {
    const url = `${this.o.url.replace(/^http/, 'ws').replace(/\/+$/, '')}/api/v4/websocket`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.on('open', () => {
      this.heard(socket);
      socket.send(JSON.stringify({ seq: 1, action: 'authentication_challenge', data: { token: this.o.botToken } }));
    });
    socket.on('ping', () => this.heard(socket));
    socket.on('message', (data) => {
      this.heard(socket);
      this.receive(data.toString());
    });
    socket.on('error', (err) => this.o.logger.warn({ err }, 'Mattermost WebSocket error'));
    socket.on('close', (code) => {
      if (this.socket === socket) clearTimeout(this.watchdog);
      if (this.socket !== socket || this.stopped) return;
      const delay = reconnectDelay(this.attempt, this.o.random);
      this.attempt += 1;
      this.o.logger.warn({ code, retryInMs: delay }, 'Mattermost WebSocket closed; reconnecting (📌 reactions are not heard meanwhile)');
      this.timer = setTimeout(() => this.connect(), delay);
      this.timer.unref();
    });
  }

  /** The connection is alive: it is given up only after silenceMs more without a frame or a ping. */
  private heard(socket: WebSocket): void {
    if (this.socket !== socket) return;
    clearTimeout(this.watchdog);
    const silenceMs = this.o.silenceMs ?? SILENCE_MAX_MS;
    this.watchdog = setTimeout(() => {
      this.o.logger.warn({ silentForMs: silenceMs }, 'Mattermost WebSocket silent (no ping from the server); connecting again');
      // terminate() closes at once, without waiting for a closing handshake the dead peer would never answer.
      socket.terminate();
    }, silenceMs);
    this.watchdog.unref();
  }

  private receive(text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    const f = frame as { event?: unknown; status?: unknown; seq_reply?: unknown; error?: unknown };
    if (f.event === 'hello') {
      this.attempt = 0;
      this.o.logger.info('listening to Mattermost events');
    } else if (f.status === 'FAIL') {
      this.o.logger.warn({ seqReply: f.seq_reply, error: f.error }, 'Mattermost refused a WebSocket request');
    }
    const reaction = reactionAdded(frame);
    if (reaction) this.o.onReaction(reaction);
  }
}
