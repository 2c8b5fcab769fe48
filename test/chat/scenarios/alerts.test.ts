/**
 * Alert cards: Alertmanager deliveries (the captured 0.25 payloads) into POST /alertmanager, one card per group
 * updated in place, its buttons, the linked war room, and silences created in the real Alertmanager.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerProcess } from '../../fakes/alertmanager-process.ts';
import { type FixtureName, fixtureJson } from '../../fakes/alert-fixtures.ts';
import { MINUTE } from '../../fakes/fixed-clock.ts';
import type { ChatDriver } from './chat-driver.ts';
import { PLATFORMS } from './platforms.ts';

const FIRST_FIRING = Date.parse('2026-11-22T17:00:59.283Z');
const fixture = (name: FixtureName) => fixtureJson(name) as unknown as Record<string, unknown>;

let am: AlertmanagerProcess;
beforeAll(async () => {
  am = await AlertmanagerProcess.start({ webhookUrl: 'http://127.0.0.1:9/unused' });
});
afterAll(async () => {
  await am?.stop();
});

describe.each(PLATFORMS)('alert cards on %s', (_name, startDriver) => {
  let chat: ChatDriver;
  async function start(env: Record<string, string> = {}) {
    chat = await startDriver(env);
    chat.clock.set(FIRST_FIRING + 2 * MINUTE);
  }
  afterEach(async () => {
    await chat?.stop();
  });
  const card = () => chat.messages(chat.alerts)[0];
  const cardText = () => card()?.text ?? '';
  /** The card is coalesced to one update a second: wait for the one that shows `text`. */
  async function cardShows(text: string) {
    for (const deadline = Date.now() + 5000; !cardText().includes(text); ) {
      if (Date.now() > deadline) throw new Error(`the card never showed "${text}"; it shows:\n${cardText()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('posts one card per group and updates it in place through the final resolve', async () => {
    await start();
    const first = await chat.webhook(fixture('alertmanager-group-2-firing'));
    expect(first).toMatchObject({ status: 200, body: { status: 'stored', alerts: 2 } });
    expect(chat.messages(chat.alerts)).toHaveLength(1);
    for (const text of [
      'FIRING (2) HighErrorRate',
      'Checkout 5xx > 5%',
      'SEV1 · 2 firing · 0 resolved · since 17:00 UTC',
      'service=checkout',
      'instance=web-1:9100',
      'instance=web-2:9100',
      'Runbook',
      'Alertmanager',
    ]) {
      expect(cardText()).toContain(text);
    }
    expect(card()?.buttons).toEqual(['alert_ack', 'alert_declare', 'alert_not_actionable']);

    expect(await chat.webhook(fixture('alertmanager-group-2-firing'))).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    await chat.webhook(fixture('alertmanager-group-mixed-1resolved-1firing'));
    await cardShows('1 firing · 1 resolved');
    await chat.webhook(fixture('alertmanager-group-final-resolved'));
    await cardShows('RESOLVED HighErrorRate');
    expect(cardText()).toContain('0 firing · 2 resolved');
    expect(cardText()).toContain('instance=web-2:9100');
    expect(chat.messages(chat.alerts)).toHaveLength(1);
  });

  it('records Acknowledge and Not actionable with who and when', async () => {
    await start();
    const group = Number((await chat.webhook(fixture('alertmanager-group-2-firing'))).body['group']);
    expect(await chat.click('alert_ack', group)).toContain('Acknowledged.');
    await cardShows(`Acknowledged by ${chat.shown('alice')} after 2m`);
    expect(card()?.buttons).not.toContain('alert_ack');
    expect(await chat.click('alert_not_actionable', group, { as: 'bob' })).toContain('not actionable');
    await cardShows(`Marked not actionable by ${chat.shown('bob')}`);
    expect((await chat.sitroom().alerts.view(group))?.group.notActionable?.by).toBe(chat.user('bob'));
  });

  it('declares an incident from the card and feeds its war room', async () => {
    await start();
    const group = Number((await chat.webhook(fixture('alertmanager-group-2-firing'))).body['group']);
    expect(await chat.click('alert_declare', group)).toContain('Declared incident #1 (SEV1): HighErrorRate: Checkout 5xx > 5%');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    expect(chat.messages(room).map((m) => m.text).join('\n')).toContain('Alerts linked: HighErrorRate');
    await cardShows(`Linked to incident #1 · ${chat.link(room)}`);
    expect(card()?.buttons).not.toContain('alert_declare');

    const third = fixture('alertmanager-group-2-firing');
    const alerts = third['alerts'] as Record<string, unknown>[];
    third['alerts'] = [...alerts, { ...alerts[0], labels: { alertname: 'HighErrorRate', instance: 'web-3:9100', service: 'checkout', severity: 'critical' }, fingerprint: 'fff0000000000003' }];
    await chat.webhook(third);
    expect(chat.messages(room).map((m) => m.text).join('\n')).toContain('1 new alert firing: HighErrorRate');

    const allResolved = fixture('alertmanager-group-final-resolved');
    allResolved['alerts'] = (third['alerts'] as Record<string, unknown>[]).map((a) => ({ ...a, status: 'resolved', endsAt: '2026-11-22T17:05:00Z' }));
    await chat.webhook(allResolved);
    const note = chat.messages(room).at(-1);
    expect(note?.text).toContain('All alerts resolved: HighErrorRate');
    expect(note?.buttons).toEqual(['mitigate']);
    expect(await chat.click('mitigate', 1, { in: room })).toContain('Incident #1 is now mitigated.');
    expect((await chat.sitroom().service.get(1)).phase).toBe('mitigated');
  });

  it('silences the group in the real Alertmanager and expires the silence when the incident closes', async () => {
    await start({ ALERTMANAGER_URL: am.url });
    chat.clock.set(Date.now());
    const group = Number((await chat.webhook(fixture('alertmanager-group-2-firing'))).body['group']);
    expect(card()?.buttons).toEqual(['alert_ack', 'alert_declare', 'alert_silence_1h', 'alert_silence_4h', 'alert_not_actionable']);

    const reply = await chat.click('alert_silence_1h', group);
    const id = /silence ([0-9a-f-]{36})/.exec(reply)?.[1] ?? '';
    const silence = (await am.silences()).find((s) => s.id === id);
    expect(silence?.status.state).toBe('active');
    expect(silence?.matchers).toEqual([
      { name: 'alertname', value: 'HighErrorRate', isRegex: false, isEqual: true },
      { name: 'service', value: 'checkout', isRegex: false, isEqual: true },
    ]);
    await cardShows(`(silence ${id})`);
    expect(card()?.buttons).toEqual(['alert_ack', 'alert_declare', 'alert_not_actionable']);

    await chat.click('alert_declare', group);
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    for (const step of ['mitigate', 'resolve', 'close']) await chat.command(step, { in: room });
    expect((await am.silences()).find((s) => s.id === id)?.status.state).toBe('expired');
  });
});
