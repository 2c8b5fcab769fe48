/**
 * Issue 12.1: capture chat into the timeline without retyping. A 📌 on a war-room message (Slack: an Events API
 * reaction_added, signed; Mattermost: a reaction_added frame on the real WebSocket) puts the message on the timeline
 * with its author, its own time, its text as typed, its files and its link — once, whoever reacts how often; removing
 * the reaction keeps it; outside a war room, or on sitroom's own message, nothing happens.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE, T0 } from '../../fakes/fixed-clock.ts';
import type { ChatDriver } from './chat-driver.ts';
import { PLATFORMS } from './platforms.ts';
import type { SlackDriver } from './slack-driver.ts';

describe.each(PLATFORMS)('capturing chat into the timeline on %s', (_name, start) => {
  let chat: ChatDriver;
  beforeEach(async () => {
    chat = await start();
  });
  afterEach(async () => {
    await chat?.stop();
  });
  const roomOf = async (n: number) => (await chat.sitroom().service.get(n)).room?.channelId ?? '';
  const captured = async (n: number) => (await chat.sitroom().service.timeline(n)).filter((e) => e.kind === 'message_captured');
  const api = async (n: number) => (await (await fetch(`${chat.url}/api/incidents/${n}`)).json()) as { timeline: { at: string; actor: string; kind: string; text: string; captured?: { permalink: string | null; files: { name: string }[] } }[] };

  it('a 📌 puts the message on the timeline once, at its own time, by its author, as typed; the API, the page and the postmortem show it', async () => {
    await chat.command('declare sev2 Checkout latency spike');
    const room = await roomOf(1);
    chat.clock.advance(2 * MINUTE);
    const typed = 'Failover done: R&D <db> is back, see https://status.example.com *now*';
    const said = chat.say(typed, { as: 'bob', in: room, at: chat.clock.now() });
    chat.clock.advance(5 * MINUTE);
    await chat.command('note checking the replicas', { in: room });
    chat.clock.advance(3 * MINUTE);

    await chat.react(said, { as: 'alice', in: room });
    await chat.react(said, { as: 'carol', in: room });
    await chat.react(said, { as: 'alice', in: room, remove: true });

    expect((await captured(1)).map((e) => [e.at, e.actor, e.text, e.data['captured'], e.data['capturedBy']])).toEqual([
      [T0 + 2 * MINUTE, chat.user('bob'), typed, true, chat.user('alice')],
    ]);
    expect(String((await captured(1))[0]?.data['permalink'])).toMatch(/^https?:\/\//);

    const timeline = (await api(1)).timeline;
    const kinds = timeline.map((e) => e.kind);
    expect(kinds.indexOf('message_captured')).toBeLessThan(kinds.indexOf('note'));
    expect(timeline.filter((e) => e.text === typed)).toEqual([
      expect.objectContaining({ at: new Date(T0 + 2 * MINUTE).toISOString(), actor: chat.user('bob'), kind: 'message_captured', captured: expect.objectContaining({ permalink: expect.stringMatching(/^https?:/) }) }),
    ]);

    const page = await (await fetch(`${chat.url}/incidents/1`)).text();
    expect(page.split('Failover done: R&amp;D &lt;db&gt; is back').length - 1).toBe(1);
    expect(page).toContain('📌 captured');

    const markdown = (await chat.sitroom().followUps.writePostmortem(1)).markdown;
    const lines = markdown.split('\n').filter((l) => l.includes('Failover done'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${new Date(T0 + 2 * MINUTE).toISOString()} — ${chat.user('bob')} — 📌 captured: Failover done: R\\&D \\<db\\> is back`);
  });

  it('captures a thread reply with its files', async () => {
    await chat.command('declare sev3 Disk filling up');
    const room = await roomOf(1);
    const parent = chat.say('Looking at the disks', { as: 'bob', in: room, at: chat.clock.now() });
    chat.clock.advance(MINUTE);
    const reply = chat.say('Graph attached', { as: 'carol', in: room, at: chat.clock.now(), thread: parent, files: ['disk-usage.png'] });
    await chat.react(reply, { in: room });
    const [entry] = (await api(1)).timeline.filter((e) => e.kind === 'message_captured');
    expect(entry).toMatchObject({ actor: chat.user('carol'), text: 'Graph attached', captured: { files: [{ name: 'disk-usage.png' }] } });
  });

  it('does nothing outside a war room, for another emoji, or on sitroom’s own message', async () => {
    await chat.command('declare sev3 Disk filling up');
    const room = await roomOf(1);
    const elsewhere = chat.say('Unrelated chatter', { as: 'bob', in: chat.general });
    await chat.react(elsewhere, { in: chat.general });
    const other = chat.say('Thumbs up only', { as: 'bob', in: room });
    await chat.react(other, { in: room, emoji: 'thumbsup' });
    const card = chat.messages(room)[0]?.id ?? '';
    await chat.react(card, { in: room });
    expect(await captured(1)).toEqual([]);
  });
});

describe('the Slack message shortcut "Add to incident timeline"', () => {
  let chat: SlackDriver;
  beforeEach(async () => {
    chat = (await (PLATFORMS[0]?.[1] ?? (() => Promise.reject(new Error('no Slack'))))()) as SlackDriver;
  });
  afterEach(async () => {
    await chat?.stop();
  });

  it('adds the message once and says so; outside a war room it says why not', async () => {
    await chat.command('declare sev2 Checkout latency spike');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    const said = chat.say('Rolled back release 42', { as: 'bob', in: room, at: chat.clock.now() });
    expect(await chat.shortcut(said, { in: room })).toBe('Added to the timeline of incident #1.');
    expect(await chat.shortcut(said, { in: room, as: 'carol' })).toBe('That message is already on the timeline of incident #1.');
    await chat.react(said, { in: room });
    expect((await chat.sitroom().service.timeline(1)).filter((e) => e.kind === 'message_captured').map((e) => e.text)).toEqual(['Rolled back release 42']);
    const elsewhere = chat.say('Lunch?', { as: 'bob', in: chat.general });
    expect(await chat.shortcut(elsewhere, { in: chat.general })).toBe('Only messages in an incident’s war room can go on its timeline.');
  });
});
