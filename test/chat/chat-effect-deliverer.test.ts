/** What each queued effect says where: rows prepared and sent one by one, in queue order, as the dispatcher does. */
import { describe, expect, it } from 'vitest';
import { ChatEffectDeliverer } from '../../src/chat/chat-effect-deliverer.ts';
import { ChatNotifier } from '../../src/chat/chat-notifier.ts';
import type { OutboxRow } from '../../src/delivery/outbox.ts';
import { changedEffects, checklistEffects, declaredEffects, type QueuedEffect, reminderEffects, resolvedEffects } from '../../src/incidents/effects.ts';
import type { Incident } from '../../src/incidents/incident.ts';
import { assignRole, postUpdate, transition } from '../../src/incidents/incident-rules.ts';
import type { ChecklistItem } from '../../src/incidents/checklists.ts';
import { messageContext } from '../fakes/chat-context.ts';
import { ANNOUNCE_CHANNEL, FakeChatPlatform } from '../fakes/fake-chat-platform.ts';
import { HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';
import { lineText, messageText } from '../fakes/render-text.ts';

function setup(incident: Incident, opts: ConstructorParameters<typeof FakeChatPlatform>[0] = {}, checklist: readonly ChecklistItem[] = []) {
  const chat = new FakeChatPlatform(opts);
  let current = incident;
  const deliverer = new ChatEffectDeliverer({
    platform: chat,
    notifier: new ChatNotifier({ platform: chat, context: () => messageContext() }),
    context: () => messageContext(),
    incident: () => Promise.resolve(current),
    roomCreated: async (_n, room) => {
      current = { ...current, room };
    },
    cardPosted: async (_n, id) => {
      current = current.room ? { ...current, room: { ...current.room, cardMessageId: id } } : current;
    },
    checklist: () => Promise.resolve(checklist),
  });
  let ids = 0;
  /** Prepares and sends each effect in order; returns what prepare said for each. */
  const deliver = async (effects: readonly QueuedEffect[]) => {
    const said: string[] = [];
    for (const e of effects) {
      const row: OutboxRow = { ...e, id: (ids += 1), version: 0, state: 'pending', attempts: 0, createdAt: T0, nextAttemptAt: T0, lastError: null, messageId: null };
      const call = await deliverer.prepare(row);
      said.push(typeof call === 'string' ? call : call.call);
      if (typeof call !== 'string') await call.send();
    }
    return said;
  };
  return { chat, deliver, current: () => current, update: (i: Incident) => (current = i) };
}

describe('a declaration, step by step', () => {
  it('creates the room, invites, sets the topic, posts and pins the card, then announces with the room linked', async () => {
    const h = setup(anIncident({ number: 7 }));
    // The stakeholder e-mail row is the e-mail courier's (test/email), never claimed by a chat.
    const chatRows = declaredEffects(h.current(), T0).filter((e) => e.platform !== 'email');
    expect(await h.deliver(chatRows)).toEqual(['createChannel', 'invite', 'setTopic', 'post', 'post']);
    const room = h.current().room;
    expect(room).toMatchObject({ channelName: 'inc-7-checkout-latency-spike' });
    expect(h.chat.calls.map((c) => c.method)).toEqual(['createChannel', 'invite', 'setTopic', 'post', 'pin', 'post']);
    expect(lineText(h.chat.callsTo('setTopic')[0]?.topic ?? [])).toBe('SEV2 · active · IC unassigned · next update 15:00 UTC');
    expect(h.chat.callsTo('pin')).toEqual([{ method: 'pin', channel: room?.channelId, messageId: room?.cardMessageId }]);
    expect(h.chat.postsTo(ANNOUNCE_CHANNEL).map(messageText)).toEqual([expect.stringContaining(`war room #${room?.channelId ?? ''}`)]);
  });

  it('skips creating the room when it exists already (a restart after the channel was made)', async () => {
    const h = setup(anIncident({ room: { channelId: 'C-ROOM', channelName: 'inc-1', cardMessageId: null } }));
    expect((await h.deliver(declaredEffects(h.current(), T0)))[0]).toBe('skip');
    expect(h.chat.callsTo('createChannel')).toEqual([]);
  });

  it('announces a private incident without its title, and nothing without an announcement channel', async () => {
    const secret = setup(anIncident({ isPrivate: true, title: 'Payroll export leaked' }));
    await secret.deliver(declaredEffects(secret.current(), T0));
    expect(secret.chat.postsTo(ANNOUNCE_CHANNEL).map(messageText)).toEqual(['A private incident (#1) is in progress.']);
    const quiet = setup(anIncident(), { announceChannel: '' });
    expect((await quiet.deliver(declaredEffects(quiet.current(), T0))).at(-1)).toBe('skip');
  });
});

describe('a change', () => {
  it('invites the new role holder, tells the room, refreshes topic and card; the topic only when it changed', async () => {
    const h = setup(anIncident());
    await h.deliver(declaredEffects(h.current(), T0));
    const before = h.chat.calls.length;
    const note = { kind: 'note' as const, at: T0, actor: 'carol', text: 'one', data: {} };
    await h.deliver(changedEffects(h.current(), [note], T0));
    expect(h.chat.calls.slice(before).map((c) => c.method)).toEqual(['post', 'update']);

    const { incident, events } = assignRole(h.current(), 'commander', 'carol', 'alice', T0);
    h.update(incident);
    const mark = h.chat.calls.length;
    await h.deliver(changedEffects(incident, events, T0));
    expect(h.chat.calls.slice(mark).map((c) => c.method)).toEqual(['invite', 'post', 'setTopic', 'update']);
  });
});

describe('a card the platform had to post anew', () => {
  it('saves the new post id, so the next update (after a restart too) edits the new post (issue 10.3)', async () => {
    const h = setup(anIncident());
    await h.deliver(declaredEffects(h.current(), T0));
    const first = h.current().room?.cardMessageId;
    h.chat.repostOnUpdate = true;
    const note = { kind: 'note' as const, at: T0, actor: 'carol', text: 'one', data: {} };
    await h.deliver(changedEffects(h.current(), [note], T0));
    const second = h.current().room?.cardMessageId;
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    h.chat.repostOnUpdate = false;
    await h.deliver(changedEffects(h.current(), [{ ...note, text: 'two' }], T0));
    expect(h.chat.callsTo('update').map((c) => c.messageId)).toEqual([first, second]);
  });
});

describe('a checklist', () => {
  const item = (id: number, position: number, text: string): ChecklistItem => ({
    id,
    incidentNumber: 1,
    position,
    text,
    required: true,
    source: 'sev2',
    checkedAt: null,
    checkedBy: null,
  });

  it('waits for the war room, then posts every item with a Tick button, the added ones marked new', async () => {
    const h = setup(anIncident(), {}, [item(11, 1, 'Page the database on-call'), item(12, 2, 'Freeze deploys')]);
    const effects = [...declaredEffects(h.current(), T0), ...checklistEffects(h.current(), [12], T0)];
    // Queued behind the room's creation in the incident's queue: prepared before the room exists, it waits.
    expect(await h.deliver(checklistEffects(h.current(), [12], T0))).toEqual(['wait']);
    expect((await h.deliver(effects)).at(-1)).toBe('post');
    const posted = h.chat.postsTo(h.current().room?.channelId ?? '').at(-1);
    expect(messageText(posted ?? { lines: [] })).toMatch(/Checklist of incident #1 \(0\/2\)[\s\S]*1\. Page the database on-call[\s\S]*2\. Freeze deploys 🆕/);
    expect(posted?.buttons?.map((b) => [b.id, b.value])).toEqual([
      ['checklist_check', 11],
      ['checklist_check', 12],
    ]);
  });
});

describe('a drill', () => {
  it('says DRILL on every message, direct ones and the topic too, and is never announced', async () => {
    const h = setup(anIncident({ drill: true }), {}, [item2()]);
    await h.deliver(declaredEffects(h.current(), T0));
    const updated = postUpdate(h.current(), 'Practising the rollback', 'alice', T0 + MINUTE);
    h.update({ ...updated.incident, room: h.current().room });
    await h.deliver([...changedEffects(h.current(), updated.events, T0), ...checklistEffects(h.current(), [1], T0)]);
    const mitigated = transition(h.current(), 'mitigate', '', 'alice', T0 + HOUR);
    const resolved = transition(mitigated.incident, 'resolve', '', 'alice', T0 + HOUR);
    h.update({ ...resolved.incident, room: h.current().room });
    await h.deliver([...changedEffects(h.current(), resolved.events, T0), ...resolvedEffects(h.current(), { from: T0, to: T0 + HOUR }, T0)]);
    await h.deliver(reminderEffects(h.current(), { stage: 'nag', dueAt: T0, people: ['alice'], alertChannel: false, overdueSeconds: 60 }, T0));

    expect(h.chat.postsTo(ANNOUNCE_CHANNEL)).toEqual([]);
    const texts = [...h.chat.callsTo('post'), ...h.chat.callsTo('sendDirect'), ...h.chat.callsTo('update')].map((c) => messageText(c.message));
    expect(texts.length).toBeGreaterThanOrEqual(6);
    for (const text of texts) expect(text.startsWith('🧪 DRILL · ')).toBe(true);
    expect(h.chat.callsTo('setTopic').length).toBeGreaterThan(0);
    for (const c of h.chat.callsTo('setTopic')) expect(lineText(c.topic)).toMatch(/^🧪 DRILL · /);
  });

  it('leaves a real incident unmarked and announced', async () => {
    const h = setup(anIncident());
    await h.deliver(declaredEffects(h.current(), T0));
    expect(h.chat.postsTo(ANNOUNCE_CHANNEL)).toHaveLength(1);
    expect(h.chat.callsTo('post').some((c) => messageText(c.message).includes('DRILL'))).toBe(false);
  });
});

function item2(): ChecklistItem {
  return { id: 1, incidentNumber: 1, position: 1, text: 'Say it is a drill', required: true, source: 'sev2', checkedAt: null, checkedBy: null };
}
