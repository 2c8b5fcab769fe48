/**
 * Mixed load (issue 11, bench (a)): an Alertmanager storm across 200 groups (the webhook benchmark's deliveries,
 * sent by its load generator in its own process) while 20 closed-loop slash-command clients work the bot: they
 * declare incidents and run them (`note` in a war room, `list`, `help`). The bot is the real process
 * (`node dist/main.js`) on Slack, with the fake Slack in this process; with taskset, the bot runs alone on one CPU.
 *
 * Declares come at a fixed pace (one every `declareEveryMs`, inside Slack's budgets: conversations.create is Tier 2,
 * ~20 a minute, and the announcement channel takes ~1 post a second): faster, the announcement would wait on Slack's
 * limits, not on sitroom. Measured: the ack of every command during the storm; for each declare, the time from
 * sending it until the fake Slack received the chat.postMessage of its announcement (to CANNOUNCE); and, once
 * delivery settled, that nothing was lost or done twice: one announcement and one war room per incident, one card
 * per alert group.
 */
import { Agent } from 'node:http';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FakeSlackApi } from '../test/fakes/fake-slack-api.ts';
import { slashCommandBody } from '../test/fakes/slack-requests.ts';
import { noteReplyInAck, postSlack, ReplySink, SLACK_SIGNING_SECRET } from './ack-latency.ts';
import { buildPlan, type PlanOptions } from './alertmanager-plan.ts';
import { cpuMs, cpuSplit, freePort, MAIN_ARGS, pinSelf, removeTempDir, sitroomEnv, sleep, spawnNode, stopProcess, tempDir, TSX_LOADER, waitHealthy, type Spawned } from './processes.ts';
import { ms, type Row, summarize, type Summary } from './stats.ts';
import { ALERTS_CHANNEL, checkCards } from './webhook.ts';

const ANNOUNCE = 'CANNOUNCE';
const GENERAL = 'CGENERAL';
const LOAD_GENERATOR = 'bench/fixtures/webhook-load.ts';

export interface MixedOptions {
  clients: number;
  /** Concurrent Alertmanager connections. */
  stormConcurrency: number;
  storm: PlanOptions;
  /** How long the slash-command clients run (the storm runs alongside until its plan is sent). */
  seconds: number;
  declareEveryMs: number;
  /** Commands before measuring (no storm yet). */
  warmup: number;
  /** How long, after the load, delivery may take to settle (announcements, cards). */
  settleMs: number;
}

export interface MixedResult {
  pinning: string;
  commands: number;
  non200: number;
  ack: Summary;
  ackByKind: Record<string, Summary>;
  repliesMissing: number;
  stormRequests: number;
  stormSeconds: number;
  stormStatuses: Record<string, number>;
  /** The part of the command phase the storm overlapped, 0..1. */
  overlap: number;
  declared: number;
  announcement: Summary;
  announcementsLost: string[];
  announcementsDuplicated: string[];
  warRoomsLost: string[];
  warRoomsDuplicated: string[];
  cardsLost: string[];
  cardsDuplicated: string[];
  settledAfterMs: number | undefined;
  /** The Slack calls about the slowest-announced incident, ms after its declare was sent. */
  slowest: string;
  botCpuMsPerCommand: number;
  benchLoopDelayP99: number;
  botOutput: string;
}

/** A declared incident's title, fixed width so that no title (or its channel-name slug) contains another. */
const titleOf = (n: number) => `Mixed ${String(n).padStart(4, '0')}`;
const slugOf = (n: number) => `mixed-${String(n).padStart(4, '0')}`;

interface Declared {
  n: number;
  sentAt: number;
  sentWall: number;
}

