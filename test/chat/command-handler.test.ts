import { describe, expect, it } from 'vitest';
import { type ChatReply, type ChatRequest, ChatCommandHandler } from '../../src/chat/command-handler.ts';
import { mention, messageContext } from '../fakes/chat-context.ts';
import { roomIdOf } from '../fakes/fake-notifier.ts';
import { HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { messageText } from '../fakes/render-text.ts';
import { serviceHarness } from '../fakes/service-harness.ts';

const GENERIC = 'Something went wrong on our side; nothing was changed. The error was logged.';

function setup() {
  const h = serviceHarness();
  const unexpected: unknown[] = [];
  const handler = new ChatCommandHandler({
    service: h.service,
    context: () => messageContext({ now: h.clock.now() }),
    onUnexpectedError: (error) => unexpected.push(error),
  });
  const request = (channelId: string, userId = 'alice'): ChatRequest => ({ platform: 'slack', userId, channelId });
  /** Types `/incident <text>` in `channelId` (incident #1's war room unless told otherwise) and reads the reply. */
  const run = async (text: string, opts: { channelId?: string; userId?: string } = {}) =>
    replyText(await handler.command(request(opts.channelId ?? roomIdOf(1), opts.userId), text, mention));
  return { ...h, handler, unexpected, request, run };
}

/** A harness where alice has declared incident #1 (sev2) from #general. */
async function withIncident() {
  const h = setup();
  await h.run('declare sev2 Checkout latency spike', { channelId: 'C-GENERAL' });
  await h.openRooms();
  return h;
}

function replyText(reply: ChatReply): string {
  if (reply.kind !== 'message') throw new Error(`expected a message, got ${reply.kind}`);
  return messageText(reply.message);
}

describe('/incident declare', () => {
  it('declares and says the war room is on its way, without waiting for the chat', async () => {
    const { run, store } = setup();
    const text = await run('declare sev1 --private Payroll export leaked', { channelId: 'C-GENERAL' });
    expect(text).toBe('Declared incident #1 (SEV1): Payroll export leaked\nThe war room is being created; it will be announced when it is ready.');
    // The room is a queued step, not awaited: the reply comes before it exists.
    expect((await store.get(1))?.room).toBeNull();
    expect(store.queued[0]?.effect.kind).toBe('create_room');
    expect(await store.get(1)).toMatchObject({ severity: 'sev1', isPrivate: true, declaredBy: 'alice', platform: 'slack' });
  });

  it('uses sev3 when no severity is given', async () => {
    const { run, store } = setup();
    await run('declare DNS flapping', { channelId: 'C-GENERAL' });
    expect((await store.get(1))?.severity).toBe('sev3');
  });

  it('opens the form when there is no title', async () => {
    const { handler, request, store } = setup();
    expect(await handler.command(request('C-GENERAL'), 'declare', mention)).toEqual({ kind: 'declare_form' });
    expect(await store.listOpen()).toEqual([]);
  });

  it('declares from the form', async () => {
    const { handler, request, store } = setup();
    const reply = await handler.declareForm(request('C-GENERAL'), { title: 'Checkout down', severity: 'sev2', isPrivate: false });
    expect(replyText(reply)).toContain('Declared incident #1 (SEV2)');
    expect((await store.get(1))?.severity).toBe('sev2');
  });

  it('refuses a form without a title', async () => {
    const { handler, request } = setup();
    expect(replyText(await handler.declareForm(request('C-GENERAL'), { title: ' ', severity: 'sev2', isPrivate: false }))).toBe('That needs some text.');
  });
});

describe('/incident list, status, help', () => {
  it('lists open incidents', async () => {
    const { run } = await withIncident();
    expect(await run('list', { channelId: 'C-GENERAL' })).toContain('• #1 SEV2 Checkout latency spike');
  });

  it('counts every open incident of a phase but lists only its 25 newest', async () => {
    const { run } = setup();
    for (let n = 1; n <= 30; n++) await run(`declare Outage ${n}`, { channelId: 'C-GENERAL' });
    const text = await run('list', { channelId: 'C-GENERAL' });
    expect(text).toContain('Active (30)\n(the 25 most recent)\n• #6 SEV3 Outage 6');
    expect(text).toContain('• #30 SEV3 Outage 30');
    expect(text).not.toContain('#5 ');
  });

  it('shows the summary card in the war room', async () => {
    const { run } = await withIncident();
    expect(await run('status')).toContain('Incident #1: Checkout latency spike\nSeverity: SEV2');
  });

  it('refuses status outside a war room', async () => {
    const { run } = await withIncident();
    expect(await run('status', { channelId: 'C-GENERAL' })).toContain('This command works in an incident war room.');
  });

  it('answers help and an empty command with the command list', async () => {
    const { run } = setup();
    expect(await run('help')).toContain('/incident declare [sevN] [--private] [--type <type>] [--drill] <title>');
    expect(await run('')).toContain('/incident cadence <duration>|off');
  });
});

describe('/incident role, ic, comms', () => {
  it('assigns roles by name, alias and shortcut', async () => {
    const { run, store } = await withIncident();
    expect(await run('ic @carol')).toMatch(/^Role assigned: @carol → /);
    await run('comms', { userId: 'bob' });
    await run('role partner-comms @dave');
    expect((await store.get(1))?.roles).toEqual({ commander: 'carol', comms: 'bob', 'partner-comms': 'dave' });
  });

  it('names the known roles when the role is unknown', async () => {
    const { run } = await withIncident();
    expect(await run('role chef @carol')).toBe('`chef` is not a role here. Roles: commander, comms, scribe, tech, partner-comms, social-comms.');
  });

  it('gives the usage line for a missing mention', async () => {
    const { run } = await withIncident();
    expect(await run('role scribe carol')).toBe('`carol` is not a user mention; mention someone with @.\nUsage: /incident role <role> @user');
  });
});

describe('/incident severity, update, cadence, note', () => {
  it('changes severity, and refuses the same one', async () => {
    const { run, store } = await withIncident();
    expect(await run('severity sev1')).toBe('Severity is now SEV1.');
    expect((await store.get(1))?.severity).toBe('sev1');
    expect(await run('severity 1')).toBe('The incident is already SEV1.');
  });

  it('posts an update and resets the clock', async () => {
    const { run, store, clock } = await withIncident();
    clock.advance(20 * MINUTE);
    expect(await run('update Rolled back the deploy')).toBe('Update posted to stakeholders.');
    expect(await store.get(1)).toMatchObject({ lastUpdate: { text: 'Rolled back the deploy', by: 'alice' }, nextUpdateDue: T0 + 20 * MINUTE + HOUR });
  });

  it('refuses an update that is too long', async () => {
    const { run } = await withIncident();
    expect(await run(`update ${'x'.repeat(3001)}`)).toBe('That is too long (at most 3000 characters).');
  });

  it('sets and turns off the cadence', async () => {
    const { run, store } = await withIncident();
    expect(await run('cadence 15m')).toBe('Cadence set.');
    expect(await store.get(1)).toMatchObject({ cadence: 900, nextUpdateDue: T0 + 15 * MINUTE });
    expect(await run('cadence off')).toBe('Update reminders are off.');
    expect(await store.get(1)).toMatchObject({ cadence: null, nextUpdateDue: null });
  });

  it('gives the usage line for a bad cadence', async () => {
    const { run } = await withIncident();
    expect(await run('cadence 5s')).toBe('`5s` is not a cadence: use 90s, 15m, 1h, 1h30m (30s to 7d) or off.\nUsage: /incident cadence <duration>|off');
  });

  it('adds a note to the timeline', async () => {
    const { run, store } = await withIncident();
    expect(await run('note suspect the 14:02 deploy')).toBe('Noted on the timeline.');
    expect((await store.timeline(1)).at(-1)).toMatchObject({ kind: 'note', text: 'suspect the 14:02 deploy', actor: 'alice' });
  });

  it('refuses war-room commands elsewhere', async () => {
    const { run, store } = await withIncident();
    expect(await run('update hello', { channelId: 'C-GENERAL' })).toContain('This command works in an incident war room.');
    expect((await store.get(1))?.lastUpdate).toBeNull();
  });
});

describe('/incident mitigate, resolve, close, reopen', () => {
  it('walks the phases one step at a time', async () => {
    const { run, store } = await withIncident();
    expect(await run('mitigate traffic drained')).toBe('Incident #1 is now mitigated.');
    expect(await run('resolve')).toBe('Incident #1 is now resolved.');
    expect(await run('reopen errors are back')).toBe('Incident #1 is now active.');
    expect((await store.get(1))?.phase).toBe('active');
  });

  it('refuses resolve on an active incident, naming /incident mitigate', async () => {
    const { run } = await withIncident();
    expect(await run('resolve')).toBe(
      'Can’t go from active to resolved: phases are never skipped. Next is mitigated (impact on production reduced): `/incident mitigate`.',
    );
  });

  it('refuses close on a mitigated incident, naming /incident resolve', async () => {
    const { run } = await withIncident();
    await run('mitigate');
    expect(await run('close')).toContain('`/incident resolve`');
  });

  it('refuses everything once closed', async () => {
    const { run } = await withIncident();
    for (const step of ['mitigate', 'resolve', 'close']) await run(step);
    const closed = 'This incident is closed: only notes can still be added. Declare a new incident for a new problem.';
    expect(await run('reopen it broke again')).toBe(closed);
    expect(await run('update hello')).toBe(closed);
    expect(await run('ic @carol')).toBe(closed);
  });

  it('gives the usage line for reopen without a reason', async () => {
    const { run } = await withIncident();
    await run('mitigate');
    expect(await run('reopen')).toBe('`reopen` needs a reason.\nUsage: /incident reopen <why>');
  });
});

describe('malformed input', () => {
  it.each([
    ['list everything', 'Usage: /incident list'],
    ['severity critical', 'Usage: /incident severity sevN'],
    ['update', 'Usage: /incident update <text>'],
    ['declare sev7 Outage', 'Usage: /incident declare [sevN] [--private] [--type <type>] [--drill] <title>'],
  ])('answers %j with the usage line', async (text, usage) => {
    const { run, unexpected } = await withIncident();
    expect((await run(text)).split('\n').at(-1)).toBe(usage);
    expect(unexpected).toEqual([]);
  });

  it('points at help for an unknown subcommand', async () => {
    const { run } = setup();
    expect(await run('frobnicate')).toBe('Unknown subcommand `frobnicate`. Try `/incident help`.');
  });
});

describe('buttons', () => {
  it('"I’m IC" and "I’m comms" assign the clicker', async () => {
    const { handler, request, store } = await withIncident();
    expect(replyText(await handler.button(request(roomIdOf(1), 'carol'), 'claim_commander', 1))).toBe('You are the incident commander of #1.');
    expect(replyText(await handler.button(request(roomIdOf(1), 'dave'), 'claim_comms', 1))).toBe('You are the comms lead of #1.');
    expect((await store.get(1))?.roles).toEqual({ commander: 'carol', comms: 'dave' });
  });

  it('"Post update" opens the update form, and the form posts the update', async () => {
    const { handler, request, store } = await withIncident();
    expect(await handler.button(request('D-CAROL', 'carol'), 'post_update', 1)).toEqual({ kind: 'update_form', incident: 1 });
    expect(replyText(await handler.updateForm(request('D-CAROL', 'carol'), 1, 'All clear'))).toBe('Update posted for #1.');
    expect((await store.get(1))?.lastUpdate).toMatchObject({ text: 'All clear', by: 'carol' });
  });

  it('"Snooze 15m" pushes the due update out', async () => {
    const { handler, request, store, clock } = await withIncident();
    clock.set(T0 + HOUR);
    expect(replyText(await handler.button(request(roomIdOf(1), 'carol'), 'snooze', 1))).toBe('Update reminder for #1 snoozed for 15 minutes.');
    expect((await store.get(1))?.nextUpdateDue).toBe(T0 + HOUR + 15 * MINUTE);
  });

  it('"Snooze 15m" is refused when there is no cadence', async () => {
    const { handler, request, run } = await withIncident();
    await run('cadence off');
    expect(replyText(await handler.button(request(roomIdOf(1)), 'snooze', 1))).toBe('No update is due for this incident, so there is nothing to snooze.');
  });

  it('name an unknown incident', async () => {
    const { handler, request } = setup();
    expect(replyText(await handler.button(request('C-GENERAL'), 'post_update', 9))).toBe('There is no incident #9.');
    expect(replyText(await handler.button(request('C-GENERAL'), 'claim_commander', 9))).toBe('There is no incident #9.');
  });
});

describe('unexpected errors', () => {
  it('reach onUnexpectedError while the user gets a generic message', async () => {
    const { run, store, unexpected } = await withIncident();
    const outage = new Error('SQLITE_BUSY: database is locked');
    store.unavailable = outage;
    expect(await run('list')).toBe(GENERIC);
    expect(await run('update hello')).toBe(GENERIC);
    expect(unexpected).toEqual([outage, outage]);
  });

  it('are not reported for the user’s own mistakes', async () => {
    const { run, unexpected } = await withIncident();
    await run('resolve');
    await run('frobnicate');
    await run('status', { channelId: 'C-GENERAL' });
    expect(unexpected).toEqual([]);
  });

  it('cannot come from the chat once the change is recorded: the chat is told later, by the outbox', async () => {
    // (A chat failing that delivery is test/delivery/dispatcher.test.ts's: retried, then told to the author.)
    const { run, store, unexpected } = await withIncident();
    const before = store.queued.length;
    expect(await run('note hello')).toBe('Noted on the timeline.');
    expect(store.queued.slice(before).map((q) => q.effect.kind)).toContain('room_events');
    expect(unexpected).toEqual([]);
  });
});
