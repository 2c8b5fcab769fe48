/**
 * Issue 12.1: sitroom's Mattermost WebSocket client against the fake's real WebSocket server, which speaks the server's
 * protocol (test/fakes/mattermost/websocket.ts cites the source): authentication_challenge, hello, seq, reaction_added
 * with the reaction as a JSON string, bad tokens closed; and reconnection with backoff and jitter.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MattermostEvents, type MattermostReaction, reactionAdded, reconnectDelay } from '../../../src/chat/mattermost/mattermost-websocket.ts';
import { createLogger } from '../../../src/logger.ts';
import { FakeMattermostApi, fakeMattermostId } from '../../fakes/fake-mattermost-api.ts';

const TOKEN = 'mm-bot-token';
let mm: FakeMattermostApi;
beforeEach(async () => {
  mm = await FakeMattermostApi.start({ token: TOKEN });
});
afterEach(async () => {
  await mm.close();
});

/** Opens a raw socket and collects the frames it receives. */
async function rawSocket(): Promise<{ ws: WebSocket; frames: Record<string, unknown>[]; closed: Promise<void> }> {
  const ws = new WebSocket(`${mm.url.replace(/^http/, 'ws')}/api/v4/websocket`);
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as Record<string, unknown>));
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { ws, frames, closed };
}

describe('the fake Mattermost WebSocket server', () => {
  it('closes the connection on a token it does not know, as websocket_router.go does', async () => {
    const { ws, closed } = await rawSocket();
    ws.send(JSON.stringify({ seq: 1, action: 'authentication_challenge', data: { token: 'wrong' } }));
    await closed;
    expect(mm.websocket.authenticated).toBe(0);
  });

  it('answers bad requests with FAIL, then authenticates: hello (seq 0) and OK to seq 1; events count up', async () => {
    const { ws, frames } = await rawSocket();
    ws.send(JSON.stringify({ seq: 0, action: 'authentication_challenge', data: { token: TOKEN } }));
    ws.send(JSON.stringify({ seq: 2, action: 'user_typing', data: {} }));
    ws.send(JSON.stringify({ seq: 3, action: 'authentication_challenge', data: { token: TOKEN } }));
    await mm.websocket.whenAuthenticated();
    await mm.websocket.roundTrip();
    expect(frames.slice(0, 4)).toEqual([
      expect.objectContaining({ status: 'FAIL', seq_reply: 0, error: expect.objectContaining({ id: 'api.web_socket_router.bad_seq.app_error' }) }),
      expect.objectContaining({ status: 'FAIL', seq_reply: 2, error: expect.objectContaining({ id: 'api.web_socket_router.not_authenticated.app_error' }) }),
      expect.objectContaining({ event: 'hello', seq: 0, data: expect.objectContaining({ connection_id: expect.any(String) }) }),
      { status: 'OK', seq_reply: 3 },
    ]);
    const room = mm.addChannel({ name: 'inc-1', members: [mm.botUserId, fakeMattermostId('bob')] }).id;
    const post = mm.postAs(fakeMattermostId('bob'), room, 'hi');
    mm.react(fakeMattermostId('alice'), post, 'pushpin');
    await mm.websocket.roundTrip();
    const reaction = frames.find((f) => f['event'] === 'reaction_added');
    expect(frames.find((f) => f['event'] === 'posted')?.['seq']).toBe(1);
    expect(reaction).toMatchObject({ seq: 2, broadcast: { channel_id: room } });
    expect(reactionAdded(reaction)).toEqual({ userId: fakeMattermostId('alice'), postId: post, emojiName: 'pushpin', channelId: room });
    ws.close();
  });
});

describe('MattermostEvents', () => {
  it('waits up to 1 s, 2 s, 4 s … at most 1 min before reconnecting, with full jitter', () => {
    expect([0, 1, 2, 3, 6, 7, 40].map((n) => reconnectDelay(n, () => 1))).toEqual([1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
    expect(reconnectDelay(5, () => 0)).toBe(0);
    expect(reconnectDelay(1, () => 0.5)).toBe(1000);
  });

  it('hears reactions, and hears them again after the server drops the connection', async () => {
    const heard: MattermostReaction[] = [];
    const events = new MattermostEvents({ url: mm.url, botToken: TOKEN, logger: createLogger('silent'), onReaction: (r) => heard.push(r), random: () => 0 });
    events.start();
    try {
      await mm.websocket.whenAuthenticated();
      const room = mm.addChannel({ name: 'inc-2', members: [mm.botUserId] }).id;
      const post = mm.postAs(fakeMattermostId('bob'), room, 'hi');
      mm.react(fakeMattermostId('bob'), post, 'pushpin');
      await mm.websocket.roundTrip();
      mm.websocket.dropAll();
      await new Promise<void>((resolve) => {
        // Reconnected once the server has greeted a second connection.
        const check = () => (mm.websocket.sent.filter((s) => s.frame['event'] === 'hello').length >= 2 ? resolve() : setImmediate(check));
        check();
      });
      mm.react(fakeMattermostId('carol'), post, 'pushpin');
      await mm.websocket.roundTrip();
      expect(heard.map((r) => r.userId)).toEqual([fakeMattermostId('bob'), fakeMattermostId('carol')]);
    } finally {
      await events.stop();
    }
  });

  it('gives up a connection that went silent without closing (no ping from the server), connects again and hears reactions', async () => {
    mm.websocket.pingEvery(25);
    const heard: MattermostReaction[] = [];
    const events = new MattermostEvents({ url: mm.url, botToken: TOKEN, logger: createLogger('silent'), onReaction: (r) => heard.push(r), random: () => 0, silenceMs: 600 });
    events.start();
    const until = (done: () => boolean) =>
      new Promise<void>((resolve) => {
        const check = () => (done() ? resolve() : setTimeout(check, 5));
        check();
      });
    try {
      await mm.websocket.whenAuthenticated();
      // Pinged well past the silence limit: a live connection is kept.
      await until(() => mm.websocket.pings >= 36);
      expect(mm.websocket.opened).toBe(1);

      mm.websocket.stallAll();
      // Connected again once the server has greeted a second connection (the stalled one's frames never go out).
      await until(() => mm.websocket.sent.filter((f) => f.frame['event'] === 'hello').length === 2);
      expect(mm.websocket.opened).toBe(2);
      const room = mm.addChannel({ name: 'inc-3', members: [mm.botUserId] }).id;
      mm.react(fakeMattermostId('bob'), mm.postAs(fakeMattermostId('bob'), room, 'hi'), 'pushpin');
      await mm.websocket.roundTrip();
      expect(heard.map((r) => r.userId)).toEqual([fakeMattermostId('bob')]);
    } finally {
      await events.stop();
    }
  });

  it('keeps trying (with backoff) when the token is refused, and hears nothing', async () => {
    const heard: MattermostReaction[] = [];
    const events = new MattermostEvents({ url: mm.url, botToken: 'wrong', logger: createLogger('silent'), onReaction: (r) => heard.push(r), random: () => 0 });
    events.start();
    await new Promise<void>((resolve) => {
      const check = () => (mm.websocket.opened < 3 ? setImmediate(check) : resolve());
      check();
    });
    await events.stop();
    expect(mm.websocket.authenticated).toBe(0);
    expect(heard).toEqual([]);
  });
});
