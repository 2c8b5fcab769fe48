/** "Add to incident" on an alert card: a menu of open incidents; choosing one links the group as Declare does. */
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureJson } from '../../fakes/alert-fixtures.ts';
import { MINUTE } from '../../fakes/fixed-clock.ts';
import type { ChatDriver } from './chat-driver.ts';
import { PLATFORMS } from './platforms.ts';

const FIRST_FIRING = Date.parse('2026-11-22T17:00:59.283Z');
const delivery = () => fixtureJson('alertmanager-group-2-firing') as unknown as Record<string, unknown>;

describe.each(PLATFORMS)('adding alerts to an incident on %s', (_name, start) => {
  let chat: ChatDriver;
  afterEach(async () => {
    await chat?.stop();
  });
  const card = () => chat.messages(chat.alerts)[0];
  async function cardShows(text: string) {
    for (const deadline = Date.now() + 5000; !(card()?.text ?? '').includes(text); ) {
      if (Date.now() > deadline) throw new Error(`the card never showed "${text}"; it shows:\n${card()?.text ?? ''}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async function cardChoices(expected: string[]) {
    for (const deadline = Date.now() + 5000; JSON.stringify(card()?.choices ?? []) !== JSON.stringify(expected); ) {
      if (Date.now() > deadline) throw new Error(`the card's menu never offered ${JSON.stringify(expected)}; it offers ${JSON.stringify(card()?.choices ?? [])}`);
      await chat.settled();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('offers open incidents besides Declare, links the chosen one, feeds its war room, and lists it in /incident alerts', async () => {
    chat = await start();
    chat.clock.set(FIRST_FIRING + 2 * MINUTE);
    await chat.command('declare sev2 Checkout is slow');
    await chat.command('declare sev3 --private Payroll export');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    expect(await chat.command('alerts', { in: room })).toContain('No alert groups are linked to incident #1');

    const group = Number((await chat.webhook(delivery())).body['group']);
    expect(card()?.buttons).toContain('alert_declare');
    // Newest first; a private incident by number only (the alerts channel is wider than its war room).
    expect(card()?.choices).toEqual(['#2 SEV3 (private)', '#1 SEV2 Checkout is slow']);

    expect(await chat.choose('alert_attach', group, 1, { as: 'bob' })).toContain('Alerts added to incident #1: Checkout is slow');
    expect((await chat.sitroom().alerts.view(group))?.group).toMatchObject({ incidentNumber: 1, acknowledged: { by: chat.user('bob') } });
    expect(chat.messages(room).map((m) => m.text).join('\n')).toContain('Alerts linked: HighErrorRate');
    expect((await chat.sitroom().service.timeline(1)).at(-1)).toMatchObject({ kind: 'alert_linked', actor: chat.user('bob') });
    await cardShows(`Linked to incident #1 · ${chat.link(room)}`);
    expect(card()?.choices).toEqual([]);
    expect(card()?.buttons).not.toContain('alert_declare');

    const listed = await chat.command('alerts', { in: room });
    expect(listed).toContain('Alert groups linked to incident #1');
    expect(listed).toContain('HighErrorRate');
    expect(listed).toContain('2 firing · 0 resolved');

    // A menu someone still has open from before the link: a second choice is refused, naming the incident.
    await expect(chat.sitroom().alerts.attachToIncident(group, 2, chat.user('carol'))).rejects.toMatchObject({ code: 'already_linked', details: { number: '1' } });
  });

  it('a card posted before the incident was declared offers it once it is declared, and drops it once it closes', async () => {
    chat = await start();
    chat.clock.set(FIRST_FIRING + 2 * MINUTE);
    await chat.webhook(delivery());
    await cardShows('HighErrorRate');
    expect(card()?.choices).toEqual([]);

    await chat.command('declare sev2 Checkout is slow');
    await cardChoices(['#1 SEV2 Checkout is slow']);

    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    for (const step of ['mitigate', 'resolve', 'close']) await chat.command(step, { in: room });
    expect((await chat.sitroom().service.get(1)).phase).toBe('closed');
    await cardChoices([]);
  });
});
