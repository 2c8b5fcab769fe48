/**
 * Alert cards on Slack end to end: Alertmanager deliveries (the captured 0.25 payloads) into POST /alertmanager,
 * cards and war-room notes into the fake Slack Web API, buttons clicked with signed requests, and silences
 * created in the real Alertmanager.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerProcess } from '../../fakes/alertmanager-process.ts';
import { MINUTE } from '../../fakes/fixed-clock.ts';
import { SlackHarness } from './slack-harness.ts';

const ALERTS = 'CALERTS';
const FIXTURES = new URL('../../../../shared/fixtures/alertmanager/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as Record<string, unknown>;
const FIRST_FIRING = Date.parse('2026-11-22T17:00:59.283Z');

let h: SlackHarness;
async function start(env: Record<string, string> = {}) {
  h = await SlackHarness.start({ SLACK_ALERTS_CHANNEL: ALERTS, ...env });
  h.slack.addChannel({ id: ALERTS, name: 'alerts' });
  h.clock.set(FIRST_FIRING + 2 * MINUTE);
}
afterEach(async () => {
  await h?.stop();
});

const cards = () => h.slack.messagesIn(ALERTS);
const cardText = () => cards()[0]?.text ?? '';
const cardButtons = () => JSON.stringify(cards()[0]?.blocks ?? []);
/** Waits until the (coalesced) card update showing `text` has been sent. */
const cardShows = (text: string) => h.slack.waitFor('chat.update', (c) => c.args['channel'] === ALERTS && String(c.args['text']).includes(text));

