/**
 * The Slack side end to end: signed requests into the real Bolt receiver, real Web API client calls into
 * a fake Slack, real SQLite. Each test starts a fresh sitroom and fake workspace.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE, SECOND } from '../../fakes/fixed-clock.ts';
import { postSigned, slashCommandBody } from '../../fakes/slack-requests.ts';
import { ANNOUNCE, SIGNING_SECRET, SlackHarness } from './slack-harness.ts';

let h: SlackHarness;
beforeEach(async () => {
  h = await SlackHarness.start();
});
afterEach(async () => {
  await h?.stop();
});

describe('declare', () => {
  it('opens, sets up and announces a war room', async () => {
    const reply = await h.command('declare sev2 Checkout latency spike');
    expect(reply).toContain('Declared incident #1 (SEV2): Checkout latency spike');

    const create = h.slack.callsTo('conversations.create')[0];
    expect(create?.args).toMatchObject({ name: 'inc-1-checkout-latency-spike', is_private: 'false' });
    const room = h.room(1);
    expect(reply).toContain(`<#${room}>`);
    expect(h.slack.membersOf(room)).toContain('UALICE');
    expect(h.slack.topicOf(room)).toBe('SEV2 · active · IC unassigned · next update 15:00 UTC');

    const [card] = h.slack.messagesIn(room);
    expect(card?.text).toContain('Incident #1: Checkout latency spike');
    expect(h.slack.pinnedIn(room)).toEqual([card?.ts]);
    const actions = JSON.stringify(card?.blocks);
    expect(actions).toContain('sitroom:claim_commander');
    expect(actions).toContain('sitroom:claim_comms');

    const [announcement] = h.texts(ANNOUNCE);
    expect(announcement).toContain('Incident #1: Checkout latency spike');
    expect(announcement).toContain(`<#${room}>`);
    expect(announcement).toContain('Next update 15:00 UTC');
  });

  it('escapes Slack control sequences in user text so nobody is pinged', async () => {
    await h.command('declare sev3 <!channel> ping <@U999> & <https://evil|click>');
    const texts = [...h.texts(h.room(1)), ...h.texts(ANNOUNCE)].join('\n');
    expect(texts).toContain('&lt;!channel&gt; ping &lt;@U999&gt; &amp; &lt;https://evil|click&gt;');
    expect(texts).not.toContain('<!channel>');
    expect(texts).not.toContain('<@U999>');
    expect(h.slack.callsTo('conversations.create')[0]?.args['name']).toBe('inc-1-channel-ping-u999-https-evil-click');
  });

  it('makes a private channel and a detail-free announcement with --private', async () => {
    await h.command('declare sev1 --private Suspicious admin logins');
    expect(h.slack.callsTo('conversations.create')[0]?.args['is_private']).toBe('true');
    const announcement = h.texts(ANNOUNCE).join('\n');
    expect(announcement).toContain('A private incident (#1) is in progress.');
    expect(announcement).not.toContain('Suspicious');
  });

  it('gives a taken channel name a deterministic suffix', async () => {
    h.slack.addChannel({ name: 'inc-1-db-down' });
    await h.command('declare sev2 DB down');
    expect(h.sitroom.service.get(1).room?.channelName).toBe('inc-1-db-down-2');
    expect(h.slack.callsTo('conversations.create').map((c) => c.args['name'])).toEqual(['inc-1-db-down', 'inc-1-db-down-2']);
  });

  it('opens the declare modal without a title, and declares from its submission', async () => {
    const open = await h.commandOpeningModal('declare');
    expect(JSON.stringify(open.args['view'])).toContain('sitroom_declare');

    const empty = await h.submit('sitroom_declare', { title: { title: { type: 'plain_text_input', value: ' ' } } });
    expect(JSON.parse(empty.body)).toMatchObject({ response_action: 'errors', errors: { title: 'Give the incident a title.' } });

    const ok = await h.submit('sitroom_declare', {
      title: { title: { type: 'plain_text_input', value: 'Payments failing' } },
      severity: { severity: { type: 'static_select', selected_option: { value: 'sev1' } } },
      private: { private: { type: 'checkboxes', selected_options: [] } },
    });
    expect(ok.status).toBe(200);
    const dm = await h.slack.waitFor('chat.postMessage', (c) => String(c.args['text']).includes('Declared incident #1 (SEV1): Payments failing'));
    expect(dm.args['channel']).toBe('DUALICE');
  });

  it('reports a war room that could not be created and retries it later, never making two', async () => {
    h.slack.failNext('conversations.create', 'restricted_action');
    const reply = await h.command('declare sev2 API down');
    expect(reply).toContain('Declared incident #1');
    expect(reply).toContain('could not be created yet');
    expect(reply).toContain('restricted_action');
    expect(h.sitroom.service.get(1).room).toBeNull();

    await h.sitroom.scheduler.tick();
    expect(h.slack.callsTo('conversations.create')).toHaveLength(1); // the claim is still fresh
    h.clock.advance(2 * MINUTE);
    await h.sitroom.scheduler.tick();
    await h.sitroom.scheduler.tick();
    expect(h.slack.callsTo('conversations.create')).toHaveLength(2);
    expect(h.sitroom.service.get(1).room?.channelName).toBe('inc-1-api-down');
  });
});

describe('in the war room', () => {
  beforeEach(async () => {
    await h.command('declare sev2 Checkout latency spike');
  });

  it('assigns roles from escaped mentions, invites them, and keeps topic and card current', async () => {
    const room = h.room(1);
    expect(await h.command('ic <@UBOB|bob>', { channel: room })).toContain('Role assigned: <@UBOB>');
    expect(h.slack.membersOf(room)).toContain('UBOB');
    expect(h.slack.topicOf(room)).toBe('SEV2 · active · IC <@UBOB> · next update 15:00 UTC');
    const card = h.slack.messagesIn(room)[0];
    expect(card?.text).toContain('IC: <@UBOB>');
    expect(JSON.stringify(card?.blocks)).not.toContain('claim_commander');

    await h.command('role scribe <@UCAROL>', { channel: room });
    expect(h.slack.messagesIn(room)[0]?.text).toContain('Scribe: <@UCAROL>');
    expect(await h.command('role chef <@UCAROL>', { channel: room })).toContain('`chef` is not a role here.');
    expect(await h.command('ic bob', { channel: room })).toContain('`bob` is not a user mention');
  });

  it('claims roles with the card buttons', async () => {
    const room = h.room(1);
    expect(await h.click('claim_comms', 1, { user: 'UDAN', channel: room })).toContain('You are the comms lead of #1.');
    expect(h.sitroom.service.get(1).roles['comms']).toBe('UDAN');
    expect(h.slack.membersOf(room)).toContain('UDAN');
  });

  it('never skips a phase and names the next step', async () => {
    const room = h.room(1);
    const refused = await h.command('resolve fixed it', { channel: room });
    expect(refused).toContain('phases are never skipped');
    expect(refused).toContain('`/incident mitigate`');
    expect(h.sitroom.service.get(1).phase).toBe('active');

    expect(await h.command('mitigate drained traffic', { channel: room })).toContain('now mitigated');
    expect(h.slack.topicOf(room)).toContain('SEV2 · mitigated');
    expect(h.texts(ANNOUNCE).join('\n')).toContain('Phase active → mitigated: drained traffic');
    expect(await h.command('close', { channel: room })).toContain('`/incident resolve`');
    await h.command('resolve', { channel: room });
    expect(await h.command('mitigate', { channel: room })).toContain('already resolved, past mitigated');
    expect(await h.command('reopen', { channel: room })).toContain('`reopen` needs a reason.');
    await h.command('reopen errors are back', { channel: room });
    expect(h.sitroom.service.get(1).phase).toBe('active');
    const kinds = h.sitroom.service.timeline(1).map((e) => `${e.kind}:${e.actor}`);
    expect(kinds).toEqual(['declared:UALICE', 'war_room_opened:sitroom', 'phase_changed:UALICE', 'phase_changed:UALICE', 'phase_changed:UALICE']);
  });

  it('broadcasts updates and changes severity, cadence and notes', async () => {
    const room = h.room(1);
    h.clock.advance(10 * MINUTE);
    expect(await h.command('update Rolled back; errors falling', { channel: room })).toContain('Update posted');
    expect(h.texts(ANNOUNCE).join('\n')).toContain('Rolled back; errors falling');
    expect(h.slack.topicOf(room)).toContain('next update 15:10 UTC');

    await h.command('severity sev1', { channel: room });
    expect(h.slack.topicOf(room)).toContain('SEV1 · active');
    expect(h.texts(ANNOUNCE).join('\n')).toContain('Severity SEV2 → SEV1');

    await h.command('cadence 15m', { channel: room });
    expect(h.slack.topicOf(room)).toContain('next update 14:25 UTC');
    expect(await h.command('cadence soon', { channel: room })).toContain('`soon` is not a cadence');

    await h.command('note suspect the 14:02 deploy', { channel: room });
    expect(h.texts(room).join('\n')).toContain('suspect the 14:02 deploy');
    const status = await h.command('status', { channel: room });
    expect(status).toContain('SEV1');
    expect(status).toContain('Rolled back; errors falling');
  });

  it('lists open incidents and helps, anywhere', async () => {
    const list = await h.command('list');
    expect(list).toContain('Active (1)');
    expect(list).toContain('#1 SEV2 Checkout latency spike');
    expect(list).toContain('next update 15:00 UTC');
    const help = await h.command('help');
    expect(help).toContain('/incident declare [sevN] [--private] &lt;title&gt;');
  });

  it('refuses war-room commands elsewhere and explains malformed input', async () => {
    expect(await h.command('mitigate')).toContain('works in an incident war room');
    expect(await h.command('frobnicate')).toContain('Unknown subcommand `frobnicate`');
    expect(await h.command('severity sev9', { channel: h.room(1) })).toContain('Usage: `/incident severity sevN`');
  });
});

describe('update cadence', () => {
  it('nags the comms lead once per lapse, escalates once, and records nags and snoozes', async () => {
    await h.command('declare sev2 Checkout latency spike');
    const room = h.room(1);
    await h.command('cadence 90s', { channel: room });
    await h.command('ic <@UBOB>', { channel: room });
    await h.command('comms <@UCAROL>', { channel: room });
    const posts = () => h.slack.callsTo('chat.postMessage').length;

    h.clock.advance(89 * SECOND);
    let before = posts();
    await h.sitroom.scheduler.tick();
    expect(posts()).toBe(before);

    h.clock.advance(5 * SECOND);
    await h.sitroom.scheduler.tick();
    const nag = h.texts(room).at(-1) ?? '';
    expect(nag).toContain('<@UCAROL>');
    expect(nag).toContain('was due at 14:01 UTC');
    expect(h.slack.callsTo('conversations.open').map((c) => c.args['users'])).toEqual(['UCAROL']);
    const dm = h.slack.messagesIn('DUCAROL')[0];
    expect(JSON.stringify(dm?.blocks)).toContain('sitroom:post_update');
    expect(JSON.stringify(dm?.blocks)).toContain('sitroom:snooze');

    before = posts();
    await h.sitroom.scheduler.tick();
    await h.sitroom.scheduler.tick();
    expect(posts()).toBe(before);

    h.clock.advance(90 * SECOND);
    await h.sitroom.scheduler.tick();
    const escalation = h.texts(room).at(-1) ?? '';
    expect(escalation).toContain('<!here>');
    expect(escalation).toContain('<@UBOB>');
    expect(escalation).toContain('still overdue');
    before = posts();
    h.clock.advance(10 * MINUTE);
    await h.sitroom.scheduler.tick();
    expect(posts()).toBe(before);

    expect(await h.click('snooze', 1, { user: 'UCAROL', channel: 'DUCAROL' })).toContain('snoozed for 15 minutes');
    h.clock.advance(15 * MINUTE);
    await h.sitroom.scheduler.tick();
    expect(h.texts(room).at(-1)).toContain('<@UCAROL>');
    const kinds = h.sitroom.service.timeline(1).map((e) => e.kind).filter((k) => k.startsWith('reminder'));
    expect(kinds).toEqual(['reminder_sent', 'reminder_escalated', 'reminder_snoozed', 'reminder_sent']);
  });

  it('falls back to the commander, then the channel, and stops at resolve', async () => {
    await h.command('declare sev1 Everything is down');
    const room = h.room(1);
    h.clock.advance(31 * MINUTE);
    await h.sitroom.scheduler.tick();
    expect(h.texts(room).at(-1)).toContain('<!here>');

    await h.command('ic <@UBOB>', { channel: room });
    await h.command('update still down', { channel: room });
    h.clock.advance(31 * MINUTE);
    await h.sitroom.scheduler.tick();
    expect(h.texts(room).at(-1)).toMatch(/^<@UBOB> ⏰/);

    await h.command('mitigate', { channel: room });
    await h.command('resolve', { channel: room });
    const before = h.slack.callsTo('chat.postMessage').length;
    h.clock.advance(5 * 60 * MINUTE);
    await h.sitroom.scheduler.tick();
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(before);
  });

  it('opens the update form from the reminder button and posts the submitted update', async () => {
    await h.command('declare sev1 Everything is down');
    const open = await h.clickOpeningModal('post_update', 1);
    expect(JSON.stringify(open.args['view'])).toContain('"private_metadata":"1"');
    const res = await h.submit('sitroom_update', { update: { update: { type: 'plain_text_input', value: 'Failover done' } } }, { privateMetadata: '1' });
    expect(res.status).toBe(200);
    await h.slack.waitFor('chat.postMessage', (c) => c.args['channel'] === ANNOUNCE && String(c.args['text']).includes('Failover done'));
    expect(h.sitroom.service.get(1).lastUpdate?.text).toBe('Failover done');
  });
});

describe('the Slack edge', () => {
  it('refuses forged and stale requests with 401 and changes nothing', async () => {
    const body = slashCommandBody({ text: 'declare sev1 forged', userId: 'UEVE', channelId: 'CGENERAL', responseUrl: h.slack.responseUrl('x') });
    expect((await postSigned(`${h.url}/slack/events`, 'wrong-secret', body)).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 10 * 60;
    expect((await postSigned(`${h.url}/slack/events`, SIGNING_SECRET, body, { timestampSeconds: stale })).status).toBe(401);
    expect(h.sitroom.service.listOpen()).toEqual([]);
  });

  it('honours Retry-After when Slack rate-limits', async () => {
    h.slack.rateLimitNext('chat.postMessage', 1);
    await h.command('declare sev2 Rate limited');
    const statuses = h.slack.callsTo('chat.postMessage').map((c) => c.status);
    expect(statuses[0]).toBe(429);
    expect(statuses.slice(1).every((s) => s === 200)).toBe(true);
    const limited = h.slack.callsTo('chat.postMessage')[0];
    const retried = h.slack.callsTo('chat.postMessage')[1];
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(h.slack.pinnedIn(h.room(1))).toHaveLength(1);
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${h.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: 'ok' });
  });
});
