/** After the incident: action items, the postmortem as a file, the summary on resolve, close rules, stats, the weekly digest. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPostmortemFrontMatter } from '../../../src/incidents/postmortem.ts';
import { MINUTE } from '../../fakes/fixed-clock.ts';
import type { ChatDriver } from './chat-driver.ts';
import { PLATFORMS } from './platforms.ts';

describe.each(PLATFORMS)('follow-ups on %s', (_name, start) => {
  let chat: ChatDriver;
  let room: string;
  beforeEach(async () => {
    chat = await start({ DIGEST_DAY: 'friday', DIGEST_TIME: '09:00' });
    await chat.command('declare sev2 Checkout latency spike');
    room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
  });
  afterEach(async () => {
    await chat?.stop();
  });
  const here = () => ({ in: room });

  it('tracks action items, refuses close while they are open, and closes with a recorded waiver', async () => {
    const added = await chat.command(`action add a canary stage ${chat.typed('bob')} due:2025-03-20`, here());
    expect(added).toContain(`Action item #1 added: add a canary stage — ${chat.shown('bob')} — due 2025-03-20`);
    await chat.command('action write the runbook', here());
    expect(chat.messages(room).map((m) => m.text).join('\n')).toContain('Action item: add a canary stage');
    expect(await chat.command('actions', here())).toContain('#2 write the runbook');

    for (const step of ['mitigate', 'resolve']) await chat.command(step, here());
    const refused = await chat.command('close', here());
    expect(refused).toContain('2 action items are still open (#1 add a canary stage; #2 write the runbook)');
    expect(refused).toContain('/incident close --waive <why>');
    expect((await chat.sitroom().service.get(1)).phase).toBe('resolved');

    expect(await chat.command('action done 1', here())).toContain('Action item #1 done: add a canary stage');
    expect(await chat.command('action done 1', here())).toContain('Action item #1 is already done.');
    expect(await chat.command('action done 9', here())).toContain('There is no action item #9 on incident #1.');
    expect(await chat.command('close --waive runbook tracked in DOCS-12', here())).toContain('now closed');
    const closing = (await chat.sitroom().service.timeline(1)).at(-1);
    expect(closing?.text).toContain('waived open action items: runbook tracked in DOCS-12');
  });

  it('writes the postmortem on resolve, posts it as a file, and tells stakeholders in plain words', async () => {
    await chat.command(`ic ${chat.typed('bob')}`, here());
    chat.clock.advance(20 * MINUTE);
    await chat.command('update Rolled back the deploy', here());
    await chat.command('mitigate', here());
    chat.clock.advance(40 * MINUTE);
    await chat.command('resolve bad config reverted', here());

    const summary = chat.messages(chat.announce).at(-1)?.text ?? '';
    expect(summary).toContain('Resolved: incident #1 Checkout latency spike');
    expect(summary).toContain('Impact: from 14:00 UTC to 14:20 UTC (20m)');
    expect(summary).toContain('postmortem is being written');

    const file = chat.files(room).at(-1);
    expect(file?.name).toBe('postmortem-incident-1.md');
    const fm = readPostmortemFrontMatter(file?.content ?? '');
    expect(fm).toMatchObject({ incident: 1, severity: 'sev2', phase: 'resolved', durations: { time_to_acknowledge: 0, time_to_mitigate: 1200, time_to_resolve: 3600 } });
    expect(fm.updates).toEqual([{ at: '2025-03-14T14:20:00.000Z', by: chat.user('alice'), text: 'Rolled back the deploy', late: false }]);
    expect((await chat.sitroom().followUps.postmortem(1))?.markdown).toBe(file?.content);

    expect(await chat.command('postmortem', here())).toMatch(/Postmortem written \(\d+ lines\); it is being posted in the war room as a file\./);
    expect(chat.files(room)).toHaveLength(2);
  });

  it('answers stats for a window', async () => {
    await chat.command(`ic ${chat.typed('bob')}`, here());
    chat.clock.advance(10 * MINUTE);
    await chat.command('mitigate', here());
    const stats = await chat.command('stats 7d');
    expect(stats).toContain('Incident stats, last 7 days');
    expect(stats).toContain('Incidents: 1 (SEV1 0 · SEV2 1 · SEV3 0 · SEV4 0 · SEV5 0)');
    expect(stats).toContain('Time to mitigate: mean 10m, p90 10m (1)');
  });

  it('sends the weekly digest once, also when it fell due while sitroom was down, and nags overdue owners', async () => {
    await chat.command(`action add a canary stage ${chat.typed('bob')} due:2025-03-15`, here());
    await chat.command('action write the runbook', here());
    // 2025-03-14 is a Friday: the digest slot of 09:00 went by before the incident was declared at 14:00.
    await chat.sitroom().scheduler.tick();
    await chat.settled();
    const digests = () => chat.messages(chat.announce).filter((m) => m.text.includes('Weekly follow-ups'));
    expect(digests()).toHaveLength(1);
    expect(digests()[0]?.text).toContain('Weekly follow-ups: 2 action items open, 0 overdue');
    await chat.sitroom().scheduler.tick();
    await chat.settled();
    expect(digests()).toHaveLength(1);

    chat.clock.advance(7 * 24 * 60 * MINUTE);
    await chat.restart();
    expect(digests()).toHaveLength(2);
    expect(digests()[1]?.text).toContain('2 action items open, 1 overdue');
    expect(chat.dms('bob').at(-1)?.text).toContain('1 of your action items is overdue');
  });

  it('queues the digest while the chat is down: the tick does not wait for it, and it goes out once the chat is back', async () => {
    await chat.command(`action add a canary stage ${chat.typed('bob')} due:2025-03-10`, here());
    const digests = () => chat.messages(chat.announce).filter((m) => m.text.includes('Weekly follow-ups'));
    chat.faults.outage();
    await chat.sitroom().scheduler.tick();
    await chat.pass(5 * MINUTE, MINUTE);
    expect(digests()).toEqual([]);
    chat.faults.recover();
    await chat.deliverAll();
    expect(digests()).toHaveLength(1);
    expect(chat.dms('bob').filter((m) => m.text.includes('overdue'))).toHaveLength(1);
  });

  it('does not hold up the scheduler when the chat hangs as the digest falls due', async () => {
    await chat.command(`action add a canary stage ${chat.typed('bob')}`, here());
    chat.slow(60_000);
    const started = performance.now();
    await chat.sitroom().scheduler.tick();
    // The tick only claimed the slot and queued the digest: it did not wait a minute for the chat.
    expect(performance.now() - started).toBeLessThan(5_000);
    chat.slow(0);
    await chat.deliverAll();
    expect(chat.messages(chat.announce).filter((m) => m.text.includes('Weekly follow-ups'))).toHaveLength(1);
  });
});
