/**
 * E-mail as createSitroom wires it (the same as production): a sitroom on a fake Slack, its e-mail courier
 * delivering to a real SMTP server process; and without SMTP_URL, the e-mail rows are marked done unsent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SitroomUnderTest } from '../chat/scenarios/sitroom-under-test.ts';
import { FakeSlackApi } from '../fakes/slack/fake-slack-api.ts';
import { manifestBotScopes } from '../fakes/slack/manifest.ts';
import { FakeMattermostApi } from '../fakes/fake-mattermost-api.ts';
import { fakeMattermostId } from '../fakes/mattermost/ids.ts';
import type { Platform } from '../../src/incidents/incident.ts';
import { SmtpServerProcess } from './smtp-server-process.ts';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.reverse()) await done();
  cleanup = [];
});

async function start(env: Record<string, string> = {}, opts: { scopes?: readonly string[] } = {}) {
  const slack = await FakeSlackApi.start(opts.scopes ? { scopes: opts.scopes } : {});
  cleanup.push(() => slack.close());
  slack.addChannel({ id: 'CANNOUNCE', name: 'incidents' });
  const app = new SitroomUnderTest({ SLACK_BOT_TOKEN: 'xoxb-mail', SLACK_SIGNING_SECRET: 'mail-signing-secret', SLACK_ANNOUNCE_CHANNEL: 'CANNOUNCE', SLACK_API_URL: `${slack.url}/api/`, ...env });
  await app.start();
  cleanup.push(() => app.stop());
  return { app, slack };
}

async function smtpServer(): Promise<SmtpServerProcess> {
  const smtp = new SmtpServerProcess();
  await smtp.start();
  cleanup.push(() => smtp.close());
  return smtp;
}

/** Declares on `platform` with `comms` as comms lead, lets the update lapse and delivers the nag. */
async function lapse(app: SitroomUnderTest, platform: Platform, comms: string): Promise<void> {
  const { service } = app.sitroom;
  const { incident } = await service.declare({ title: 'Search is slow', severity: 'sev2', isPrivate: false, platform, declaredBy: comms });
  await service.assignRole(incident.number, 'comms', comms, comms);
  app.clock.set(((await service.get(incident.number)).nextUpdateDue ?? 0) + 60_000);
  await app.sitroom.scheduler.tick();
  await app.sitroom.deliverDue();
}

describe('e-mail in the running app', () => {
  it('mails stakeholders the declaration and updates of a Slack incident, never a private one or a drill', async () => {
    const smtp = await smtpServer();
    const { app } = await start({ SMTP_URL: smtp.url, SMTP_FROM: 'sitroom@example.com', STAKEHOLDER_EMAILS: 'ops@example.com', PUBLIC_URL: 'https://sitroom.example.com' });
    const { service } = app.sitroom;
    const declare = (title: string, more: { isPrivate?: boolean; drill?: boolean } = {}) =>
      service.declare({ title, severity: 'sev2', isPrivate: more.isPrivate ?? false, drill: more.drill ?? false, platform: 'slack', declaredBy: 'U-IC' });
    const { incident } = await declare('Search is slow');
    await service.postUpdate(incident.number, 'Cache warmed; latency falling', 'U-IC');
    const secret = (await declare('Secret breach', { isPrivate: true })).incident;
    await service.postUpdate(secret.number, 'contained', 'U-IC');
    const drill = (await declare('Practice', { drill: true })).incident;
    await service.postUpdate(drill.number, 'practising', 'U-IC');
    await app.sitroom.deliverDue();

    const mails = smtp.mails();
    expect(mails.map((m) => [m.envelopeTo, m.headers['subject']])).toEqual([
      [['ops@example.com'], `[sitroom] Incident #${incident.number}: Search is slow`],
      [['ops@example.com'], `Re: [sitroom] Incident #${incident.number}: Search is slow`],
    ]);
    expect(mails[1]?.text).toContain('Cache warmed; latency falling');
    expect(mails[1]?.text).toContain(`Incident page: https://sitroom.example.com/incidents/${incident.number}`);
  });

  it('without SMTP_URL marks the e-mail rows done unsent: no backlog', async () => {
    const { app } = await start();
    await app.sitroom.service.declare({ title: 'Search is slow', severity: 'sev2', isPrivate: false, platform: 'slack', declaredBy: 'U-IC' });
    await app.sitroom.deliverDue();
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/sitroom_outbox_pending\{lane="incident"\} 0/);
    // Nothing was sent: no e-mail delivery is counted.
    expect(metrics).not.toMatch(/platform="email"/);
  });
});

