/**
 * An alert storm (200 groups, each delivered twice) while incidents are declared, on the Slack fake with its rate
 * limits enforced (platform-faults.ts) and sitroom pacing as in production. Fixed clock moved in 1 s steps, no sleeps.
 * Incident traffic is served first (the announcement is not held behind 400 card calls), every 429's Retry-After is
 * honoured, and every card ends posted once and showing its group's latest state.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rawAlert, rawPayload } from '../../fakes/alert-fixtures.ts';
import { SECOND } from '../../fakes/fixed-clock.ts';
import { SLACK_LIMITS } from '../../fakes/platform-faults.ts';
import { SlackDriver } from './slack-driver.ts';

const GROUPS = 200;

let chat: SlackDriver;
beforeEach(async () => {
  chat = await SlackDriver.start({}, { pacing: true });
  chat.slack.faults.timeFrom(() => chat.clock.now());
});
afterEach(async () => {
  await chat?.stop();
});

/** Group `n` of the storm: its own groupKey, one alert (firing, or resolved on the second delivery). */
const groupDelivery = (n: number, status: 'firing' | 'resolved') =>
  rawPayload([rawAlert(n, { status, labels: { alertname: `Storm${n}`, instance: `web-${n}:9100`, severity: 'warning' } })], {
    groupKey: `{}:{alertname="Storm${n}"}`,
    groupLabels: { alertname: `Storm${n}` },
    commonLabels: { alertname: `Storm${n}` },
  });

/** POST /alertmanager without waiting for the outbox (a storm does not wait for the chat either). */
async function deliver(body: unknown): Promise<void> {
  const res = await fetch(`${chat.url}/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

async function step(): Promise<void> {
  chat.clock.advance(SECOND);
  await chat.sitroom().scheduler.tick();
  await chat.settled();
}

describe('an alert storm while incidents are declared', () => {
  it('announces each incident within 10 s, never calls before Retry-After, and ends every card on its latest state', async () => {
    await chat.command('help'); // Bolt's auth.test, before the limits apply
    // Posting stricter than sitroom's pacing (one a second per channel), so 429s happen and their Retry-After counts.
    chat.slack.faults.enforce({ ...SLACK_LIMITS, 'chat.postMessage': { calls: 1, windowMs: 1_500, perChannel: true } });

    const declaredAt: number[] = [];
    for (let n = 0; n < GROUPS; n += 1) {
      await deliver(groupDelivery(n, 'firing'));
      if (n % 50 === 25) {
        declaredAt.push(chat.clock.now());
        expect(await chat.command(`declare sev2 Storm incident ${declaredAt.length}`)).toContain('Declared incident');
      }
    }
    for (let n = 0; n < GROUPS; n += 1) await deliver(groupDelivery(n, 'resolved'));

    const resolvedCards = () => chat.messages(chat.alerts).filter((c) => c.text.includes('RESOLVED')).length;
    for (let s = 0; s < 1_000 && resolvedCards() < GROUPS; s += 1) await step();

    const { arrivals, refusals } = chat.slack.faults;
    // Each announcement went out within 10 s (6 s seen: 1 s clock steps, paced and refused posts on the announcement channel) of its declaration, while cards were still queued.
    const announcements = arrivals.filter((a) => a.method === 'chat.postMessage' && a.channel === chat.announce && !a.refused);
    const cardPosts = arrivals.filter((a) => a.method === 'chat.postMessage' && a.channel === chat.alerts && !a.refused);
    expect(announcements).toHaveLength(declaredAt.length);
    announcements.forEach((a, i) => expect(a.at - declaredAt[i]!).toBeLessThanOrEqual(10 * SECOND));
    expect(Math.max(...cardPosts.map((c) => c.at))).toBeGreaterThan(Math.max(...announcements.map((a) => a.at)) + 60 * SECOND);

    // Slack refused some calls (429); none was repeated before the time it named.
    expect(refusals.length).toBeGreaterThan(0);
    for (const r of refusals) {
      const perChannel = SLACK_LIMITS[r.method]?.perChannel ?? true;
      const early = arrivals.filter((a) => a.method === r.method && (!perChannel || a.channel === r.channel) && a.at > r.at && a.at < r.at + r.retryAfterMs);
      expect(early, `${r.method} ${r.channel} refused at ${r.at}`).toEqual([]);
    }

    // Every card posted once, and showing its group resolved (the latest state).
    const cards = chat.messages(chat.alerts);
    expect(cards).toHaveLength(GROUPS);
    expect(cards.filter((c) => c.text.includes('RESOLVED'))).toHaveLength(GROUPS);
  }, 240_000);
});
