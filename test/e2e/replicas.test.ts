/**
 * Two real sitroom processes (src/main.ts) on one database, as behind a load balancer (issue 13): exactly one nag per
 * lapse while both tick, an alert group's Declare clicked on both at once declares one incident, a form served by one
 * is accepted by the other, /metrics exports the database gauges from one of them only, and a kill -9 of one during a
 * webhook storm split across both loses no delivery that was answered 2xx. Run on SQLite (two processes on one file)
 * and on PostgreSQL (a fresh database on the test run's cluster, test/pg-global-setup.ts). Slack is the fake Web API;
 * requests are signed as Slack signs them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rawAlert, rawPayload } from '../fakes/alert-fixtures.ts';
import { FakeSlackApi, type RecordedCall } from '../fakes/fake-slack-api.ts';
import { blockActionBody, postSigned, slashCommandBody } from '../fakes/slack-requests.ts';
import { pgDatabaseUrl, withPgClient } from '../support/pg-client.ts';
import { signIn, WebClient } from '../web/web-client.ts';
import { BotProcess } from './bot-process.ts';
import { slackCommand } from './slack-command.ts';

const SECRET = 'replicas-e2e-signing-secret';
const WEB_TOKEN = 'replicas-e2e-web-token-0123456789';
const AM_TOKEN = 'replicas-e2e-alertmanager-token';
const ALERTS = 'CALERTS';
const TICK_MS = 1000;

/** The database both replicas share: how to point a process at it, and raw queries for what no API shows. */
interface SharedDatabase {
  env: Record<string, string>;
  /** Rows of `sql` (no parameters: the tests only inline their own numbers). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

function sqliteDatabase(): Promise<SharedDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'sitroom-replicas-e2e-'));
  const path = join(dir, 'sitroom.db');
  return Promise.resolve({
    env: { DATABASE_PATH: path },
    rows(sql) {
      const db = new Database(path);
      try {
        const statement = db.prepare(sql);
        return Promise.resolve(statement.reader ? (statement.all() as Record<string, unknown>[]) : (statement.run(), []));
      } finally {
        db.close();
      }
    },
    drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  });
}

/** A new, empty database on the run's PostgreSQL; the replicas migrate it when they start (under their lock). */
async function postgresDatabase(): Promise<SharedDatabase> {
  const name = `sitroom_e2e_replicas_${process.pid}_${Date.now()}`;
  const admin = inject('pgAdminUrl');
  await withPgClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = pgDatabaseUrl(name);
  return {
    env: { DATABASE_URL: url },
    rows: (sql) => withPgClient(url, async (c) => (await c.query<Record<string, unknown>>(sql)).rows),
    drop: () => withPgClient(admin, async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}

const ENGINES = [
  ['SQLite', sqliteDatabase],
  ['PostgreSQL', postgresDatabase],
] as const;

describe.each(ENGINES)('two replicas on %s', (_engine, openDatabase) => {
  let slack: FakeSlackApi;
  let db: SharedDatabase;
  let a: BotProcess;
  let b: BotProcess;
  let room = '';
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    slack = await FakeSlackApi.start();
    cleanup.push(() => slack.close());
    slack.addChannel({ id: 'CANNOUNCE', name: 'incidents' });
    slack.addChannel({ id: ALERTS, name: 'alerts' });
    db = await openDatabase();
    cleanup.push(() => db.drop());
    const env = {
      ...db.env,
      SLACK_BOT_TOKEN: 'xoxb-replicas',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_ANNOUNCE_CHANNEL: 'CANNOUNCE',
      SLACK_ALERTS_CHANNEL: ALERTS,
      SLACK_API_URL: `${slack.url}/api/`,
      ALERTMANAGER_WEBHOOK_TOKEN: AM_TOKEN,
      WEB_AUTH_TOKEN: WEB_TOKEN,
      // Both replicas tick every second, at the same second (node-cron): they race for every lapse.
      SCHEDULER_TICK_SECONDS: String(TICK_MS / 1000),
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    };
    // Started together, as a deployment does: on PostgreSQL they also race to migrate the empty database.
    const started = await Promise.allSettled([BotProcess.start(env), BotProcess.start(env)]);
    for (const s of started) if (s.status === 'fulfilled') cleanup.push(() => s.value.stop('SIGKILL'));
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    [a, b] = started.map((s) => (s as PromiseFulfilledResult<BotProcess>).value) as [BotProcess, BotProcess];
  });

  afterAll(async () => {
    for (const done of cleanup.reverse()) await done();
  });

  function command(bot: BotProcess, text: string, channel: string, id: string): Promise<string> {
    return slackCommand(slack, { url: bot.url, secret: SECRET }, text, channel, id);
  }

  const nagsIn = (channel: string) => slack.messagesIn(channel).filter((m) => (m.text ?? '').includes('⏰'));
  const count = async (sql: string) => Number((await db.rows(sql))[0]?.['n']);

  /** The update of incident 1 fell due a minute ago (a lapse of its own: a due time no earlier lapse had). */
  async function lapse(): Promise<void> {
    const past = Date.now() - 60_000;
    await db.rows(`UPDATE incidents SET next_update_due = ${past}, reminder_at = ${past}, reminder_stage = 'nag' WHERE number = 1`);
  }

  it('send exactly one nag per lapse while both tick', async () => {
    expect(await command(a, 'declare sev2 Checkout latency spike', 'CGENERAL', 'declare')).toContain('Declared incident #1');
    await slack.waitFor('chat.postMessage', (c) => c.args['channel'] === 'CANNOUNCE', 10_000);
    room = slack.channelNamed('inc-1-checkout-latency-spike')?.id ?? '';
    expect(await command(b, 'comms <@UCAROL>', room, 'comms')).toContain('UCAROL');
    for (let n = 1; n <= 2; n += 1) {
      await lapse();
      await slack.waitFor('chat.postMessage', () => nagsIn('DUCAROL').length === n && nagsIn(room).length === n, 10_000);
      expect(nagsIn(room)).toHaveLength(n);
      expect(nagsIn('DUCAROL')).toHaveLength(n);
    }
    // A second nag for either lapse would come from the other replica's next tick: both tick twice more, and none does.
    // (Real processes have no clock to move: this one check watches two ticks of wall-clock time.)
    expect(await staysFor(2 * TICK_MS + 500, () => nagsIn(room).length === 2 && nagsIn('DUCAROL').length === 2)).toBe(true);
    // The last test looks once more, after both replicas have kept ticking through the others.
  });

  it('declare one incident when an alert group’s Declare is clicked on both at once', async () => {
    const delivery = rawPayload([rawAlert(1), rawAlert(2)]);
    const res = await fetch(`${a.url}/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${AM_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(delivery) });
    expect(res.status).toBe(200);
    const group = Number(((await res.json()) as { group: number }).group);
    const card = await slack.waitFor('chat.postMessage', (c) => c.args['channel'] === ALERTS, 10_000);
    const declare = buttons(card).find((e) => e.action_id === 'sitroom:alert_declare');
    expect(declare).toBeDefined();
    const before = await count('SELECT COUNT(*) AS n FROM incidents');

    const click = (bot: BotProcess, id: string) =>
      postSigned(`${bot.url}/slack/events`, SECRET, blockActionBody({ actionId: 'sitroom:alert_declare', value: declare?.value ?? '', userId: 'UALICE', channelId: ALERTS, responseUrl: slack.responseUrl(id) }));
    const answers = await Promise.all([click(a, 'declare-a'), click(b, 'declare-b')]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    const replies = await Promise.all(['declare-a', 'declare-b'].map(async (id) => ((await slack.waitForResponse(id, 10_000)) as { text: string }).text));
    expect(replies.filter((r) => r.includes('Declared incident'))).toHaveLength(1);

    expect(await count('SELECT COUNT(*) AS n FROM incidents')).toBe(before + 1);
    expect(await count(`SELECT incident_number AS n FROM alert_groups WHERE id = ${group}`)).toBe(before + 1);
  });

  it('accept a form served by one replica and posted to the other', async () => {
    const cookie = await signIn(a, WEB_TOKEN);
    const token = await new WebClient(a, { cookie }).csrf();
    const posted = await new WebClient(b, { cookie }).post('/incidents', { csrf: token, title: 'Replica lag', severity: 'sev3' });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toMatch(/^\/incidents\/\d+$/);
    // A token made up by nobody is still refused.
    expect((await new WebClient(b, { cookie }).post('/incidents', { csrf: 'forged', title: 'Replica lag', severity: 'sev3' })).status).toBe(403);
  });

  it('refuse a signed Slack request replayed to the other replica (issue 9: the replay memory is shared)', async () => {
    // A captured `/incident help`, harmless to run twice if the replay got through: only the status tells.
    const body = slashCommandBody({ text: 'help', userId: 'UALICE', channelId: 'CANNOUNCE', responseUrl: slack.responseUrl('replay') });
    const timestampSeconds = Math.floor(Date.now() / 1000);
    expect((await postSigned(`${a.url}/slack/events`, SECRET, body, { timestampSeconds })).status).toBe(200);
    const replayed = await postSigned(`${b.url}/slack/events`, SECRET, body, { timestampSeconds });
    expect(replayed.status).toBe(401);
    expect(replayed.body).toContain('already received');
  });

  it('export the gauges read from the database from exactly one of them, their own counters from both', async () => {
    const scrapes = await Promise.all([a, b].map(async (bot) => (await fetch(`${bot.url}/metrics`)).text()));
    const exporting = scrapes.map((body) => /^sitroom_database_gauges_exported 1$/m.test(body));
    expect(exporting.filter(Boolean)).toHaveLength(1);
    for (const [i, body] of scrapes.entries()) {
      expect(/^# TYPE sitroom_open_incidents gauge$/m.test(body), `replica ${i}`).toBe(exporting[i]);
      expect(body).toContain('# TYPE sitroom_alertmanager_deliveries_total counter');
    }
    // The exporter's open incidents: the three declared above, counted once over both replicas.
    const open = [...(scrapes[exporting.indexOf(true)] ?? '').matchAll(/^sitroom_open_incidents\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(open).toBe(await count('SELECT COUNT(*) AS n FROM incidents WHERE closed_at IS NULL'));
  });

  it('store every webhook delivery answered 2xx when one replica is killed -9 in the middle of a storm', async () => {
    const DELIVERIES = 60;
    const answered: { key: string; to: 'a' | 'b'; status: number }[] = [];
    let killed: Promise<unknown> | undefined;
    const deliver = async (n: number) => {
      const to = n % 2 === 0 ? 'a' : 'b';
      const key = `{}:{alertname="Storm${n}"}`;
      const body = rawPayload([rawAlert(n, { labels: { alertname: `Storm${n}`, instance: `web-${n}:9100`, severity: 'warning' } })], { groupKey: key, groupLabels: { alertname: `Storm${n}` } });
      let status = 0;
      try {
        const res = await fetch(`${(to === 'a' ? a : b).url}/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${AM_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        await res.text();
        status = res.status;
      } catch {
        // The connection to the killed replica was refused or cut: no answer, Alertmanager would retry.
      }
      answered.push({ key, to, status });
      // A third of the way in, with deliveries to b in flight, b dies without a chance to finish anything.
      if (answered.filter((r) => r.to === 'b' && r.status === 200).length === DELIVERIES / 6) killed ??= b.stop('SIGKILL');
    };
    // Eight deliveries in flight at a time, alternating between the replicas.
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < DELIVERIES) await deliver(next++);
    }));
    await killed;
    expect(b.child.signalCode).toBe('SIGKILL');

