/**
 * The documented example receiver (examples/webhook-receiver.mjs), run as a user runs it, accepts sitroom's own
 * deliveries (204, printed once even when retried) and refuses forged ones (401).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxRow } from '../../src/delivery/outbox.ts';
import { EMPTY_SECTIONS } from '../../src/incidents/postmortem.ts';
import { event } from '../../src/incidents/timeline.ts';
import { WEBHOOK_EVENT_TYPES, webhookEffects } from '../../src/incidents/webhook-events.ts';
import { incidentDetail } from '../../src/web/incident-views.ts';
import { WebhookDeliverer } from '../../src/webhooks/webhook-deliverer.ts';
import { freePort, REPO_ROOT } from '../e2e/bot-process.ts';
import { T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';

const SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child?.pid !== undefined && child.exitCode === null) {
    process.kill(child.pid, 'SIGTERM');
    await once(child, 'exit');
  }
  child = undefined;
});

async function startExample(): Promise<{ url: string; output: () => string }> {
  const port = await freePort();
  let output = '';
  child = spawn(process.execPath, ['examples/webhook-receiver.mjs'], { cwd: REPO_ROOT, env: { PATH: process.env['PATH'] ?? '', WEBHOOK_SECRET: SECRET, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const url = `http://127.0.0.1:${port}/sitroom`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(url, { method: 'POST', body: '{}' }).then((r) => r.status === 401, () => false)) return { url, output: () => output };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the example receiver did not start');
}

describe('examples/webhook-receiver.mjs', () => {
  it('accepts sitroom’s deliveries once each and refuses forged ones', async () => {
    const { url, output } = await startExample();
    const incident = anIncident({ drill: true });
    const deliverer = new WebhookDeliverer({
      endpoints: [{ url, events: WEBHOOK_EVENT_TYPES, includePrivate: false }],
      key: Buffer.alloc(32, 5),
      timeoutMs: 5000,
      incident: async () => incident,
      detail: async (i, now) => incidentDetail(i, now, () => null, { timeline: [], actionItems: [], checklist: [], alerts: [], postmortem: null, postmortemSections: EMPTY_SECTIONS }),
      now: () => Date.now(),
    });
    const [queued] = webhookEffects([{ url, events: WEBHOOK_EVENT_TYPES, includePrivate: false }], incident, [event('declared', T0, 'alice', 'Declared')], T0);
    const row = { ...queued, id: 1, version: 0, state: 'pending', attempts: 0, createdAt: T0, nextAttemptAt: T0, lastError: null, messageId: null } as OutboxRow;
    const call = await deliverer.prepare(row);
    if (call === 'skip') throw new Error('skipped');
    await call.send();
    await call.send();
    const forged = await fetch(url, {
      method: 'POST',
      headers: { 'webhook-id': 'msg_x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,Zm9yZ2Vk' },
      body: '{"type":"incident.closed"}',
    });
    expect(forged.status).toBe(401);
    // The receiver printed before it answered; its output may still be on its way through the pipe.
    for (let i = 0; i < 40 && !output().endsWith('\n'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(output()).toBe('incident.declared: #1 Checkout latency spike (sev2, active) [drill]\n');
  });
});
