/**
 * Where the webhook's per-delivery cost went (npm run bench -- webhook): each stored delivery queued its card in a
 * transaction of its own after the answer, and every paced card row built the group's whole view each time the
 * dispatcher looked at it, though it went out only once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryKey } from '../../src/alertmanager/alertmanager-payload.ts';
import { AlertEffectDeliverer } from '../../src/alerts/alert-effect-deliverer.ts';
import { fixturePayload, stormPayload, validPayload } from '../fakes/alert-fixtures.ts';
import { type AlertHarness, alertHarness } from '../fakes/alert-harness.ts';

let h: AlertHarness;
afterEach(() => h.close());

const cardRows = () => h.db.$client.prepare("SELECT COUNT(*) FROM outbox WHERE kind = 'alert_card' AND state = 'pending'").pluck().get() as number;

describe('a delivery stored through the webhook queue', () => {
  it('has its card queued in the commit that stores it, before anything runs after the answer', async () => {
    h = alertHarness();
    const p = fixturePayload('alertmanager-group-2-firing');
    await h.alerts.receive(p, deliveryKey(p));
    // No turn has passed since the commit: the card row came with the delivery, not after it.
    expect(cardRows()).toBe(1);
  });

  it('has its card queued in the storm\'s last commit too', async () => {
    h = alertHarness();
    const p = validPayload(stormPayload(1200));
    await h.alerts.receive(p, deliveryKey(p));
    expect(cardRows()).toBe(1);
  });

  it('queues one card row for several deliveries of one group in one commit, the newest carrying the rest', async () => {
    h = alertHarness();
    const a = fixturePayload('alertmanager-group-2-firing');
    const b = fixturePayload('alertmanager-group-mixed-1resolved-1firing');
    await Promise.all([h.alerts.receive(a, deliveryKey(a)), h.alerts.receive(b, deliveryKey(b))]);
    await h.settle();
    expect(h.chat.callsTo('showCard')).toHaveLength(1);
    expect(h.chat.callsTo('showCard')[0]?.view).toMatchObject({ firing: 1, resolved: 1 });
  });

  // Alertmanager re-sends the whole group every group_interval: a repeat of what is stored re-rendered the card each time.
  it('queues no card for a delivery that repeats the stored state, and still answers it as stored', async () => {
    h = alertHarness();
    const p = fixturePayload('alertmanager-group-2-firing');
    await h.alerts.receive(p, deliveryKey(p));
    await h.settle();
    const shown = h.chat.callsTo('showCard').length;
    const repeat = { ...p, alerts: [...p.alerts].reverse() };
    const result = await h.alerts.receive(repeat, deliveryKey(repeat));
    expect([result.duplicate, result.unchanged]).toEqual([false, true]);
    expect(cardRows()).toBe(0);
    await h.settle();
    expect(h.chat.callsTo('showCard')).toHaveLength(shown);
  });
});

describe("a card row's preparation", () => {
  it('does not build the group view until the card is really sent', async () => {
    h = alertHarness();
    const p = fixturePayload('alertmanager-group-2-firing');
    const { group } = await h.alerts.receive(p, deliveryKey(p));
    let views = 0;
    const deliverer = new AlertEffectDeliverer({
      platform: 'slack',
      store: h.store,
      notifier: h.chat,
      view: (id) => (views++, h.alerts.view(id)),
      incident: async () => undefined,
      now: () => h.clock.now(),
    });
    const prepared = await deliverer.prepare({ effect: { kind: 'alert_card', group: group.id } });
    await deliverer.prepare({ effect: { kind: 'alert_card', group: group.id } });
    expect(views).toBe(0);
    if (typeof prepared === 'string') throw new Error(`prepared as ${prepared}`);
    await prepared.send();
    expect(views).toBe(1);
    expect(h.chat.callsTo('showCard')[0]?.view.group.version).toBe(group.version);
  });
});
