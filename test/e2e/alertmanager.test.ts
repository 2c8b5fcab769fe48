/**
 * The real Prometheus Alertmanager (Debian's prometheus-alertmanager, clustering off, on 127.0.0.1) delivering
 * to the real sitroom process: the card, an update in place, the resolve, and a silence created through the
 * card's button that Alertmanager then lists as active.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AlertmanagerProcess, type PostableAlert } from '../fakes/alertmanager-process.ts';
import { FakeSlackApi, type RecordedCall } from '../fakes/fake-slack-api.ts';
import { blockActionBody, postSigned } from '../fakes/slack-requests.ts';
import { BotProcess, freePort } from './bot-process.ts';

const SECRET = 'am-e2e-signing-secret';
const TOKEN = 'am-e2e-webhook-token';
const ALERTS = 'CALERTS';
let slack: FakeSlackApi;
let am: AlertmanagerProcess;
let bot: BotProcess;
let dir: string;

const alert = (instance: string): PostableAlert => ({
  labels: { alertname: 'HighErrorRate', service: 'checkout', instance, severity: 'critical' },
  annotations: { summary: 'Checkout 5xx > 5%', runbook_url: 'https://runbooks.example.com/checkout' },
  generatorURL: 'http://prometheus.example:9090/graph',
});

const toAlerts = (method: string, text: string) => (c: RecordedCall) => c.args['channel'] === ALERTS && String(c.args['text']).includes(text) && c.method === method;

beforeAll(async () => {
  slack = await FakeSlackApi.start();
  slack.addChannel({ id: 'CANNOUNCE', name: 'incidents' });
  slack.addChannel({ id: ALERTS, name: 'alerts' });
  dir = mkdtempSync(join(tmpdir(), 'sitroom-am-'));
  const botPort = await freePort();
  am = await AlertmanagerProcess.start({ webhookUrl: `http://127.0.0.1:${botPort}/alertmanager`, bearerToken: TOKEN, groupWait: '1s', groupInterval: '1s' });
  bot = await BotProcess.start(
    {
      SLACK_BOT_TOKEN: 'xoxb-am',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_ANNOUNCE_CHANNEL: 'CANNOUNCE',
      SLACK_ALERTS_CHANNEL: ALERTS,
      SLACK_API_URL: `${slack.url}/api/`,
      DATABASE_PATH: join(dir, 'sitroom.db'),
      ALERTMANAGER_URL: am.url,
      ALERTMANAGER_WEBHOOK_TOKEN: TOKEN,
      LOG_LEVEL: 'info',
    },
    15_000,
    botPort,
  );
});

afterAll(async () => {
  await bot?.stop();
  await am?.stop();
  await slack?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('shows, updates in place, resolves and silences a real Alertmanager group', async () => {
  await am.pushAlerts([alert('web-1:9100')]);
  const posted = await slack.waitFor('chat.postMessage', toAlerts('chat.postMessage', 'FIRING (1) HighErrorRate'), 10_000);
  expect(String(posted.args['text'])).toContain('SEV1 · 1 firing');
  const ts = String(posted.response['ts']);

  await am.pushAlerts([alert('web-1:9100'), alert('web-2:9100')]);
  const updated = await slack.waitFor('chat.update', toAlerts('chat.update', 'FIRING (2) HighErrorRate'), 10_000);
  expect(updated.args['ts']).toBe(ts);

  await am.resolveAlerts([alert('web-1:9100'), alert('web-2:9100')]);
  await slack.waitFor('chat.update', toAlerts('chat.update', '✅ RESOLVED HighErrorRate'), 10_000);
  expect(slack.callsTo('chat.postMessage').filter((c) => c.args['channel'] === ALERTS)).toHaveLength(1);

  const blocks = posted.args['blocks'] as { elements?: { action_id: string; value: string }[] }[];
  const silenceButton = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'sitroom:alert_silence_1h');
  expect(silenceButton).toBeDefined();
  const click = blockActionBody({ actionId: 'sitroom:alert_silence_1h', value: silenceButton?.value ?? '', userId: 'UALICE', channelId: ALERTS, responseUrl: slack.responseUrl('silence') });
  expect((await postSigned(`${bot.url}/slack/events`, SECRET, click)).status).toBe(200);
  const reply = ((await slack.waitForResponse('silence', 10_000)) as { text: string }).text;
  const id = /silence ([0-9a-f-]{36})/.exec(reply)?.[1];
  expect(id).toBeDefined();
  const silence = (await am.silences()).find((s) => s.id === id);
  expect(silence?.status.state).toBe('active');
  expect(silence?.createdBy).toBe('sitroom (ualice)');
  expect(silence?.matchers.map((m) => `${m.name}=${m.value}`)).toEqual(['alertname=HighErrorRate', 'service=checkout']);
});
