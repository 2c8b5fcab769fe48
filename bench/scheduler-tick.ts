/**
 * Scheduler tick cost with 100,000 incidents on disk: the common tick (nothing due) and a tick with a
 * handful due, through the real store, service and Scheduler.tick (which also looks for war rooms to retry).
 * Reminders are delivered by a no-op notifier (pure tick cost) and, separately, by the real Slack notifier
 * (createSitroom's wiring) against a FakeSlackApi over local HTTP (what a due tick costs when it talks to Slack).
 */
import { join } from 'node:path';
import { and, asc, eq, inArray, isNotNull, isNull, lte } from 'drizzle-orm';
import { createSitroom, type Sitroom } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { DEFAULT_CADENCE } from '../src/incidents/cadence.ts';
import { IncidentService } from '../src/incidents/incident-service.ts';
import type { Incident, UserId, WarRoom } from '../src/incidents/incident.ts';
import { OPEN_PHASES } from '../src/incidents/phases.ts';
import type { Clock, IncidentNotifier } from '../src/incidents/ports.ts';
import { createLogger } from '../src/logger.ts';
import { Scheduler } from '../src/scheduler.ts';
import { type Db, openDatabase } from '../src/storage/database.ts';
import { incidents } from '../src/storage/schema.ts';
import { SqliteIncidentStore } from '../src/storage/sqlite-incident-store.ts';
import { WalCheckpointer } from '../src/storage/wal-checkpointer.ts';
import { FakeSlackApi } from '../test/fakes/fake-slack-api.ts';
import { populateIncidents } from './incident-db.ts';
import { removeTempDir, tempDir } from './processes.ts';
import { ms, type Row, summarize, type Summary } from './stats.ts';

const NOW = Date.UTC(2025, 2, 14, 14, 0, 0);

export interface TickOptions {
  total: number;
  open: number;
  due: number;
  idleTicks: number;
  dueTicks: number;
  slackDueTicks: number;
  tickSeconds: number;
}

export interface TickResult {
  loadMs: number;
  dbBytes: number;
  counts: { total: number; open: number; withReminder: number };
  idleService: Summary;
  idleTick: Summary;
  dueService: Summary;
  dueTick: Summary;
  dueSlack: Summary;
  sentPerDueTick: number;
  slackSentPerDueTick: number;
  plans: { query: string; plan: string[] }[];
}

/** A notifier that does nothing but count, so the tick's own cost is what is measured. */
class CountingNotifier implements IncidentNotifier {
  readonly platform = 'slack' as const;
  reminders = 0;
  async createWarRoom(incident: Incident): Promise<WarRoom> {
    return { channelId: `CB${incident.number}`, channelName: `inc-${incident.number}`, cardMessageId: null };
  }
  async warRoomOpened(_incident: Incident, _invite: readonly UserId[]): Promise<{ cardMessageId: string | null }> {
    return { cardMessageId: null };
  }
  async incidentChanged(): Promise<void> {}
  async postmortemWritten(): Promise<void> {}
  async incidentResolved(): Promise<void> {}
  async digest(): Promise<void> {}
  async checklistPosted(): Promise<void> {}
}

/** The same queries the store prepares (rebuilt here with drizzle, so EXPLAIN sees the exact SQL shape). */
function explainPlans(db: Db): { query: string; plan: string[] }[] {
  const queries = [
    {
      query: 'dueReminders (store.due)',
      built: db
        .select()
        .from(incidents)
        .where(and(isNotNull(incidents.reminderAt), lte(incidents.reminderAt, NOW)))
        .orderBy(asc(incidents.reminderAt))
        .limit(100)
        .toSQL(),
    },
    {
      query: 'withoutWarRoom (every tick)',
      built: db
        .select()
        .from(incidents)
        .where(and(eq(incidents.platform, 'slack'), isNull(incidents.channelId), inArray(incidents.phase, [...OPEN_PHASES])))
        .orderBy(asc(incidents.number))
        .limit(20)
        .toSQL(),
    },
  ];
  return queries.map(({ query, built }) => ({
    query,
    plan: (db.$client.prepare(`EXPLAIN QUERY PLAN ${built.sql}`).all(...(built.params as unknown[])) as { detail: string }[]).map((r) => r.detail),
  }));
}

async function timeEach(times: number, before: () => void, work: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    before();
    const t = performance.now();
    await work();
    samples.push(performance.now() - t);
  }
  return samples;
}

