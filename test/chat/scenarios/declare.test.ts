/** Declaring an incident: war room, topic, pinned card, announcement; private incidents; the declare form. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatDriver } from './chat-driver.ts';
import { PLATFORMS } from './platforms.ts';

describe.each(PLATFORMS)('declare on %s', (_name, start) => {
  let chat: ChatDriver;
  beforeEach(async () => {
    chat = await start();
  });
  afterEach(async () => {
    await chat?.stop();
  });
  const room = async (n = 1) => (await chat.sitroom().service.get(n)).room?.channelId ?? '';

  it('opens, sets up and announces a war room', async () => {
    const reply = await chat.command('declare sev2 Checkout latency spike');
    expect(reply).toContain('Declared incident #1 (SEV2): Checkout latency spike');
    expect(chat.created()).toEqual([{ id: await room(), name: 'inc-1-checkout-latency-spike', isPrivate: false }]);
    // The reply says what was recorded; the war room is created after it, by the outbox.
    expect(reply).toContain('The war room is being created');
    expect(chat.members(await room())).toContain(chat.user('alice'));
    expect(chat.topic(await room())).toBe('SEV2 · active · IC unassigned · next update 15:00 UTC');

    const [card] = chat.messages(await room());
    expect(card?.text).toContain('Incident #1: Checkout latency spike');
    expect(card?.buttons).toEqual(['claim_commander', 'claim_comms']);
    expect(chat.pinned(await room())).toEqual([card?.id]);

    const announcement = chat.messages(chat.announce).map((m) => m.text).join('\n');
    expect(announcement).toContain('Incident #1: Checkout latency spike');
    expect(announcement).toContain(chat.link(await room()));
    expect(announcement).toContain('Next update 15:00 UTC');
  });

  it('shows user text as text: a title cannot ping, mention or link', async () => {
    const title = `<!channel> @channel @all ping ${chat.typed('bob')} [click](http://evil.example) & *bold*`;
    await chat.command(`declare sev3 ${title}`);
    const raw = [...chat.raw(await room()), ...chat.raw(chat.announce)].join('\n');
    expect(raw).not.toMatch(chat.pingsEveryone);
    expect(raw).not.toContain(chat.shown('bob'));
    const card = chat.messages(await room())[0]?.text ?? '';
    // Slack's heading is one *bold* span: mrkdwn marks in the title are dropped so they cannot end it early.
    expect(card).toContain(chat.platform === 'slack' ? title.replace(/[*_`~]/g, '') : title);
    expect(chat.created()[0]?.name).toMatch(/^inc-1-[a-z0-9-]+$/);
  });

  it('makes a private channel and a detail-free announcement with --private', async () => {
    await chat.command('declare sev1 --private Suspicious admin logins');
    expect(chat.created()[0]?.isPrivate).toBe(true);
    const announcement = chat.messages(chat.announce).map((m) => m.text).join('\n');
    expect(announcement).toContain('A private incident (#1) is in progress.');
    expect(announcement).not.toContain('Suspicious');
    expect(await chat.command('list')).not.toContain('Suspicious');
  });

  it('gives a channel name a person took a deterministic suffix', async () => {
    chat.occupy('inc-1-db-down');
    await chat.command('declare sev2 DB down');
    expect(chat.created().map((c) => c.name)).toEqual(['inc-1-db-down-2']);
    expect(await room()).toBe(chat.created()[0]?.id);
  });

  it('opens the declare form without a title, refuses an empty one, and declares from it', async () => {
    expect(await chat.commandOpensForm('declare')).toBe('sitroom_declare');
    expect(await chat.submitDeclare({ title: '  ' })).toEqual({ title: 'Give the incident a title.' });
    expect(await chat.submitDeclare({ title: 'Payments failing', severity: 'sev1', isPrivate: true })).toBeUndefined();
    expect(await chat.sitroom().service.get(1)).toMatchObject({ title: 'Payments failing', severity: 'sev1', isPrivate: true });
    const told = chat.formReplies('alice').at(-1);
    expect(told?.text).toContain('Declared incident #1 (SEV1): Payments failing');
    // Mattermost shows it where the dialog was opened (issue 10.2); a Slack modal has no channel, so Slack DMs it.
    if (chat.platform === 'mattermost') {
      expect(told?.channel).toBe(chat.general);
      expect(chat.dms('alice')).toEqual([]);
    } else {
      expect(chat.dms('alice').at(-1)?.text).toBe(told?.text);
    }
  });

  it('retries a war room the chat failed to create, with backoff, never making two', async () => {
    chat.failNextCreate('internal_error');
    const reply = await chat.command('declare sev2 API down');
    expect(reply).toContain('Declared incident #1');
    expect((await chat.sitroom().service.get(1)).room).toBeNull();

    await chat.settled();
    expect(chat.created()).toHaveLength(0); // the retry waits for its backoff
    chat.clock.advance(2 * 60_000);
    await chat.settled();
    await chat.settled();
    expect(chat.created().map((c) => c.name)).toEqual(['inc-1-api-down']);
    expect(chat.messages(await room())[0]?.text).toContain('Incident #1: API down');
  });

  /** One war room, set up in full: the declarer invited, the topic set, the card posted and pinned, the room announced. */
  const expectOneRoomSetUp = async (name: string) => {
    expect(chat.created().map((c) => c.name)).toEqual([name]);
    const id = chat.created()[0]?.id ?? '';
    expect(await room()).toBe(id);
    expect(chat.members(id)).toContain(chat.user('alice'));
    expect(chat.topic(id)).toContain('SEV2 · active');
    const cards = chat.messages(id).filter((m) => m.text.includes('Incident #1: DB down'));
    expect(cards).toHaveLength(1);
    expect(chat.pinned(id)).toEqual([cards[0]?.id]);
    const announced = chat.messages(chat.announce).filter((m) => m.text.includes('Incident #1: DB down'));
    expect(announced).toHaveLength(1);
    expect(announced[0]?.text).toContain(chat.link(id));
  };

  // The window of a crash between the platform making the room and sitroom recording it: the retry finds the
  // name taken by the room the bot itself made, and uses it instead of making `-2`. A person's channel of that
  // name is not sitroom's to take: that one still gets the suffix.
  it('uses the war room an attempt made but never recorded (its answer lost), never making a second', async () => {
    chat.loseNextCreateAnswer();
    await chat.command('declare sev2 DB down');
    await chat.settled();
    expect(chat.created().map((c) => c.name)).toEqual(['inc-1-db-down']);
    expect((await chat.sitroom().service.get(1)).room).toBeNull();
    chat.clock.advance(2 * 60_000);
    await chat.settled();
    await chat.settled();
    await expectOneRoomSetUp('inc-1-db-down');
  });

  it('uses that war room after a restart too', async () => {
    chat.loseNextCreateAnswer();
    await chat.command('declare sev2 DB down');
    await chat.settled();
    expect(chat.created().map((c) => c.name)).toEqual(['inc-1-db-down']);
    await chat.restart();
    chat.clock.advance(2 * 60_000);
    await chat.settled();
    await chat.settled();
    await expectOneRoomSetUp('inc-1-db-down');
  });
});
