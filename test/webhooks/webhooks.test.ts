/**
 * Outbound webhooks end to end through createSitroom: every change of an incident reaches a receiver that checks each
 * signature with its own implementation of the Standard Webhooks specification (test/fakes/webhook-receiver.ts), in
 * order, with the incident as GET /api/incidents/<n> shows it; filters, private incidents and drills; and a receiver
 * that fails three times still gets each event once, in order (the retries on the fixed clock).
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentDetailSchema } from '../../src/web/api-schema.ts';
import { SitroomUnderTest } from '../chat/scenarios/sitroom-under-test.ts';
import { fixturePayload } from '../fakes/alert-fixtures.ts';
import { HOUR, MINUTE } from '../fakes/fixed-clock.ts';
import { verifyStandardWebhook, WebhookReceiver } from '../fakes/webhook-receiver.ts';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.reverse()) await done();
  cleanup = [];
});

async function start(urls: (receivers: WebhookReceiver[]) => string, count = 1) {
  // The receivers judge a timestamp's freshness by the clock of the sitroom they hear from.
  const started: { app?: SitroomUnderTest } = {};
  const receivers: WebhookReceiver[] = [];
  for (let i = 0; i < count; i++) {
    const receiver = await WebhookReceiver.start(SECRET, () => started.app?.clock.now() ?? Date.now());
    cleanup.push(() => receiver.close());
    receivers.push(receiver);
  }
  const app = new SitroomUnderTest({ WEBHOOK_URLS: urls(receivers), WEBHOOK_SECRET: SECRET });
  started.app = app;
  await app.start();
  cleanup.push(() => app.stop());
  return { app, receivers };
}

const declare = (app: SitroomUnderTest, extra: { isPrivate?: boolean; drill?: boolean } = {}) =>
  app.sitroom.service.declare({ title: 'Checkout latency spike', severity: 'sev2', isPrivate: extra.isPrivate ?? false, platform: 'web', declaredBy: 'alice', drill: extra.drill ?? false });

describe('the test receiver’s own verification (so "verified" can fail)', () => {
  const raw = '{"type":"incident.declared"}';
  const id = 'msg_1';
  const now = 1_700_000_000;
  // Signed by hand from the specification's words, not by src/webhooks.
  const signed = `v1,${createHmac('sha256', Buffer.alloc(32, 7)).update(`${id}.${now}.${raw}`).digest('base64')}`;
  const headers = (signature: string, timestamp = now) => ({ 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature });

  it('accepts the right signature, also among others, and refuses a changed body, another secret or a stale timestamp', () => {
    expect(verifyStandardWebhook(SECRET, headers(signed), raw, now)).toBe(true);
    expect(verifyStandardWebhook(SECRET, headers(`v1,bm90IGl0 ${signed}`), raw, now)).toBe(true);
    expect(verifyStandardWebhook(SECRET, headers(signed), raw.replace('declared', 'closed'), now)).toBe(false);
    expect(verifyStandardWebhook(`whsec_${Buffer.alloc(32, 8).toString('base64')}`, headers(signed), raw, now)).toBe(false);
    expect(verifyStandardWebhook(SECRET, headers(signed), raw, now + 6 * 60)).toBe(false);
    expect(verifyStandardWebhook(SECRET, headers(signed.replace('v1,', 'v2,')), raw, now)).toBe(false);
  });
});

describe('outbound webhooks', () => {
  it('tells a receiver every kind of change, in order, signed, with the incident as the API shows it', async () => {
    const { app, receivers } = await start(([r]) => r?.url ?? '');
    const receiver = receivers[0] as WebhookReceiver;
    const { service, followUps } = app.sitroom;
    const n = (await declare(app)).incident.number;
    await service.assignRole(n, 'commander', 'bob', 'alice');
    await service.changeSeverity(n, 'sev1', 'bob');
    await service.rename(n, 'Checkout down', 'bob');
    await service.setCadence(n, 15 * 60, 'bob');
    await service.postUpdate(n, 'Rolling back the deploy', 'bob');
    await service.linkAlertGroup(n, 'CheckoutErrors', 'bob');
    const item = await followUps.addActionItem(n, { text: 'Add a canary stage', owner: null, due: null }, 'bob');
    await service.transition(n, 'mitigate', 'rolled back', 'bob');
    await service.transition(n, 'resolve', '', 'bob');
    await followUps.completeActionItem(item.id, 'bob');
    await service.addNote(n, 'not an event any receiver hears of', 'bob');
    await service.transition(n, 'close', '', 'bob');
    await app.sitroom.deliverDue();

    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect(receiver.accepted.map((r) => r.body.type)).toEqual([
      'incident.declared',
      'incident.updated',
      'incident.updated',
      'incident.updated',
      'incident.updated',
      'incident.update_posted',
      'alert_group.linked',
      'action_item.created',
      'incident.phase_changed',
      'incident.phase_changed',
      'action_item.completed',
      'incident.phase_changed',
      'incident.closed',
    ]);
    expect(new Set(receiver.accepted.map((r) => r.id)).size).toBe(receiver.accepted.length);
    // incident.updated for each of severity, title, roles and cadence (the issue's list), told by the event's kind.
    expect(receiver.accepted.filter((r) => r.body.type === 'incident.updated').map((r) => r.body.event.kind)).toEqual(['role_assigned', 'severity_changed', 'renamed', 'cadence_changed']);
    const completed = receiver.accepted.find((r) => r.body.type === 'action_item.completed');
    expect(completed?.body.event).toMatchObject({ kind: 'action_done', actionItem: item.id });
    // The data is GET /api/incidents/<n>, word for word, at the moment it was sent.
    const api = (await (await fetch(`${app.url}/api/incidents/${n}`)).json()) as unknown;
    const last = receiver.accepted.at(-1);
    expect(incidentDetailSchema.parse(last?.body.data)).toEqual(api);
    expect(last?.body.timestamp).toBe(new Date(app.clock.now()).toISOString());
  });

  it('tells of an incident declared from an alert group: incident.declared, then alert_group.linked', async () => {
    const { app, receivers } = await start(([r]) => r?.url ?? '');
    const receiver = receivers[0] as WebhookReceiver;
    const { group } = await app.sitroom.alerts.ingest(fixturePayload('alertmanager-group-2-firing'));
    const n = (await app.sitroom.alerts.declareIncident(group.id, 'alice', 'web')).incident.number;
    await app.sitroom.deliverDue();
    expect(receiver.accepted.map((r) => `${r.body.type} #${r.body.data.number}`)).toEqual([`incident.declared #${n}`, `alert_group.linked #${n}`]);
  });

  it('sends an endpoint only the events its filter names, and private incidents only where opted in', async () => {
    const { app, receivers } = await start(([all, closed, audit]) => `${all?.url}\n${closed?.url}|incident.closed  ${audit?.url}|incident.*,private`, 3);
    const [all, closed, audit] = receivers as [WebhookReceiver, WebhookReceiver, WebhookReceiver];
    const { service } = app.sitroom;
    const pub = (await declare(app)).incident.number;
    const secret = (await declare(app, { isPrivate: true })).incident.number;
    for (const n of [pub, secret]) for (const step of ['mitigate', 'resolve', 'close'] as const) await service.transition(n, step, '', 'alice');
    await app.sitroom.deliverDue();

    expect(all.accepted.map((r) => r.body.data.number)).toEqual(Array(5).fill(pub));
    expect(closed.accepted.map((r) => `${r.body.type} #${r.body.data.number}`)).toEqual([`incident.closed #${pub}`]);
    const heard = audit.accepted.map((r) => `${r.body.type} #${r.body.data.number}`);
    expect(heard.filter((h) => h.endsWith(`#${secret}`))).toHaveLength(5);
    expect(heard).toContain(`incident.declared #${secret}`);
  });

  it('flags a drill in the body', async () => {
    const { app, receivers } = await start(([r]) => r?.url ?? '');
    await declare(app, { drill: true });
    await declare(app);
    await app.sitroom.deliverDue();
    expect((receivers[0] as WebhookReceiver).accepted.map((r) => [r.body.data.number, r.body.data.drill])).toEqual([
      [1, true],
      [2, false],
    ]);
  });

  it('retries a receiver that answers 500 three times: each event arrives once, in order, later ones waiting', async () => {
    const { app, receivers } = await start(([r]) => r?.url ?? '');
    const receiver = receivers[0] as WebhookReceiver;
    receiver.script = [500, 500, 500];
    const n = (await declare(app)).incident.number;
    await app.sitroom.service.postUpdate(n, 'Investigating', 'alice');
    for (let i = 0; i < 20 && receiver.accepted.length < 2; i++) {
      await app.sitroom.deliverDue();
      app.clock.advance(MINUTE);
    }
    expect(receiver.received.map((r) => `${r.status} ${r.body.type}`)).toEqual([
      '500 incident.declared',
      '500 incident.declared',
      '500 incident.declared',
      '200 incident.declared',
      '200 incident.update_posted',
    ]);
    // One message, four attempts: the same webhook-id (the receiver's idempotency key), each attempt freshly signed.
    expect(new Set(receiver.received.slice(0, 4).map((r) => r.id)).size).toBe(1);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    await app.sitroom.deliverDue();
    expect(receiver.accepted).toHaveLength(2);
  });

  it('retries a receiver that stays down for OUTBOX_GIVE_UP_HOURS (24 h by default), then gives the event up and sends the next', async () => {
    const { app, receivers } = await start(([r]) => r?.url ?? '');
    const receiver = receivers[0] as WebhookReceiver;
    receiver.down = true;
    const n = (await declare(app)).incident.number;
    const declaredAt = app.clock.now();
    const lastAttemptAfter = () => (receiver.received.at(-1)?.timestamp ?? 0) * 1000 - declaredAt;
    // Backoff grows to 5 min between attempts: one look every 5 min sees each attempt as it falls due.
    while (app.clock.now() - declaredAt < 23 * HOUR + 50 * MINUTE) {
      await app.sitroom.deliverDue();
      app.clock.advance(5 * MINUTE);
    }
    await app.sitroom.deliverDue();
    expect(lastAttemptAfter()).toBeGreaterThan(23 * HOUR + 40 * MINUTE);
    expect(receiver.accepted).toHaveLength(0);
    while (app.clock.now() - declaredAt < 26 * HOUR) {
      app.clock.advance(5 * MINUTE);
      await app.sitroom.deliverDue();
    }
    const attempts = receiver.received.length;
    expect(lastAttemptAfter()).toBeLessThanOrEqual(24 * HOUR + 5 * MINUTE);
    // Given up: no more attempts of it, and the incident's next event is no longer held behind it.
    receiver.down = false;
    await app.sitroom.service.postUpdate(n, 'Still investigating', 'alice');
    await app.sitroom.deliverDue();
    expect(receiver.received.slice(attempts).map((r) => `${r.status} ${r.body.type}`)).toEqual(['200 incident.update_posted']);
  });
});