/** What the fake Slack holds for the declared incidents: announcement times, losses and repeats. */
function checkIncidents(slack: FakeSlackApi, declared: readonly Declared[]) {
  const posts = slack.callsTo('chat.postMessage').filter((c) => c.response.ok && c.args['channel'] === ANNOUNCE);
  const creates = slack.callsTo('conversations.create').filter((c) => c.response.ok);
  const latency: number[] = [];
  const lost: string[] = [];
  const duplicated: string[] = [];
  const roomsLost: string[] = [];
  const roomsDuplicated: string[] = [];
  for (const d of declared) {
    const title = titleOf(d.n);
    const mine = posts.filter((c) => JSON.stringify(c.args).includes(title));
    if (mine.length === 0) lost.push(title);
    else {
      if (mine.length > 1) duplicated.push(`${title} x${mine.length}`);
      latency.push((mine[0]?.at ?? 0) - d.sentWall);
    }
    const rooms = creates.filter((c) => String(c.args['name']).includes(slugOf(d.n))).length;
    if (rooms === 0) roomsLost.push(title);
    if (rooms > 1) roomsDuplicated.push(`${title} x${rooms}`);
  }
  return { latency, lost, duplicated, roomsLost, roomsDuplicated };
}

/** What Slack heard about incident `d` (its war room, by name or id, and its announcement), in order. */
function callsAbout(slack: FakeSlackApi, d: Declared): string {
  const title = titleOf(d.n);
  const create = slack.callsTo('conversations.create').find((c) => c.response.ok && String(c.args['name']).includes(slugOf(d.n)));
  const room = create ? String((create.response['channel'] as { id: string }).id) : undefined;
  const mine = slack.calls.filter((c) => c === create || (room !== undefined && JSON.stringify(c.args).includes(room)) || JSON.stringify(c.args).includes(title));
  return `${title}: ${mine.map((c) => `${c.method}${c.args['channel'] === ANNOUNCE ? '(announce)' : ''} +${c.at - d.sentWall} ms`).join(', ')}`;
}

