import { describe, expect, it } from 'vitest';
import type { AlertGroup } from '../../src/alerts/alert-group.ts';
import { DEFAULT_SEVERITY_MAP, viewGroup } from '../../src/alerts/alert-rules.ts';
import { ChatAlertNotifier } from '../../src/chat/chat-alert-notifier.ts';
import type { Incident } from '../../src/incidents/incident.ts';
import { CAPTURE_NOW, firingGroup, fixturePayload, groupAlertsOf } from '../fakes/alert-fixtures.ts';
import { messageContext } from '../fakes/chat-context.ts';
import { FakeChatPlatform } from '../fakes/fake-chat-platform.ts';
import { anIncident } from '../fakes/incident-builder.ts';
import { messageText } from '../fakes/render-text.ts';

const ROOM = { channelId: 'C-ROOM-4', channelName: 'inc-4-checkout', cardMessageId: 'M-SUMMARY' };

function setup(opts: { silences?: boolean } = {}) {
  const chat = new FakeChatPlatform({ alertsChannel: 'C-ALERTS' });
  const notifier = new ChatAlertNotifier({
    platform: chat,
    context: () => messageContext({ now: CAPTURE_NOW }),
    silences: opts.silences ?? true,
    warRoomOf: (number) => Promise.resolve(number === 4 ? ROOM.channelId : undefined),
  });
  return { chat, notifier };
}

const view = (overrides: Partial<AlertGroup> = {}) =>
  viewGroup(firingGroup(overrides), groupAlertsOf(fixturePayload('alertmanager-group-2-firing')), DEFAULT_SEVERITY_MAP);
const withRoom = (overrides: Partial<Incident> = {}) => anIncident({ number: 4, room: ROOM, ...overrides });

describe('showCard', () => {
  it('posts the card to the alerts channel the first time and says where it is', async () => {
    const { chat, notifier } = setup();
    const ref = await notifier.showCard(view(), null);
    expect(ref).toEqual({ channel: 'C-ALERTS', messageId: 'M1' });
    const [post] = chat.callsTo('post');
    expect(post?.channel).toBe('C-ALERTS');
    expect(messageText(post!.message)).toMatch(/^🔥 FIRING \(2\) HighErrorRate/);
  });

  it('updates the card in place after that', async () => {
    const { chat, notifier } = setup();
    const ref = await notifier.showCard(view(), null);
    const again = await notifier.showCard(view({ acknowledged: { by: 'U-ALICE', at: CAPTURE_NOW } }), ref);
    expect(again).toEqual(ref);
    expect(chat.callsTo('post')).toHaveLength(1);
    const [update] = chat.callsTo('update');
    expect(update).toMatchObject({ channel: 'C-ALERTS', messageId: 'M1' });
    expect(messageText(update!.message)).toContain('Acknowledged by @U-ALICE');
  });

  it('says where the card is now when the platform had to post it anew (Mattermost PostEditTimeLimit), so that id is saved', async () => {
    const { chat, notifier } = setup();
    const ref = await notifier.showCard(view(), null);
    chat.repostOnUpdate = true;
    const moved = await notifier.showCard(view({ acknowledged: { by: 'U-ALICE', at: CAPTURE_NOW } }), ref);
    expect(moved).toEqual({ channel: 'C-ALERTS', messageId: 'M2' });
  });

  it('shows the linked incident’s war room', async () => {
    const { chat, notifier } = setup();
    await notifier.showCard(view({ incidentNumber: 4 }), null);
    expect(messageText(chat.callsTo('post')[0]!.message)).toContain('🔗 Linked to incident #4 · #C-ROOM-4');
  });

  it('offers Silence buttons only when silences are configured', async () => {
    const withSilences = setup();
    const without = setup({ silences: false });
    await withSilences.notifier.showCard(view(), null);
    await without.notifier.showCard(view(), null);
    const ids = (chat: FakeChatPlatform) => chat.callsTo('post')[0]?.message.buttons?.map((b) => b.id);
    expect(ids(withSilences.chat)).toContain('alert_silence_1h');
    expect(ids(without.chat)).not.toContain('alert_silence_1h');
  });

  it('fails when the chat fails, so the card is retried', async () => {
    const { chat, notifier } = setup();
    chat.failOn('post', new Error('rate_limited'));
    await expect(notifier.showCard(view(), null)).rejects.toThrow('rate_limited');
  });
});

describe('war-room notes', () => {
  it('marks every war-room note of a drill DRILL', async () => {
    const { chat, notifier } = setup();
    const drill = withRoom({ drill: true });
    await notifier.groupLinked(drill, view());
    await notifier.alertsResolved(drill, view());
    const texts = chat.postsTo(ROOM.channelId).map((m) => messageText(m));
    expect(texts).toHaveLength(2);
    for (const text of texts) expect(text.startsWith('🧪 DRILL · ')).toBe(true);
  });

  it('groupLinked posts to the incident’s war room', async () => {
    const { chat, notifier } = setup();
    await notifier.groupLinked(withRoom(), view());
    expect(chat.postsTo(ROOM.channelId).map((m) => messageText(m).split('\n')[0])).toEqual(['🔗 Alerts linked: HighErrorRate']);
  });

  it('alertsFiring posts the new alerts to the war room', async () => {
    const { chat, notifier } = setup();
    const [web1] = groupAlertsOf(fixturePayload('alertmanager-group-2-firing'));
    await notifier.alertsFiring(withRoom(), view(), [web1!]);
    expect(messageText(chat.postsTo(ROOM.channelId)[0]!)).toContain('1 new alert firing');
  });

  it('alertsResolved offers Mitigate while the incident is active, and not after', async () => {
    const { chat, notifier } = setup();
    await notifier.alertsResolved(withRoom(), view());
    await notifier.alertsResolved(withRoom({ phase: 'mitigated' }), view());
    expect(chat.postsTo(ROOM.channelId).map((m) => m.buttons?.map((b) => b.id))).toEqual([['mitigate'], []]);
  });

  it('says nothing for an incident without a war room', async () => {
    const { chat, notifier } = setup();
    await notifier.groupLinked(anIncident({ room: null }), view());
    await notifier.alertsResolved(anIncident({ room: null }), view());
    expect(chat.calls).toEqual([]);
  });
});
