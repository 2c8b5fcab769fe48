/**
 * Webhooks survive a kill -9: the real bot process (src/main.ts) records two changes while the receiver answers 503,
 * is killed with both rows pending, and after a restart (receiver back) the receiver gets each event exactly once,
 * in order, every signature checked by the test receiver's own implementation of the Standard Webhooks spec.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../fakes/webhook-receiver.ts';
import { BotProcess } from './bot-process.ts';

const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const TOKEN = 'webhook-crash-web-token';
const dir = mkdtempSync(join(tmpdir(), 'sitroom-webhook-crash-'));
const cleanup: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const done of cleanup.reverse()) await done();
  rmSync(dir, { recursive: true, force: true });
});

async function post(bot: BotProcess, path: string, body: unknown): Promise<number> {
  const res = await fetch(`${bot.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.text();
  return res.status;
}

describe('webhooks across a kill -9', () => {
  it('loses and repeats no event when the bot dies with events pending', async () => {
    const receiver = await WebhookReceiver.start(SECRET);
    cleanup.push(() => receiver.close());
    receiver.down = true;
    const env = { DATABASE_PATH: join(dir, 'sitroom.db'), WEB_AUTH_TOKEN: TOKEN, WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: SECRET, LOG_FORMAT: 'json' };
    const first = await BotProcess.start(env);
    cleanup.push(() => first.stop('SIGKILL'));
    expect(await post(first, '/api/incidents', { title: 'Checkout latency spike', severity: 'sev2' })).toBe(201);
    expect(await post(first, '/api/incidents/1/update', { text: 'Rolling back' })).toBe(200);
    await first.waitForLog((l) => l['msg'] === 'webhook delivery failed; will retry', 10_000);
    await first.stop('SIGKILL');
    expect(receiver.accepted).toHaveLength(0);

    receiver.down = false;
    const second = await BotProcess.start(env);
    cleanup.push(() => second.stop());
    const accepted = await receiver.waitForAccepted(2, 30_000);
    expect(accepted.map((r) => `${r.body.type} #${r.body.data.number}`)).toEqual(['incident.declared #1', 'incident.update_posted #1']);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect((await second.stop()).code).toBe(0);
    // Nothing more came after the clean stop: each event was accepted once.
    expect(receiver.accepted).toHaveLength(2);
  });
});
