/** Paging the on-call from chat, on both platforms: the command, the summary card's Page on-call form, and refusals. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAlertmanagerApi } from '../../fakes/fake-alertmanager-api.ts';
import type { ChatDriver } from './chat-driver.ts';
import { PLATFORMS } from './platforms.ts';

let am: FakeAlertmanagerApi;
beforeAll(async () => {
  am = await FakeAlertmanagerApi.start();
});
afterAll(async () => {
  await am.close();
});

describe.each(PLATFORMS)('paging from %s', (_name, start) => {
  let chat: ChatDriver;
  afterEach(async () => {
    await chat?.stop();
    am.received.length = 0;
  });

  it('pages through the command and through the card’s form, and the page reaches Alertmanager', async () => {
    chat = await start({ ALERTMANAGER_URL: am.url });
    await chat.command('declare sev2 Payments failing');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    const card = chat.messages(room).find((m) => m.buttons.includes('page_oncall'));
    expect(card).toBeDefined();

    expect(await chat.command('page db-oncall replica lag 20 min', { in: room })).toContain('Paged db-oncall through Alertmanager for #1');
    expect(await chat.command('page', { in: room })).toContain('`page` needs the team to page');
    expect(await chat.command('page "db team"', { in: room })).toContain('is not a team name');

    expect(await chat.clickOpensForm('page_oncall', 1, { in: room, as: 'bob' })).toBe('sitroom_page');
    expect(await chat.submitPage(1, { team: 'two words' }, { in: room, as: 'bob' })).toEqual({ team: 'Use letters, digits, -, _ or . (e.g. db-oncall).' });
    expect(await chat.submitPage(1, { team: 'web-oncall', message: 'checkout 5xx' }, { in: room, as: 'bob' })).toBeUndefined();
    expect(chat.formReplies('bob').map((r) => r.text).join('\n')).toContain('Paged web-oncall through Alertmanager for #1');

    await chat.sitroom().deliverDue();
    expect(am.received.map((a) => [a.labels['team'], a.annotations['description']])).toEqual([
      ['db-oncall', 'replica lag 20 min'],
      ['web-oncall', 'checkout 5xx'],
    ]);
    // The pager links the war room the command came from (Slack's app_redirect, Mattermost's channel URL).
    const { channelName } = (await chat.sitroom().service.get(1)).room ?? { channelName: '' };
    const links = am.received.map((a) => a.annotations['war_room'] ?? '');
    expect(links.map((l) => /^https?:\/\//.test(l) && (l.includes(room) || l.includes(channelName)))).toEqual([true, true]);
    expect((await chat.sitroom().service.timeline(1)).filter((e) => e.kind === 'paged').map((e) => e.text)).toEqual(['Paged db-oncall: replica lag 20 min', 'Paged web-oncall: checkout 5xx']);
  });

  it('without ALERTMANAGER_URL the card offers no Page button and the command says what to set', async () => {
    chat = await start();
    await chat.command('declare sev2 Payments failing');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    expect(chat.messages(room).some((m) => m.buttons.includes('page_oncall'))).toBe(false);
    expect(await chat.command('page db-oncall', { in: room })).toContain('Paging needs ALERTMANAGER_URL');
  });
});