export async function measureSchedulerTick(opts: TickOptions): Promise<TickResult> {
  const dir = tempDir('tick');
  const slack = await FakeSlackApi.start();
  let db: Db | undefined;
  let sitroom: Sitroom | undefined;
  let checkpointer: WalCheckpointer | undefined;
  try {
    const path = join(dir, 'sitroom.db');
    db = openDatabase(path);
    // Closed incidents spread over 5 years; the `due` first active ones get a reminder a day ahead (made due below).
    const { dueNumbers, loadMs, facts } = populateIncidents(db, { total: opts.total, open: opts.open, due: opts.due, now: NOW });
    const client = db.$client;
    const counts = { total: facts.total, open: facts.open, withReminder: facts.withReminder };
    const dbBytes = facts.bytes;

    const clock: Clock = { now: () => NOW };
    // As createSitroom wires it: WAL checkpoints in a worker, not inside the tick's commit. In a running sitroom the
    // worker starts within a second of the WAL growing; the timed loops below never yield to that timer, so it is
    // started here.
    checkpointer = WalCheckpointer.attach(db);
    await checkpointer?.checkpointNow();
    const store = new SqliteIncidentStore(db);
    const logger = createLogger('silent');
    const notifier = new CountingNotifier();
    const service = new IncidentService({ store, clock, notifiers: { slack: notifier }, cadenceDefaults: DEFAULT_CADENCE, customRoles: [] });
    const scheduler = new Scheduler({ service, tickSeconds: opts.tickSeconds, logger });

    // Makes the chosen incidents due again (a fresh lapse), outside the timed section.
    const placeholders = dueNumbers.map(() => '?').join(',');
    const resetDue = client.prepare(
      `UPDATE incidents SET next_update_due = ?, reminder_at = ?, reminder_stage = 'nag' WHERE number IN (${placeholders})`,
    );
    let lapse = 0;
    const makeDue = () => {
      lapse += 1;
      // A distinct due time per lapse, so the (incident, due_at, stage) claim is new each time.
      resetDue.run(NOW - 30_000 - lapse, NOW - 30_000 - lapse, ...dueNumbers);
    };
    const nothing = () => {};
    // Reminders are queued into the outbox by the tick; the count is what was queued.
    const queue = async () => {
      notifier.reminders += (await service.queueDueReminders()).queued;
    };

    // Warm up the prepared statements and the JIT.
    await timeEach(200, nothing, queue);
    await timeEach(200, nothing, () => scheduler.tick());

    const idleService = await timeEach(opts.idleTicks, nothing, queue);
    const idleTick = await timeEach(opts.idleTicks, nothing, () => scheduler.tick());
    if (notifier.reminders !== 0) throw new Error(`expected no reminders when nothing is due, sent ${notifier.reminders}`);

    await timeEach(20, makeDue, queue);
    notifier.reminders = 0;
    const dueService = await timeEach(opts.dueTicks, makeDue, queue);
    const dueTick = await timeEach(opts.dueTicks, makeDue, () => scheduler.tick());
    // Only the service ticks count (Scheduler.tick queues through the same service but is not counted here).
    const sentPerDueTick = notifier.reminders / opts.dueTicks;

    // The same due ticks through sitroom as main.ts wires it (createSitroom: the real Slack notifier, war-room
    // mention + DMs), against a local FakeSlackApi; a second connection to the same database file.
    sitroom = createSitroom(
      loadConfig({
        DATABASE_PATH: path,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_SIGNING_SECRET: 'bench',
        SLACK_ANNOUNCE_CHANNEL: 'CANNOUNCE',
        SLACK_API_URL: `${slack.url}/api/`,
      }),
      createLogger('silent'),
      clock,
      { scheduler: false },
    );
    const slackService = sitroom.service;
    let slackSent = 0;
    const slackDue = await timeEach(opts.slackDueTicks + 5, makeDue, async () => {
      const run = await slackService.queueDueReminders();
      await sitroom?.deliverDue();
      slackSent += run.queued;
    });
    slackDue.splice(0, 5); // first ticks open connections and warm the client

    return {
      loadMs,
      dbBytes,
      counts,
      idleService: summarize(idleService),
      idleTick: summarize(idleTick),
      dueService: summarize(dueService),
      dueTick: summarize(dueTick),
      dueSlack: summarize(slackDue),
      sentPerDueTick,
      slackSentPerDueTick: slackSent / (opts.slackDueTicks + 5),
      plans: explainPlans(db),
    };
  } finally {
    await sitroom?.stop();
    await checkpointer?.stop();
    db?.$client.close();
    await slack.close();
    removeTempDir(dir);
  }
}

export function tickRows(r: TickResult, opts: TickOptions): Row[] {
  const s = 'scheduler tick';
  const target = 'p99 <= 5 ms';
  const p = (x: Summary) => `${ms(x.p50)} / ${ms(x.p90)} / ${ms(x.p99)}`;
  const worstFake = opts.tickSeconds * 1000 + r.dueTick.max;
  const worstSlack = opts.tickSeconds * 1000 + r.dueSlack.max;
  return [
    {
      section: s,
      metric: 'database',
      value: `${r.counts.total} incidents (${r.counts.open} open, ${r.counts.withReminder} with a reminder), ${(r.dbBytes / 1024 / 1024).toFixed(0)} MB, loaded in ${ms(r.loadMs)}`,
      target: '100k, loads in seconds',
      pass: r.counts.total >= opts.total && r.loadMs < 30_000,
    },
    { section: s, metric: `nothing due: sendDueReminders p50 / p90 / p99 (${r.idleService.n})`, value: `${p(r.idleService)}`, target, pass: r.idleService.p99 <= 5 },
    { section: s, metric: `nothing due: Scheduler.tick p50 / p90 / p99 (${r.idleTick.n})`, value: `${p(r.idleTick)}`, target, pass: r.idleTick.p99 <= 5 },
    {
      section: s,
      metric: `${opts.due} due: sendDueReminders p50 / p90 / p99 (${r.dueService.n})`,
      value: `${p(r.dueService)} (${r.sentPerDueTick} sent/tick)`,
      target,
      pass: r.dueService.p99 <= 5 && r.sentPerDueTick === opts.due,
    },
    { section: s, metric: `${opts.due} due: Scheduler.tick p50 / p90 / p99 (${r.dueTick.n})`, value: `${p(r.dueTick)}`, target, pass: r.dueTick.p99 <= 5 },
    {
      section: s,
      metric: `${opts.due} due, real Slack notifier -> local fake: p50 / p90 / p99`,
      value: `${p(r.dueSlack)} (${r.slackSentPerDueTick} sent/tick)`,
      target: '-',
    },
    { section: s, metric: `worst reminder delay (${opts.tickSeconds} s tick + max tick, no-op notifier)`, value: ms(worstFake), target: '<= 15 s', pass: worstFake <= 15_000 },
    { section: s, metric: `worst reminder delay (${opts.tickSeconds} s tick + max tick, Slack notifier)`, value: ms(worstSlack), target: '<= 15 s', pass: worstSlack <= 15_000 },
  ];
}
