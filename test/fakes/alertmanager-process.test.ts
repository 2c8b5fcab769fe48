import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { AlertmanagerProcess, alertmanagerBinary } from './alertmanager-process.ts';
import type { PostableAlert } from './alertmanager-process.ts';

interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
  fingerprint: string;
}
interface WebhookBody {
  version: string;
  status: string;
  groupKey: string;
  alerts: WebhookAlert[];
}
interface Delivery {
  at: number;
  authorization: string | undefined;
  body: WebhookBody;
}

/** Polls `probe` every 20 ms until it returns a value, or fails after `timeoutMs`. */
async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const TOKEN = 'am-webhook-secret';
describe('AlertmanagerProcess (the real prometheus-alertmanager)', () => {
  it('finds the installed Alertmanager (.ci/run installs prometheus-alertmanager with apt-get)', () => {
    expect(alertmanagerBinary()).toBeDefined();
  });

  const deliveries: Delivery[] = [];
  let receiver: Server;
  let am: AlertmanagerProcess;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        deliveries.push({
          at: Date.now(),
          authorization: req.headers.authorization,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookBody,
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    if (address === null || typeof address === 'string') throw new Error('receiver has no port');
    am = await AlertmanagerProcess.start({ webhookUrl: `http://127.0.0.1:${address.port}/alertmanager`, bearerToken: TOKEN });
  });

  afterAll(async () => {
    await am?.stop();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  });

  const alerts: PostableAlert[] = ['web-1:9100', 'web-2:9100'].map((instance) => ({
    labels: { alertname: 'HighErrorRate', service: 'checkout', severity: 'critical', instance },
    annotations: { summary: 'Checkout 5xx > 5%' },
    generatorURL: 'http://prometheus.example:9090/graph',
  }));
  const groupKey = '{}:{alertname="HighErrorRate", service="checkout"}';

  it('starts on 127.0.0.1 and answers /-/ready', async () => {
    expect(am.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(am.pid).toBeGreaterThan(0);
    expect((await fetch(`${am.url}/-/ready`)).status).toBe(200);
  });

  it('delivers a group of two firing alerts with version 4, the groupKey, both fingerprints and the bearer token', async () => {
    await am.pushAlerts(alerts);
    // The fingerprints Alertmanager itself computed for the two alerts.
    const stored = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as Array<{ fingerprint: string }>;
    const fingerprints = stored.map((a) => a.fingerprint).sort();
    expect(fingerprints).toHaveLength(2);

    const delivery = await waitFor('the firing delivery', () => deliveries.find((d) => d.body.status === 'firing'));
    expect(delivery.authorization).toBe(`Bearer ${TOKEN}`);
    expect(delivery.body).toMatchObject({ version: '4', status: 'firing', groupKey, receiver: 'sitroom', truncatedAlerts: 0 });
    expect(delivery.body.alerts.map((a) => a.fingerprint).sort()).toEqual(fingerprints);
    expect(delivery.body.alerts.every((a) => a.status === 'firing')).toBe(true);
  });

  it('delivers status resolved once both alerts are resolved', async () => {
    const before = deliveries.length;
    await am.resolveAlerts(alerts);
    const resolved = await waitFor('the resolved delivery', () => deliveries.slice(before).find((d) => d.body.status === 'resolved'));
    expect(resolved.authorization).toBe(`Bearer ${TOKEN}`);
    expect(resolved.body.groupKey).toBe(groupKey);
    // Usually one delivery with both alerts resolved; should a flush fall between the two, both are reported across them.
    const reported = new Set(deliveries.slice(before).flatMap((d) => d.body.alerts.filter((a) => a.status === 'resolved').map((a) => a.fingerprint)));
    expect(reported.size).toBe(2);
  });

  it('creates a silence, lists it active, expires it on DELETE', async () => {
    const now = Date.now();
    const request = {
      matchers: [
        { name: 'alertname', value: 'HighErrorRate', isRegex: false, isEqual: true },
        { name: 'service', value: 'checkout', isRegex: false, isEqual: true },
        { name: 'instance', value: 'web-.*', isRegex: true },
      ],
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + 2 * 3600_000).toISOString(),
      createdBy: 'incident-bot (U012ABCDEF)',
      comment: 'Silenced from #inc-42 by @alice',
    };
    const posted = await fetch(`${am.url}/api/v2/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    expect(posted.status).toBe(200);
    const { silenceID } = (await posted.json()) as { silenceID: string };
    expect(silenceID).toMatch(/^[0-9a-f-]{36}$/);

    const active = (await am.silences()).find((s) => s.id === silenceID);
    expect(active).toMatchObject({ status: { state: 'active' }, createdBy: request.createdBy, comment: request.comment });
    expect(active?.matchers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'service', value: 'checkout', isRegex: false }),
        expect.objectContaining({ name: 'instance', value: 'web-.*', isRegex: true }),
      ]),
    );

    const deleted = await fetch(`${am.url}/api/v2/silence/${silenceID}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    await deleted.body?.cancel();
    const expired = await waitFor('the silence to expire', async () => (await am.silences()).find((s) => s.id === silenceID && s.status.state === 'expired'));
    expect(expired.id).toBe(silenceID);
  });

  it('stop() ends the process and is idempotent', async () => {
    const other = await AlertmanagerProcess.start({ webhookUrl: 'http://127.0.0.1:9/unused' });
    await Promise.all([other.stop(), other.stop()]);
    await other.stop();
    expect(() => process.kill(other.pid, 0)).toThrow();
    await expect(fetch(`${other.url}/-/ready`)).rejects.toThrow();
  });
});
