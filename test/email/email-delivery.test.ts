/**
 * Stakeholder and overdue e-mail through the outbox, delivered by the real SmtpMailer (nodemailer) to a real SMTP
 * server process (aiosmtpd, smtp_sink.py) on 127.0.0.1: what arrives, to whom, threaded how; a server that is down
 * for a while, a 451 and a 550; private incidents and drills never mailed to stakeholders.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryOutcome } from '../../src/delivery/dispatcher.ts';
import type { OutboxRow } from '../../src/delivery/outbox.ts';
import { emailDispatcher } from '../../src/email/email-dispatcher.ts';
import { SmtpMailer } from '../../src/email/smtp-mailer.ts';
import { DEFAULT_CADENCE } from '../../src/incidents/cadence.ts';
import { resolvedEffects } from '../../src/incidents/effects.ts';
import { IncidentService } from '../../src/incidents/incident-service.ts';
import type { Declaration } from '../../src/incidents/incident-rules.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteIncidentStore } from '../../src/storage/sqlite-incident-store.ts';
import { SqliteOutboxStore } from '../../src/storage/sqlite-outbox-store.ts';
import { FakeNotifier } from '../fakes/fake-notifier.ts';
import { FixedClock, HOUR, MINUTE } from '../fakes/fixed-clock.ts';
import { SmtpServerProcess } from './smtp-server-process.ts';

const STAKEHOLDERS = ['ops@example.com', 'vp@example.org'];
const TITLE = 'Checkout <b>down</b> & "cart" empty';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const done of cleanup.reverse()) await done();
  cleanup = [];
});

async function setup(opts: { stakeholders?: string[]; giveUpMs?: number } = {}) {
  const smtp = new SmtpServerProcess();
  await smtp.start();
  cleanup.push(() => smtp.close());
  const db: Db = openDatabase(':memory:');
  cleanup.push(() => void db.$client.close());
  const clock = new FixedClock();
  const store = new SqliteIncidentStore(db);
  const outbox = new SqliteOutboxStore(db);
  const service = new IncidentService({ store, clock, notifiers: { slack: new FakeNotifier() }, cadenceDefaults: DEFAULT_CADENCE, customRoles: [] });
  const mailer = new SmtpMailer({ url: smtp.url, from: 'sitroom@example.com', timeoutMs: 2_000 });
  cleanup.push(() => mailer.close());
  const outcomes: { row: OutboxRow; outcome: DeliveryOutcome; error?: string }[] = [];
  const dispatcher = emailDispatcher({
    store: outbox,
    clock,
    giveUpMs: opts.giveUpMs ?? 24 * HOUR,
    callTimeoutMs: 5_000,
    deliverer: {
      mailer,
      from: 'sitroom@example.com',
      stakeholders: opts.stakeholders ?? STAKEHOLDERS,
      incident: async (n) => store.get(n),
      addressOf: async (user) => new Map([['alice', 'alice@example.com']]).get(user),
      context: () => ({ timeZone: 'UTC', publicUrl: 'https://sitroom.example.com' }),
    },
    onOutcome: async (row, outcome, { error }) => {
      outcomes.push({ row, outcome, ...(error ? { error } : {}) });
      if (outcome === 'gave_up' && row.effect.kind.startsWith('mail_')) await service.effectSettled({ ...row, effect: row.effect as never }, false);
    },
  });
  const declare = async (d: Partial<Declaration> = {}) =>
    (await service.declare({ title: TITLE, severity: 'sev1', isPrivate: false, platform: 'slack', declaredBy: 'U-IC', ...d })).incident;
  return { smtp, clock, store, outbox, service, dispatcher, outcomes, declare };
}

describe('stakeholder e-mail', () => {
  it('mails the declaration, updates, changes and the resolve summary to STAKEHOLDER_EMAILS, threaded, user text escaped in HTML', async () => {
    const { smtp, clock, service, outbox, dispatcher, declare } = await setup();
    const incident = await declare();
    await service.postUpdate(incident.number, 'Rolled back <script>alert(1)</script> & watching', 'U-COMMS');
    await service.changeSeverity(incident.number, 'sev2', 'U-IC');
    const resolved = service.get(incident.number);
    await outbox.enqueue(resolvedEffects(await resolved, { from: clock.now(), to: clock.now() + 30 * MINUTE }, clock.now()));
    await dispatcher.drain();

    const mails = smtp.mails();
    expect(mails).toHaveLength(4);
    for (const mail of mails) {
      expect(mail.envelopeTo).toEqual(STAKEHOLDERS);
      expect(mail.mailFrom).toBe('sitroom@example.com');
      expect(mail.headers['auto-submitted']).toBe('auto-generated');
    }
    const [declared, update, change, summary] = mails as [typeof mails[number], typeof mails[number], typeof mails[number], typeof mails[number]];
    expect(declared.headers['subject']).toBe(`[sitroom] Incident #${incident.number}: ${TITLE}`);
    for (const later of [update, change, summary]) expect(later.headers['subject']).toBe(`Re: [sitroom] Incident #${incident.number}: ${TITLE}`);
    expect(declared.text).toContain(`Incident #${incident.number} declared: ${TITLE}`);
    expect(summary.text).toContain(`Resolved: incident #${incident.number}`);
    expect(change.text).toContain('SEV2');

    // One thread: every mail refers to the incident's thread id; each has its own Message-ID, from its outbox row.
    const thread = `<sitroom.incident-${incident.number}.${incident.declaredAt}@example.com>`;
    const ids = new Set<string>();
    for (const mail of mails) {
      expect(mail.headers['in-reply-to']).toBe(thread);
      expect(mail.headers['references']).toBe(thread);
      expect(mail.headers['message-id']).toMatch(/^<sitroom\.outbox-\d+\.\d+@example\.com>$/);
      ids.add(mail.headers['message-id'] ?? '');
    }
    expect(ids.size).toBe(4);

    // Plain text as typed; in the HTML part every piece of user text is escaped.
    expect(update.text).toContain('Rolled back <script>alert(1)</script> & watching');
    expect(update.html).toContain('Rolled back &lt;script&gt;alert(1)&lt;/script&gt; &amp; watching');
    expect(update.html).toContain('Checkout &lt;b&gt;down&lt;/b&gt; &amp; &quot;cart&quot; empty');
    expect(update.html).not.toContain('<script>');
    expect(update.html).not.toContain('<b>down');
  });

  it('never mails stakeholders about a private incident or a drill, nor about one made private before the mail went', async () => {
    const { smtp, service, dispatcher, declare } = await setup();
    const secret = await declare({ isPrivate: true, title: 'Secret breach' });
    await service.postUpdate(secret.number, 'contained', 'U-IC');
    const drill = await declare({ drill: true, title: 'Practice outage' });
    await service.postUpdate(drill.number, 'practising', 'U-IC');
    const later = await declare({ title: 'Soon private' });
    await service.setVisibility(later.number, true, 'U-IC');
    await dispatcher.drain();
    expect(smtp.mails()).toEqual([]);
  });
});

describe('retries and giving up', () => {
  it('keeps a mail while the server is down and delivers it once when it is back', async () => {
    const { smtp, clock, dispatcher, outcomes, declare } = await setup();
    const port = smtp.port;
    await smtp.stop();
    await declare();
    await dispatcher.drain();
    expect(outcomes.map((o) => o.outcome)).toEqual(['retried']);
    expect(outcomes[0]?.error).toMatch(/ECONNECTION|ECONNREFUSED/);

    clock.advance(10 * MINUTE);
    await dispatcher.drain();
    expect(outcomes.map((o) => o.outcome)).toEqual(['retried', 'retried']);

    await smtp.start(port);
    clock.advance(30 * MINUTE);
    await dispatcher.drain();
    clock.advance(HOUR);
    await dispatcher.drain();
    expect(outcomes.map((o) => o.outcome)).toEqual(['retried', 'retried', 'delivered']);
    expect(smtp.mails()).toHaveLength(1);
  });

  it('retries a 451 (temporary) and gives up at once on a 550 (permanent), visibly on the timeline', async () => {
    const deferred = await setup({ stakeholders: ['defer-me@example.com'] });
    await deferred.declare();
    await deferred.dispatcher.drain();
    expect(deferred.outcomes.map((o) => [o.outcome, o.error])).toEqual([['retried', expect.stringMatching(/^SMTP 451: 451 4\.7\.1 Greylisted/)]]);

    const { service, dispatcher, outcomes, declare, smtp } = await setup({ stakeholders: ['reject-me@example.com'] });
    const incident = await declare();
    await dispatcher.drain();
    expect(outcomes.map((o) => [o.outcome, o.error])).toEqual([['gave_up', expect.stringMatching(/^SMTP 550: 550 5\.1\.1 No such user here/)]]);
    expect(smtp.mails()).toEqual([]);
    const entry = (await service.timeline(incident.number)).find((e) => e.kind === 'delivery_failed');
    expect(entry?.text).toBe('Could not deliver the e-mail to stakeholders; gave up');
  });
});

describe('overdue e-mail', () => {
  it('mails the comms lead once per lapse when the update is overdue, if their address is known', async () => {
    const { smtp, clock, service, dispatcher, declare } = await setup({ stakeholders: [] });
    const incident = await declare();
    await service.assignRole(incident.number, 'comms', 'alice', 'U-IC');
    const due = (await service.get(incident.number)).nextUpdateDue ?? 0;
    clock.set(due + MINUTE);
    expect((await service.queueDueReminders()).queued).toBe(1);
    expect((await service.queueDueReminders()).queued).toBe(0);
    await dispatcher.drain();
    const mails = smtp.mails();
    expect(mails.map((m) => m.envelopeTo)).toEqual([['alice@example.com']]);
    expect(mails[0]?.headers['subject']).toBe(`Re: [sitroom] Incident #${incident.number}: ${TITLE}`);
    expect(mails[0]?.text).toContain(`The stakeholder update on incident #${incident.number} (${TITLE}) is overdue`);
    expect(mails[0]?.text).toContain('It was due 60 seconds ago');

    // The escalation a further interval later is the chat's; the mail went with the nag only.
    clock.advance(HOUR);
    await service.queueDueReminders();
    await dispatcher.drain();
    expect(smtp.mails()).toHaveLength(1);
  });

  it('mails the commander when there is no comms lead', async () => {
    const { smtp, clock, service, dispatcher, declare } = await setup({ stakeholders: [] });
    const incident = await declare();
    await service.assignRole(incident.number, 'commander', 'alice', 'U-IC');
    clock.set(((await service.get(incident.number)).nextUpdateDue ?? 0) + MINUTE);
    expect((await service.queueDueReminders()).queued).toBe(1);
    await dispatcher.drain();
    expect(smtp.mails().map((m) => m.envelopeTo)).toEqual([['alice@example.com']]);
  });

  it('sends nothing to someone with no known address', async () => {
    const { smtp, clock, service, dispatcher, declare, outcomes } = await setup({ stakeholders: [] });
    const incident = await declare();
    await service.assignRole(incident.number, 'comms', 'U-NOBODY', 'U-IC');
    clock.set(((await service.get(incident.number)).nextUpdateDue ?? 0) + MINUTE);
    await service.queueDueReminders();
    await dispatcher.drain();
    expect(smtp.mails()).toEqual([]);
    expect(outcomes.filter((o) => o.row.effect.kind === 'mail_overdue').map((o) => o.outcome)).toEqual(['delivered']);
  });
});