export async function measureMixedLoad(opts: MixedOptions): Promise<MixedResult> {
  const dir = tempDir('mixed');
  const plan = buildPlan(opts.storm);
  const planPath = join(dir, 'plan.json');
  writeFileSync(planPath, JSON.stringify({ warmup: [], measured: plan.map((g) => g.sends) }));
  const split = cpuSplit();
  const pinned = 'server' in split ? split : undefined;
  const restorePin = pinned ? pinSelf(pinned.rest) : () => {};
  const slack = await FakeSlackApi.start();
  slack.addChannel({ id: ANNOUNCE, name: 'incidents' });
  slack.addChannel({ id: GENERAL, name: 'general' });
  slack.addChannel({ id: ALERTS_CHANNEL, name: 'alerts' });
  const sink = await ReplySink.start();
  const agent = new Agent({ keepAlive: true, maxSockets: opts.clients });
  let bot: Spawned | undefined;
  let gen: Spawned | undefined;
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    bot = spawnNode(
      MAIN_ARGS,
      sitroomEnv({ port, databasePath: join(dir, 'sitroom.db'), slackApiUrl: `${slack.url}/api/`, signingSecret: SLACK_SIGNING_SECRET, alertsChannel: ALERTS_CHANNEL }),
      pinned ? { cpus: pinned.server } : {},
    );
    await waitHealthy(bot, base);

    let seq = 0;
    let declares = 0;
    let nextDeclareAt = Number.POSITIVE_INFINITY;
    const declared: Declared[] = [];
    const acks: { kind: string; ms: number; status: number; id: string }[] = [];
    /** War rooms the fake created for declared incidents: where `note` is typed. */
    const warRooms = () => slack.callsTo('conversations.create').flatMap((c) => (c.response.ok ? [String((c.response['channel'] as { id: string }).id)] : []));

    const sendOne = async (c: number, measured: boolean) => {
      const i = seq++;
      const id = `m${i}`;
      const rooms = warRooms();
      let kind: string = ['list', 'help', 'note'][i % 3] ?? 'help';
      let text: string = kind;
      let channelId = GENERAL;
      const now = performance.now();
      if (measured && now >= nextDeclareAt) {
        nextDeclareAt += opts.declareEveryMs;
        const n = ++declares;
        kind = 'declare';
        text = `declare sev3 ${titleOf(n)}`;
        declared.push({ n, sentAt: now, sentWall: Date.now() });
      } else if (kind === 'note') {
        const room = rooms[i % Math.max(1, rooms.length)];
        if (room) {
          channelId = room;
          text = `note mixed-load note ${i}`;
        } else {
          kind = 'help';
          text = 'help';
        }
      }
      const body = slashCommandBody({ text, userId: `UMIX${c}`, channelId, responseUrl: sink.responseUrl(id) });
      try {
        const answer = await postSlack(agent, `${base}/slack/events`, body);
        noteReplyInAck(sink.times, id, answer);
        if (measured) acks.push({ kind, ms: answer.ms, status: answer.status, id });
      } catch {
        if (measured) acks.push({ kind, ms: Number.NaN, status: 0, id });
      }
    };

    const clients = async (until: () => boolean, measured: boolean) => {
      const client = async (c: number) => {
        while (!until()) await sendOne(c, measured);
      };
      await Promise.all(Array.from({ length: opts.clients }, (_, c) => client(c + 1)));
    };

    // Warm-up: commands only (declaring nothing), then a pause for the replies.
    let warm = 0;
    await clients(() => warm++ >= opts.warmup, false);
    await sleep(500);

    // The storm and the clients start together.
    const started = performance.now();
    const botCpuBefore = cpuMs(bot.pid);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    nextDeclareAt = started + 500;
    gen = spawnNode(['--import', TSX_LOADER, LOAD_GENERATOR, planPath, join(dir, 'storm.json'), `${base}/alertmanager`, String(opts.stormConcurrency)], {}, pinned ? { cpus: pinned.rest } : {});
    let stormEnded = Number.NaN;
    const stormDone = gen.exited.then((exit) => {
      stormEnded = performance.now();
      if (exit.code !== 0) throw new Error(`load generator exited with ${exit.code ?? exit.signal}:\n${gen?.output.join('') ?? ''}`);
    });
    const deadline = started + opts.seconds * 1000;
    await clients(() => performance.now() >= deadline, true);
    const ended = performance.now();
    loop.disable();
    const botCpu = cpuMs(bot.pid) - botCpuBefore;
    await stormDone;
    const storm = (JSON.parse(readFileSync(join(dir, 'storm.json'), 'utf8')) as { measured: { requests: number; statuses: Record<string, number> } }).measured;

    // Settle: every announcement and every card, or settleMs.
    const settleStart = performance.now();
    let settledAfterMs: number | undefined;
    for (;;) {
      const inc = checkIncidents(slack, declared);
      const cards = checkCards(slack, plan);
      if (inc.lost.length + inc.roomsLost.length + cards.lost.length === 0) {
        settledAfterMs = performance.now() - settleStart;
        break;
      }
      if (performance.now() - settleStart > opts.settleMs) break;
      await sleep(200);
    }
    await sink.times.settle(acks.map((a) => a.id));
    const inc = checkIncidents(slack, declared);
    const cards = checkCards(slack, plan);
    const slowestAt = inc.latency.indexOf(Math.max(...inc.latency));
    const slowest = declared[slowestAt] ? callsAbout(slack, declared[slowestAt]) : 'none';
    const ok = acks.filter((a) => a.status === 200);
    const kinds = [...new Set(acks.map((a) => a.kind))];
    await stopProcess(bot);
    const stormMs = (Number.isFinite(stormEnded) ? stormEnded : ended) - started;
    return {
      pinning: pinned ? `bot alone on CPU ${pinned.server}; storm generator and this process (clients, fake Slack) on CPU ${pinned.rest}` : (split as { reason: string }).reason,
      commands: acks.length,
      non200: acks.length - ok.length,
      ack: summarize(ok.map((a) => a.ms)),
      ackByKind: Object.fromEntries(kinds.map((k) => [k, summarize(ok.filter((a) => a.kind === k).map((a) => a.ms))])),
      repliesMissing: acks.filter((a) => !sink.times.arrivedAt.has(a.id)).length,
      stormRequests: storm.requests,
      stormSeconds: stormMs / 1000,
      stormStatuses: storm.statuses,
      overlap: Math.min(1, stormMs / (ended - started)),
      declared: declared.length,
      announcement: summarize(inc.latency),
      announcementsLost: inc.lost,
      announcementsDuplicated: inc.duplicated,
      warRoomsLost: inc.roomsLost,
      warRoomsDuplicated: inc.roomsDuplicated,
      cardsLost: cards.lost,
      cardsDuplicated: cards.duplicated,
      settledAfterMs,
      slowest,
      botCpuMsPerCommand: botCpu / Math.max(1, acks.length + storm.requests),
      benchLoopDelayP99: loop.percentile(99) / 1e6,
      botOutput: bot.output.join(''),
    };
  } finally {
    restorePin();
    for (const proc of [gen, bot]) if (proc && proc.child.exitCode === null && proc.child.signalCode === null) await stopProcess(proc, 2000).catch(() => undefined);
    agent.destroy();
    await sink.close();
    await slack.close();
    removeTempDir(dir);
  }
}