describe('alert cards', () => {
  it('posts one card per group and updates it in place through the final resolve', async () => {
    await start();
    const first = await h.webhook(fixture('alertmanager-group-2-firing'));
    expect(first).toMatchObject({ status: 200, body: { status: 'stored', alerts: 2 } });
    expect(cards()).toHaveLength(1);
    const text = cardText();
    expect(text).toContain('🔥 FIRING (2) HighErrorRate');
    expect(text).toContain('Checkout 5xx &gt; 5%');
    expect(text).toContain('SEV1 · 2 firing · 0 resolved · since 17:00 UTC');
    expect(text).toContain('service=checkout');
    expect(text).toContain('instance=web-1:9100');
    expect(text).toContain('instance=web-2:9100');
    expect(text).toContain('<https://runbooks.example.com/checkout|Runbook>');
    expect(text).toContain('<http://prometheus.example:9090/graph?g0.expr=rate%28http_errors_total%5B5m%5D%29|Source>');
    expect(text).toContain('<http://127.0.0.1:9093/#/alerts?receiver=incident-bot|Alertmanager>');
    expect(cardButtons()).toContain('sitroom:alert_ack');
    expect(cardButtons()).toContain('sitroom:alert_declare');
    expect(cardButtons()).toContain('sitroom:alert_not_actionable');
    expect(cardButtons()).not.toContain('alert_silence'); // no ALERTMANAGER_URL configured

    const again = await h.webhook(fixture('alertmanager-group-2-firing'));
    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(h.slack.callsTo('chat.update')).toHaveLength(0);

    await h.webhook(fixture('alertmanager-group-mixed-1resolved-1firing'));
    await cardShows('1 firing · 1 resolved');
    await h.webhook(fixture('alertmanager-group-final-resolved'));
    await cardShows('✅ RESOLVED HighErrorRate');
    expect(cardText()).toContain('0 firing · 2 resolved');
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('records Acknowledge and Not actionable with who and when', async () => {
    await start();
    const group = Number((await h.webhook(fixture('alertmanager-group-2-firing'))).body['group']);
    expect(await h.click('alert_ack', group, { channel: ALERTS })).toContain('Acknowledged.');
    await cardShows('Acknowledged by <@UALICE> after 2m');
    expect(cardButtons()).not.toContain('alert_ack');
    expect(await h.click('alert_ack', group, { user: 'UBOB', channel: ALERTS })).toContain('Already acknowledged by UALICE.');
    expect(await h.click('alert_not_actionable', group, { user: 'UBOB', channel: ALERTS })).toContain('not actionable');
    await cardShows('Marked not actionable by <@UBOB>');
    expect(h.sitroom.alerts.view(group)?.group.notActionable?.by).toBe('UBOB');
  });

  it('declares an incident from the card and feeds its war room', async () => {
    await start();
    const { body } = await h.webhook(fixture('alertmanager-group-2-firing'));
    const group = Number(body['group']);
    const reply = await h.click('alert_declare', group, { channel: ALERTS });
    expect(reply).toContain('Declared incident #1 (SEV1): HighErrorRate: Checkout 5xx &gt; 5%');
    const room = h.room(1);
    expect(h.texts(room).join('\n')).toContain('🔗 Alerts linked: HighErrorRate');
    await cardShows(`🚨 Incident #1 · <#${room}>`);
    expect(cardButtons()).not.toContain('alert_declare');
    expect(await h.click('alert_declare', group, { channel: ALERTS })).toContain('already belong to incident #1');

    const third = fixture('alertmanager-group-2-firing');
    const alerts = third['alerts'] as Record<string, unknown>[];
    third['alerts'] = [...alerts, { ...alerts[0], labels: { alertname: 'HighErrorRate', instance: 'web-3:9100', service: 'checkout', severity: 'critical' }, fingerprint: 'fff0000000000003' }];
    await h.webhook(third);
    expect(h.texts(room).join('\n')).toContain('🔥 1 new alert firing: HighErrorRate');
    expect(h.texts(room).join('\n')).toContain('instance=web-3:9100');

    const allResolved = fixture('alertmanager-group-final-resolved');
    allResolved['alerts'] = (third['alerts'] as Record<string, unknown>[]).map((a) => ({ ...a, status: 'resolved', endsAt: '2026-11-22T17:05:00Z' }));
    await h.webhook(allResolved);
    const resolvedNote = h.slack.messagesIn(room).at(-1);
    expect(resolvedNote?.text).toContain('✅ All alerts resolved: HighErrorRate');
    expect(JSON.stringify(resolvedNote?.blocks)).toContain('sitroom:mitigate');
    expect(await h.click('mitigate', 1, { channel: room })).toContain('Incident #1 is now mitigated.');
    expect(h.sitroom.service.get(1).phase).toBe('mitigated');
  });

  it('accepts a storm of 10,000 alerts in one delivery and shows "+N more"', async () => {
    await start();
    const storm = fixture('alertmanager-group-2-firing');
    const template = (storm['alerts'] as Record<string, unknown>[])[0] ?? {};
    storm['alerts'] = Array.from({ length: 10_000 }, (_, n) => ({
      ...template,
      labels: { alertname: 'HighErrorRate', instance: `web-${n}:9100`, service: 'checkout', severity: 'critical' },
      fingerprint: n.toString(16).padStart(16, '0'),
    }));
    storm['truncatedAlerts'] = 5;
    expect(JSON.stringify(storm).length).toBeGreaterThan(4_000_000);
    const answer = await h.webhook(storm);
    expect(answer).toMatchObject({ status: 200, body: { status: 'stored', alerts: 10_000 } });
    expect(cardText()).toContain('🔥 FIRING (10000) HighErrorRate');
    expect(cardText()).toContain('+9995 more');
  });
});

describe('the webhook edge', () => {
  it('refuses a wrong or missing token with 401 when one is configured, and stores nothing', async () => {
    await start({ ALERTMANAGER_WEBHOOK_TOKEN: 'am-secret' });
    expect((await h.webhook(fixture('alertmanager-firing'))).status).toBe(401);
    expect((await h.webhook(fixture('alertmanager-firing'), 'wrong')).status).toBe(401);
    expect(cards()).toHaveLength(0);
    expect((await h.webhook(fixture('alertmanager-firing'), 'am-secret')).status).toBe(200);
    expect(cards()).toHaveLength(1);
  });

  it('answers a malformed delivery with 400 and the validation issue, storing nothing', async () => {
    await start();
    const broken = fixture('alertmanager-firing');
    delete (broken['alerts'] as Record<string, unknown>[])[0]?.['fingerprint'];
    const answer = await h.webhook(broken);
    expect(answer.status).toBe(400);
    expect(answer.body['issues']).toEqual(['alerts.0.fingerprint: Invalid input: expected string, received undefined']);
    expect((await h.webhook('{"version": "4", ')).body).toMatchObject({ error: 'body is not valid JSON', issues: [expect.stringMatching(/^\(body\): /)] });
    expect(h.sitroom.alerts.view(1)).toBeUndefined();
    expect(cards()).toHaveLength(0);
  });
});

describe('silences in the real Alertmanager', () => {
  let am: AlertmanagerProcess;
  beforeAll(async () => {
    am = await AlertmanagerProcess.start({ webhookUrl: 'http://127.0.0.1:9/unused' });
  });
  afterAll(async () => {
    await am?.stop();
  });

  it('silences the group for 1h, shows it, and expires it when the linked incident closes', async () => {
    await start({ ALERTMANAGER_URL: am.url });
    h.clock.set(Date.now());
    const { body } = await h.webhook(fixture('alertmanager-group-2-firing'));
    const group = Number(body['group']);
    expect(cardButtons()).toContain('sitroom:alert_silence_1h');
    expect(cardButtons()).toContain('sitroom:alert_silence_4h');

    const reply = await h.click('alert_silence_1h', group, { channel: ALERTS });
    const id = /silence ([0-9a-f-]{36})/.exec(reply)?.[1] ?? '';
    expect(id).not.toBe('');
    const silence = (await am.silences()).find((s) => s.id === id);
    expect(silence?.status.state).toBe('active');
    expect(silence?.matchers).toEqual([
      { name: 'alertname', value: 'HighErrorRate', isRegex: false, isEqual: true },
      { name: 'service', value: 'checkout', isRegex: false, isEqual: true },
    ]);
    expect(Date.parse(silence?.endsAt ?? '') - Date.parse(silence?.startsAt ?? '')).toBeGreaterThanOrEqual(59 * MINUTE);
    await cardShows(`Silenced until`);
    expect(cardText()).toContain(`(silence ${id})`);
    expect(await h.click('alert_silence_4h', group, { channel: ALERTS })).toContain('Already silenced');

    await h.click('alert_declare', group, { channel: ALERTS });
    const room = h.room(1);
    for (const step of ['mitigate', 'resolve', 'close']) await h.command(step, { channel: room });
    expect(h.sitroom.service.get(1).phase).toBe('closed');
    expect((await am.silences()).find((s) => s.id === id)?.status.state).toBe('expired');
  });
});
