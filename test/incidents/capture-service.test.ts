/**
 * Issue 12.1, the core of capturing: war rooms only, never the bot's own messages, each message once (a unique key in
 * the real SQLite store, so two replicas or two reactions cannot both add it), at the message's own time, placed in
 * time order among the entries written as they happened.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaptureService } from '../../src/incidents/capture-service.ts';
import { capturedDetails, capturedMessageEvent, type ChatMessageToCapture, inTimeOrder, webLink } from '../../src/incidents/captured-messages.ts';
import { IncidentService } from '../../src/incidents/incident-service.ts';
import { event } from '../../src/incidents/timeline.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteIncidentStore } from '../../src/storage/sqlite-incident-store.ts';
import { FixedClock, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';

const message = (overrides: Partial<ChatMessageToCapture> = {}): ChatMessageToCapture => ({
  platform: 'slack',
  channelId: 'CROOM',
  messageId: '1741960920.000100',
  author: 'UBOB',
  at: T0 + 2 * MINUTE,
  text: 'Failover done\r\nR&D <db> back\u202e',
  files: [{ name: 'graph.png', url: 'https://files.example/graph.png' }],
  permalink: 'https://example.slack.com/archives/CROOM/p1741960920000100',
  byBot: false,
  ...overrides,
});

describe('capturedMessageEvent', () => {
  it('is the message at its own time by its author, text normalised as typed, marked captured', () => {
    const e = capturedMessageEvent(message(), 'UALICE', T0 + 10 * MINUTE);
    expect(e).toMatchObject({ kind: 'message_captured', at: T0 + 2 * MINUTE, actor: 'UBOB', text: 'Failover done\nR&D <db> back' });
    expect(capturedDetails(e)).toEqual({ by: 'UALICE', permalink: message().permalink, files: [{ name: 'graph.png', url: 'https://files.example/graph.png' }] });
  });

  it('keeps only http(s) links', () => {
    const e = capturedMessageEvent(message({ permalink: 'javascript:alert(1)', files: [{ name: 'x', url: 'data:text/html,hi' }, { name: 'y', url: 'https://ok.example/y' }] }), 'UALICE', T0);
    expect(capturedDetails(e)).toMatchObject({ permalink: null, files: [{ name: 'y', url: 'https://ok.example/y' }] });
    expect(['https://a.example/x', 'http://a.example', 'https://a.example/<x>', 'ftp://a', 'https://a b', ''].map(webLink)).toEqual(['https://a.example/x', 'http://a.example', null, null, null, null]);
  });
});

describe('inTimeOrder', () => {
  it('merges captured messages by their own time; written entries keep their order', () => {
    const declared = event('declared', T0, 'alice', 'declared');
    const note = event('note', T0 + 5 * MINUTE, 'alice', 'note');
    const sameMs = event('role_assigned', T0 + 5 * MINUTE, 'alice', 'role');
    const late = capturedMessageEvent(message({ at: T0 + 9 * MINUTE }), 'alice', T0);
    const early = capturedMessageEvent(message({ at: T0 + 2 * MINUTE }), 'alice', T0);
    const tie = capturedMessageEvent(message({ at: T0 + 5 * MINUTE, text: 'tie' }), 'alice', T0);
    const order = inTimeOrder([declared, late, note, early, tie, sameMs]).map((e) => (e.kind === 'message_captured' ? `captured@${(e.at - T0) / MINUTE}` : e.kind));
    expect(order).toEqual(['declared', 'captured@2', 'note', 'role_assigned', 'captured@5', 'captured@9']);
  });
});

describe('CaptureService on the SQLite store', () => {
  let db: Db;
  let store: SqliteIncidentStore;
  let captures: CaptureService;
  const clock = new FixedClock(T0 + 10 * MINUTE);
  let reads = 0;
  const read = (m: ChatMessageToCapture | undefined) => () => {
    reads += 1;
    return Promise.resolve(m);
  };

  beforeEach(async () => {
    db = openDatabase(':memory:');
    store = new SqliteIncidentStore(db);
    const incidents = new IncidentService({ store, clock, notifiers: {}, cadenceDefaults: { sev1: null, sev2: null, sev3: null, sev4: null, sev5: null } as never, customRoles: [] });
    captures = new CaptureService({ incidents, store, clock });
    await store.create(anIncident({ number: 0, platform: 'slack', declaredAt: T0, room: { channelId: 'CROOM', channelName: 'inc-1', cardMessageId: null } }), [event('declared', T0, 'alice', 'declared')]);
    reads = 0;
  });
  afterEach(() => db.$client.close());

  it('adds a war-room message once, however often it is captured', async () => {
    const req = { platform: 'slack' as const, channelId: 'CROOM', capturedBy: 'UALICE', read: read(message()) };
    expect((await captures.capture(req)).kind).toBe('captured');
    expect((await captures.capture({ ...req, capturedBy: 'UCAROL' })).kind).toBe('already_captured');
    const timeline = store.timeline(1);
    expect((await timeline).map((e) => e.kind)).toEqual(['declared', 'message_captured']);
    expect((await timeline)[1]).toMatchObject({ at: T0 + 2 * MINUTE, actor: 'UBOB', data: { capturedBy: 'UALICE', capturedAt: T0 + 10 * MINUTE } });
  });

  it('does not read a message outside a war room, and ignores the bot’s own or a vanished one', async () => {
    expect((await captures.capture({ platform: 'slack', channelId: 'CGENERAL', capturedBy: 'UALICE', read: read(message({ channelId: 'CGENERAL' })) })).kind).toBe('not_in_war_room');
    expect(reads).toBe(0);
    expect((await captures.capture({ platform: 'mattermost', channelId: 'CROOM', capturedBy: 'UALICE', read: read(message()) })).kind).toBe('not_in_war_room');
    expect((await captures.capture({ platform: 'slack', channelId: 'CROOM', capturedBy: 'UALICE', read: read(message({ byBot: true })) })).kind).toBe('ignored');
    expect((await captures.capture({ platform: 'slack', channelId: 'CROOM', capturedBy: 'UALICE', read: read(undefined) })).kind).toBe('ignored');
    expect((await store.timeline(1)).map((e) => e.kind)).toEqual(['declared']);
  });

  it('the key is unique in the database itself (a second store on the same file cannot add it again)', async () => {
    const entry = capturedMessageEvent(message(), 'UALICE', T0);
    expect(await store.addCapturedMessage(1, entry, 'slack:CROOM:1')).toBe(true);
    expect(await new SqliteIncidentStore(db).addCapturedMessage(1, entry, 'slack:CROOM:1')).toBe(false);
    expect(await store.addCapturedMessage(1, entry, 'slack:CROOM:2')).toBe(true);
    expect((await store.timeline(1)).filter((e) => e.kind === 'message_captured')).toHaveLength(2);
  });
});