describe('the overdue e-mail finds the address on the chat profile', () => {
  it('on Slack, from users.info with users:read.email', async () => {
    const smtp = await smtpServer();
    const { app, slack } = await start({ SMTP_URL: smtp.url, WEB_USER_EMAILS: 'U0OTHER=other@example.com' });
    slack.addUser('U0COMMS', 'carol', 'carol@example.com');
    await lapse(app, 'slack', 'U0COMMS');
    expect(smtp.mails().map((m) => m.envelopeTo)).toEqual([['carol@example.com']]);
  });

  it('on Slack without users:read.email the profile has no address: nothing is mailed', async () => {
    const smtp = await smtpServer();
    const { app, slack } = await start({ SMTP_URL: smtp.url }, { scopes: manifestBotScopes().filter((s) => s !== 'users:read.email') });
    slack.addUser('U0COMMS', 'carol', 'carol@example.com');
    await lapse(app, 'slack', 'U0COMMS');
    expect(smtp.mails()).toEqual([]);
  });

  it.each([true, false])('on Mattermost, from GET /api/v4/users/{id} (ShowEmailAddress %s)', async (showEmailAddress) => {
    const smtp = await smtpServer();
    const mm = await FakeMattermostApi.start({ token: 'mm-bot-token', showEmailAddress });
    cleanup.push(() => mm.close());
    mm.addChannel({ name: 'incidents' });
    const carol = mm.addUser(fakeMattermostId('carol'), 'carol', { email: 'carol@example.com' });
    const app = new SitroomUnderTest({
      MATTERMOST_URL: mm.url,
      MATTERMOST_BOT_TOKEN: 'mm-bot-token',
      MATTERMOST_TEAM: mm.team.name,
      MATTERMOST_COMMAND_TOKEN: 'mail-command-token',
      MATTERMOST_ANNOUNCE_CHANNEL: 'incidents',
      PUBLIC_URL: 'http://127.0.0.1:9',
      SMTP_URL: smtp.url,
    });
    await app.start();
    cleanup.push(() => app.stop());
    await lapse(app, 'mattermost', carol.id);
    expect(smtp.mails().map((m) => m.envelopeTo)).toEqual(showEmailAddress ? [['carol@example.com']] : []);
  });
});

describe('the web-only desk with SMTP_URL', () => {
  it('mails stakeholders and the overdue comms lead (WEB_USER_EMAILS) of a web incident, records no chat delivery and leaves no backlog', async () => {
    const smtp = await smtpServer();
    const app = new SitroomUnderTest({ SMTP_URL: smtp.url, STAKEHOLDER_EMAILS: 'ops@example.com', WEB_USER_EMAILS: 'alice=alice@example.com' });
    await app.start();
    cleanup.push(() => app.stop());
    await lapse(app, 'web', 'alice');

    // Two recipients, two independent deliveries: their arrival order at the server is not part of the contract.
    const received = smtp.mails().map((m) => [m.envelopeTo, m.headers['subject']]);
    expect(received.sort((a, b) => String(a[1]).localeCompare(String(b[1])))).toEqual([
      [['ops@example.com'], '[sitroom] Incident #1: Search is slow'],
      [['alice@example.com'], 'Re: [sitroom] Incident #1: Search is slow'],
    ]);
    // No chat was told anything, and the timeline does not pretend one was.
    expect((await app.sitroom.service.timeline(1)).map((e) => e.kind)).not.toContain('reminder_sent');
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/sitroom_outbox_pending\{lane="incident"\} 0/);
  });
});
