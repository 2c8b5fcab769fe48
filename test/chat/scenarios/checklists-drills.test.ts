/** In the war room: checklists (posted, ticked by command and button, gating close), incident types, drills. */
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR } from '../../fakes/fixed-clock.ts';
import type { ChatDriver } from './chat-driver.ts';
import { PLATFORMS } from './platforms.ts';

const ENV = { CHECKLISTS_FILE: resolve('deploy/checklists.example.yml'), INCIDENT_TYPES: 'security,database' };

describe.each(PLATFORMS)('checklists, types and drills on %s', (_name, start) => {
  let chat: ChatDriver;
  beforeEach(async () => {
    chat = await start(ENV);
  });
  afterEach(async () => {
    await chat?.stop();
  });
  const roomOf = async (n: number) => (await chat.sitroom().service.get(n)).room?.channelId ?? '';

  it('posts the severity’s and type’s checklist with a button per item; command and button tick; close waits for required items', async () => {
    expect(await chat.command('declare sev2 --type database DB replica lag')).toContain('Declared incident #1 (SEV2 database): DB replica lag');
    const room = await roomOf(1);
    const posted = chat.messages(room).find((m) => m.text.includes('Checklist of incident #1'));
    expect(posted?.text).toContain('(0/4)');
    expect(posted?.text).toContain('3. Page the DBA on-call');
    expect(posted?.buttons).toEqual(['checklist_check', 'checklist_check', 'checklist_check', 'checklist_check']);

    expect(await chat.command('check 1', { in: room })).toContain('Ticked 1. Page the owning team');
    const items = await chat.command('checklist', { in: room });
    expect(items).toContain('(1/4)');
    const third = (await chat.sitroom().checklists.checklistOf(1))[2];
    expect(await chat.click('checklist_check', third?.id ?? 0, { in: room, as: 'bob' })).toContain('Ticked 3. Page the DBA on-call');
    expect((await chat.sitroom().checklists.checklistOf(1))[2]?.checkedBy).toBe(chat.user('bob'));
    expect(await chat.click('checklist_check', third?.id ?? 0, { in: room })).toContain('Checklist item 3 was already ticked');
    const timeline = (await chat.sitroom().service.timeline(1)).filter((e) => e.kind === 'checklist_checked');
    expect(timeline.map((e) => [e.actor, e.text])).toEqual([
      [chat.user('alice'), "Checklist 1. Page the owning team's on-call ✔"],
      [chat.user('bob'), 'Checklist 3. Page the DBA on-call ✔'],
    ]);

    for (const step of ['mitigate', 'resolve']) await chat.command(step, { in: room });
    const refused = await chat.command('close', { in: room });
    expect(refused).toContain('1 required checklist item is not ticked (4. Check replication lag and the last good backup)');
    expect(await chat.command('close --waive checked by hand', { in: room })).toContain('now closed');
  });

  it('adds the new items when severity or type changes, and refuses an unknown type by name', async () => {
    await chat.command('declare sev2 Login errors');
    const room = await roomOf(1);
    expect(await chat.command('type network', { in: room })).toContain('`network` is not an incident type here. Types: security, database.');
    expect(await chat.command('declare --type network Outage')).toContain('Types: security, database.');
    expect(await chat.sitroom().service.listOpen()).toHaveLength(1);
    await chat.command('type security', { in: room });
    const last = chat.messages(room).filter((m) => m.text.includes('Checklist of incident #1')).at(-1);
    expect(last?.text).toContain('Loop in the security on-call 🆕');
    expect(last?.text).toContain('(0/5)');
  });

  it('runs a drill: drill-N room, DRILL on every message, never announced, out of stats', async () => {
    const announced = chat.messages(chat.announce).length;
    expect(await chat.command('declare sev1 --drill Region failover practice')).toContain('Declared drill #1 (DRILL SEV1): Region failover practice');
    expect(chat.created().at(-1)?.name).toBe('drill-1-region-failover-practice');
    const room = await roomOf(1);
    await chat.command(`ic ${chat.typed('bob')}`, { in: room });
    await chat.command('update Failing over to eu-west', { in: room });
    chat.clock.advance(2 * HOUR);
    await chat.sitroom().scheduler.tick();
    await chat.settled();
    for (const m of chat.messages(room)) expect(m.text).toMatch(/^\W*🧪 DRILL · /u);
    expect(chat.topic(room)).toContain('🧪 DRILL · ');
    const dms = chat.dms('bob');
    expect(dms.length).toBeGreaterThan(0);
    for (const m of dms) expect(m.text).toContain('🧪 DRILL · ');
    expect(chat.messages(chat.announce)).toHaveLength(announced);
    expect(await chat.command('stats 7d')).toContain('Incidents: 0');
  });
});