export function mixedRows(r: MixedResult, opts: MixedOptions): Row[] {
  const s = 'mixed load';
  const list = (xs: readonly string[]) => (xs.length === 0 ? '0' : `${xs.length}: ${xs.slice(0, 3).join('; ')}${xs.length > 3 ? '; …' : ''}`);
  const statuses = Object.entries(r.stormStatuses).map(([k, v]) => `${v} x ${k}`).join(', ');
  const rows: Row[] = [
    {
      section: s,
      metric: 'load',
      value: `${opts.clients} slash-command clients for ${opts.seconds} s (a declare every ${opts.declareEveryMs / 1000} s, else note / list / help) + storm of ${opts.storm.groups} groups: ${r.stormRequests} deliveries in ${r.stormSeconds.toFixed(1)} s, ${opts.stormConcurrency} concurrent (${statuses})`,
      target: '-',
    },
    { section: s, metric: 'CPU pinning (taskset)', value: r.pinning, target: '-' },
    { section: s, metric: 'storm overlapped the command phase', value: `${Math.round(r.overlap * 100)}%`, target: '-' },
    { section: s, metric: 'commands: requests', value: `${r.commands - r.non200} x 200, ${r.non200} other`, target: 'all 200', pass: r.non200 === 0 && r.commands > 0 },
    { section: s, metric: 'commands: ack p50 / p99', value: `${ms(r.ack.p50)} / ${ms(r.ack.p99)}`, target: 'p99 <= 50 ms', pass: r.ack.p99 <= 50 },
  ];
  for (const [kind, sum] of Object.entries(r.ackByKind)) rows.push({ section: s, metric: `  ${kind} ack p50 / p99`, value: `${ms(sum.p50)} / ${ms(sum.p99)} (${sum.n})`, target: '-' });
  rows.push(
    { section: s, metric: 'replies received (in the ack or at response_url)', value: `${r.commands - r.repliesMissing} of ${r.commands}`, target: 'all', pass: r.repliesMissing === 0 },
    {
      section: s,
      metric: 'announcement posted after its declare p50 / p99',
      value: `${ms(r.announcement.p50)} / ${ms(r.announcement.p99)} (${r.announcement.n} of ${r.declared})`,
      target: 'p99 <= 2000 ms',
      pass: r.announcement.n > 0 && r.announcement.p99 <= 2000,
    },
    { section: s, metric: 'announcements lost / duplicated', value: `${list(r.announcementsLost)} / ${list(r.announcementsDuplicated)}`, target: '0 / 0', pass: r.announcementsLost.length + r.announcementsDuplicated.length === 0 },
    { section: s, metric: 'war rooms lost / duplicated', value: `${list(r.warRoomsLost)} / ${list(r.warRoomsDuplicated)}`, target: '0 / 0', pass: r.warRoomsLost.length + r.warRoomsDuplicated.length === 0 },
    { section: s, metric: 'alert cards lost / duplicated', value: `${list(r.cardsLost)} / ${list(r.cardsDuplicated)}`, target: '0 / 0', pass: r.cardsLost.length + r.cardsDuplicated.length === 0 },
    { section: s, metric: 'delivery settled after the load', value: r.settledAfterMs === undefined ? `not within ${opts.settleMs / 1000} s` : ms(r.settledAfterMs), target: '-' },
    { section: s, metric: 'bot CPU per request (commands + deliveries)', value: ms(r.botCpuMsPerCommand), target: '-' },
    { section: s, metric: 'bench event-loop delay p99', value: ms(r.benchLoopDelayP99), target: '-' },
  );
  return rows;
}