    const ok = answered.filter((r) => r.status >= 200 && r.status < 300);
    // Both replicas answered some (the storm was split), and b stopped answering when it died.
    expect(ok.filter((r) => r.to === 'a').length).toBe(DELIVERIES / 2);
    expect(ok.filter((r) => r.to === 'b').length).toBeGreaterThanOrEqual(DELIVERIES / 6);
    expect(ok.filter((r) => r.to === 'b').length).toBeLessThan(DELIVERIES / 2);
    const stored = new Set((await db.rows("SELECT group_key FROM alert_groups WHERE group_key LIKE '%Storm%'")).map((r) => String(r['group_key'])));
    expect(ok.filter((r) => !stored.has(r.key)).map((r) => r.key)).toEqual([]);
  });

  it('and still one nag per lapse after all that: no replica sent one late', async () => {
    expect(nagsIn(room)).toHaveLength(2);
    expect(nagsIn('DUCAROL')).toHaveLength(2);
  });
});

/** The interactive elements of a posted Slack message (its actions blocks). */
function buttons(call: RecordedCall): { action_id: string; value: string }[] {
  const blocks = call.args['blocks'] as { elements?: { action_id: string; value: string }[] }[];
  return blocks.flatMap((block) => block.elements ?? []);
}

/** Whether `holds` stays true for `ms` (checked every 50 ms); false as soon as it is not. */
async function staysFor(ms: number, holds: () => boolean): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!holds()) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return holds();
}
