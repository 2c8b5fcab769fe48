/**
 * Paging through the real Alertmanager (Debian's prometheus-alertmanager, clustering off, on 127.0.0.1): `/incident
 * page` in a war room raises `SitroomPage` with the incident's labels, the team's route (here: every alert to one
 * webhook receiver standing in for PagerDuty or ntfy) delivers it, and `mitigate` resolves it.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AlertmanagerProcess } from '../fakes/alertmanager-process.ts';
import { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { BotProcess } from './bot-process.ts';
import { slackCommand } from './slack-command.ts';

const SECRET = 'paging-e2e-signing-secret';
let slack: FakeSlackApi;
let am: AlertmanagerProcess;
let bot: BotProcess;
let receiver: Server;
let dir: string;

interface Notification {
  status: string;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}
const notifications: Notification[] = [];

function command(text: string, channel: string, id: string): Promise<string> {
  return slackCommand(slack, { url: bot.url, secret: SECRET }, text, channel, id);
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      notifications.push(JSON.parse(body) as Notification);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  slack = await FakeSlackApi.start();
  slack.addChannel({ id: 'CANNOUNCE', name: 'incidents' });
  dir = mkdtempSync(join(tmpdir(), 'sitroom-paging-'));
  am = await AlertmanagerProcess.start({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, groupWait: '1s', groupInterval: '1s', groupBy: ['alertname', 'incident', 'team'] });
  bot = await BotProcess.start({
    SLACK_BOT_TOKEN: 'xoxb-paging',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_ANNOUNCE_CHANNEL: 'CANNOUNCE',
    SLACK_API_URL: `${slack.url}/api/`,
    DATABASE_PATH: join(dir, 'sitroom.db'),
    ALERTMANAGER_URL: am.url,
    PUBLIC_URL: 'https://sitroom.example.com',
    LOG_LEVEL: 'info',
  });
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await am?.stop();
  await slack?.close();
  await new Promise((r) => receiver?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

it('pages a team through Alertmanager while the incident is active and resolves the page on mitigate', async () => {
  expect(await command('declare sev2 Checkout refuses payments', 'CGENERAL', 'declare')).toContain('#1');
  const room = await slack.waitFor('conversations.create', () => true, 10_000);
  const roomId = String((room.response['channel'] as { id: string }).id);

  const reply = await command('page db-oncall primary refuses writes', roomId, 'page');
  expect(reply).toContain('Paged db-oncall');

  const firing = await until('the page in Alertmanager', async () => (await am.alerts({ active: 'true' })).find((a) => a.labels['alertname'] === 'SitroomPage'));
  expect(firing.labels).toEqual({ alertname: 'SitroomPage', incident: '1', severity: 'sev2', team: 'db-oncall' });
  expect(firing.annotations['summary']).toBe('[SEV2] Incident #1: Checkout refuses payments');
  expect(firing.annotations['description']).toBe('primary refuses writes');
  expect(firing.annotations['incident_url']).toBe('https://sitroom.example.com/incidents/1');
  expect(firing.status.state).toBe('active');
  // The team's route delivered it (the receiver stands in for PagerDuty, Grafana IRM, ntfy…).
  const delivered = await until('the firing notification', () => notifications.find((n) => n.status === 'firing'));
  expect(delivered.alerts[0]?.labels['team']).toBe('db-oncall');

  // The same team again is refused while its page fires; the war room's timeline has the page.
  expect(await command('page db-oncall again', roomId, 'again')).toContain('already paged');

  expect(await command('mitigate', roomId, 'mitigate')).toContain('mitigated');
  const resolved = await until('the resolved notification', () => notifications.find((n) => n.status === 'resolved'));
  expect(resolved.alerts[0]?.labels).toMatchObject({ alertname: 'SitroomPage', incident: '1', team: 'db-oncall' });
  expect((await am.alerts({ active: 'true' })).filter((a) => a.labels['alertname'] === 'SitroomPage')).toEqual([]);
  // Only an active incident pages.
  expect(await command('page web-oncall', roomId, 'late')).toContain('only an active incident pages');
}, 60_000);
