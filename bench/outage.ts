/**
 * Delivery when the chat platform fails, measured on the real process (`node --import tsx src/main.ts`, as
 * test/e2e/bot-process.ts starts it) against the fake Slack and the fake Mattermost:
 *
 * - outage: the platform answers 503 (API and response URLs) while incidents are declared and a nag falls due; the
 *   time from the platform's return to the last delayed effect delivered, and what was lost or duplicated.
 * - kill9: the bot is killed with SIGKILL N times while rows are in flight (every platform answer held back), and
 *   restarted; at the end, per incident, war rooms created, cards posted, announcements and replies: a count over 1
 *   is a duplicate (the crash window between a call and its record, README "Delivery"), 0 is a loss.
 */
import Database from 'better-sqlite3';
import { BotProcess, freePort } from '../test/e2e/bot-process.ts';
import { FakeMattermostApi, fakeMattermostId } from '../test/fakes/fake-mattermost-api.ts';
import { postForm, slashCommandForm } from '../test/fakes/mattermost-requests.ts';
import type { PlatformFaults } from '../test/fakes/platform-faults.ts';
import { FakeSlackApi } from '../test/fakes/fake-slack-api.ts';
import { postSigned, slashCommandBody } from '../test/fakes/slack-requests.ts';
import { removeTempDir, sleep, tempDir } from './processes.ts';
import { ms, type Row } from './stats.ts';

export type OutagePlatform = 'slack' | 'mattermost';

/** What is expected of incident `k` (declared with the title `Bench k zz`), as counted on the fake. */
interface Counts {
  rooms: number;
  cards: number;
  announcements: number;
  replies: number;
}

/** One fake platform with sitroom's environment for it, and what the benchmark reads off it. */
interface Rig {
  faults: PlatformFaults;
  env: Record<string, string>;
  port: number;
  /** Holds every API answer back this long. */
  slow(ms: number): void;
  declare(url: string, k: number): Promise<void>;
  counts(k: number): Counts;
  /** Nag posts in incident `k`'s war room. */
  nags(k: number): number;
  close(): Promise<void>;
}

const SECRET = 'bench-outage-secret';
const title = (k: number) => `Bench ${k} zz`;

async function slackRig(dir: string): Promise<Rig> {
  const slack = await FakeSlackApi.start();
  slack.addChannel({ id: 'CANNOUNCE', name: 'incidents' });
  // By title: an incident's number shifts when a kill lost an earlier declaration before it was stored. Only creates
  // Slack answered ok: an error (name_taken, when a restarted process retries a create whose answer its killed
  // predecessor never recorded, and then adopts the channel) is HTTP 200 too, and was counted as a second room.
  const created = (k: number) =>
    slack.callsTo('conversations.create').filter((c) => c.status === 200 && c.response.ok === true && new RegExp(`^inc-\\d+-bench-${k}-zz`).test(String(c.args['name'])));
  // The last room made for it is the one recorded (an earlier one was made by a process killed before recording it).
  const room = (k: number) => (created(k).at(-1)?.response as { channel?: { id?: string } } | undefined)?.channel?.id ?? '';
  return {
    faults: slack.faults,
    port: await freePort(),
    env: { SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: SECRET, SLACK_ANNOUNCE_CHANNEL: 'CANNOUNCE', SLACK_API_URL: `${slack.url}/api/`, DATABASE_PATH: `${dir}/sitroom.db` },
    slow: (ms) => {
      slack.latencyMs = ms;
    },
    async declare(url, k) {
      const body = slashCommandBody({ text: `declare sev2 ${title(k)}`, userId: 'UALICE', channelId: 'CGENERAL', responseUrl: slack.responseUrl(`d${k}`) });
      const res = await postSigned(`${url}/slack/events`, SECRET, body);
      if (res.status !== 200) throw new Error(`declare ${k}: HTTP ${res.status}`);
      // The reply may be the command's own answer (answer-in-ack.ts): the fake records it as Slack would show it.
      slack.commandAnswered(`d${k}`, res);
    },
    counts: (k) => ({
      rooms: created(k).length,
      cards: room(k) ? slack.messagesIn(room(k)).filter((m) => /Incident #\d+:/.test(m.text ?? '')).length : 0,
      announcements: slack.messagesIn('CANNOUNCE').filter((m) => (m.text ?? '').includes(title(k))).length,
      replies: slack.responses(`d${k}`).length,
    }),
    nags: (k) => (room(k) ? slack.messagesIn(room(k)).filter((m) => (m.text ?? '').includes('⏰')).length : 0),
    close: () => slack.close(),
  };
}

async function mattermostRig(dir: string): Promise<Rig> {
  const mm = await FakeMattermostApi.start({ token: 'mm-bench-token' });
  const alice = fakeMattermostId('alice');
  mm.addUser(alice, 'alice');
  const general = mm.addChannel({ name: 'town-square', members: [alice] }).id;
  mm.addChannel({ name: 'incidents', members: [alice] });
  const port = await freePort();
  const roomName = (k: number) => new RegExp(`^inc-\\d+-bench-${k}-zz`);
  const room = (k: number) => {
    const created = mm.callsTo('POST', '/channels').findLast((c) => c.path === '/api/v4/channels' && c.status === 201 && roomName(k).test(String((c.body as { name?: string }).name)));
    return (created?.response as { id?: string } | undefined)?.id ?? '';
  };
  const announce = () => mm.channelNamed('incidents')?.id ?? '';
  return {
    faults: mm.faults,
    port,
    env: {
      MATTERMOST_URL: mm.url,
      MATTERMOST_BOT_TOKEN: 'mm-bench-token',
      MATTERMOST_TEAM: mm.team.name,
      MATTERMOST_COMMAND_TOKEN: 'bench-command-token',
      MATTERMOST_ANNOUNCE_CHANNEL: 'incidents',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_PATH: `${dir}/sitroom.db`,
    },
    slow: (ms) => {
      mm.latencyMs = ms;
    },
    async declare(url, k) {
      const form = slashCommandForm({ text: `declare sev2 ${title(k)}`, userId: alice, userName: 'alice', channelId: general, token: 'bench-command-token', responseUrl: mm.responseUrl(`d${k}`) });
      const res = await postForm(`${url}/mattermost/command`, form);
      if (res.status !== 200) throw new Error(`declare ${k}: HTTP ${res.status}`);
      // The reply may be the command's own answer (answer-in-ack.ts): the fake records it as Mattermost would show it.
      mm.commandAnswered(`d${k}`, res);
    },
    counts: (k) => ({
      rooms: mm.callsTo('POST', '/channels').filter((c) => c.path === '/api/v4/channels' && c.status === 201 && roomName(k).test(String((c.body as { name?: string }).name))).length,
      cards: room(k) ? mm.postsIn(room(k)).filter((p) => /Incident #\d+:/.test(p.message)).length : 0,
      announcements: mm.postsIn(announce()).filter((p) => p.message.includes(title(k))).length,
      replies: mm.responses(`d${k}`).length,
    }),
    nags: (k) => (room(k) ? mm.postsIn(room(k)).filter((p) => p.message.includes('⏰')).length : 0),
    close: () => mm.close(),
  };
}

const rigs: Record<OutagePlatform, (dir: string) => Promise<Rig>> = { slack: slackRig, mattermost: mattermostRig };

/** The declarations (by k) that reached the database: a kill between the platform's ack and the commit loses one whole. */
function stored(dbPath: string, n: number): Set<number> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const titles = new Set((db.prepare('SELECT title FROM incidents').all() as { title: string }[]).map((r) => r.title));
    return new Set(Array.from({ length: n }, (_, i) => i + 1).filter((k) => titles.has(title(k))));
  } finally {
    db.close();
  }
}

/** Sums over the stored incidents: how many expected effects were missing (lost) and how many came more than once. */
function tally(rig: Rig, n: number, only?: ReadonlySet<number>): { lost: number; duplicated: number; complete: boolean } {
  let lost = 0;
  let duplicated = 0;
  for (let k = 1; k <= n; k += 1) {
    if (only && !only.has(k)) continue;
    for (const count of Object.values(rig.counts(k))) {
      if (count === 0) lost += 1;
      if (count > 1) duplicated += count - 1;
    }
  }
  return { lost, duplicated, complete: lost === 0 };
}

/** Bots started here, killed by PID if the bench itself is stopped (run-all's cleanup knows only its own children). */
const bots = new Set<BotProcess>();
process.once('exit', () => {
  for (const bot of bots) if (bot.child.exitCode === null && bot.child.pid !== undefined) process.kill(bot.child.pid, 'SIGKILL');
});

async function startBot(rig: Rig, extra: Record<string, string> = {}): Promise<BotProcess> {
  const bot = await BotProcess.start({ LOG_LEVEL: 'info', ...rig.env, ...extra }, 30_000, rig.port);
  bots.add(bot);
  void bot.child.once('exit', () => bots.delete(bot));
  return bot;
}

export interface OutageOptions {
  platforms: readonly OutagePlatform[];
  /** Incidents declared while the platform is down (one more is declared before, for the nag). */
  incidents: number;
  /** How long the platform stays down (real time: the nag of the incident declared before falls due inside it). */
  downMs: number;
  kills: number;
}

export interface OutageResult {
  platform: OutagePlatform;
  recoveryMs: number | null;
  lost: number;
  duplicated: number;
  nagAfterRecovery: boolean;
}

/** (d) The platform down for `downMs` while incidents are declared and a nag falls due; time to catch up after. */
export async function measureOutage(platform: OutagePlatform, opts: OutageOptions): Promise<OutageResult> {
  const dir = tempDir(`outage-${platform}`);
  const rig = await rigs[platform](dir);
  // A 30 s cadence and a 1 s tick, so a nag falls due during a short outage.
  const bot = await startBot(rig, { CADENCE_SEV2: '30s', SCHEDULER_TICK_SECONDS: '1' });
  try {
    await rig.declare(bot.url, 1);
    for (let t = 0; t < 200 && !tally(rig, 1).complete; t += 1) await sleep(50);
    const nagsBefore = rig.nags(1);
    rig.faults.outage();
    for (let k = 2; k <= opts.incidents + 1; k += 1) await rig.declare(bot.url, k);
    await sleep(opts.downMs);
    rig.faults.recover();
    const back = performance.now();
    let done: number | null = null;
    const total = opts.incidents + 1;
    while (performance.now() - back < 6 * 60_000) {
      if (tally(rig, total).complete && rig.nags(1) > nagsBefore) {
        done = performance.now() - back;
        break;
      }
      await sleep(25);
    }
    const { lost, duplicated } = tally(rig, total);
    return { platform, recoveryMs: done, lost, duplicated, nagAfterRecovery: rig.nags(1) > nagsBefore };
  } finally {
    await bot.stop('SIGKILL');
    await rig.close();
    removeTempDir(dir);
  }
}

export interface Kill9Result {
  platform: OutagePlatform;
  kills: number;
  /** Declarations acknowledged to the platform but never stored (the kill came between the ack and the commit). */
  notStored: number;
  lost: number;
  duplicated: number;
  /** Which effects were duplicated, e.g. "cards of #3". */
  where: string[];
}

/** The kill -9 window: SIGKILL while calls are in flight, `kills` times, then everything is counted once delivered. */
export async function measureKill9(platform: OutagePlatform, opts: Pick<OutageOptions, 'kills'>): Promise<Kill9Result> {
  const dir = tempDir(`kill9-${platform}`);
  const rig = await rigs[platform](dir);
  // Every answer held back 150 ms: a declaration's six calls take about a second, so a kill lands mid-call.
  rig.slow(150);
  let bot = await startBot(rig);
  try {
    for (let k = 1; k <= opts.kills; k += 1) {
      await rig.declare(bot.url, k);
      await sleep(100 + Math.floor(Math.random() * 900));
      await bot.stop('SIGKILL');
      bot = await startBot(rig);
    }
    const declared = stored(rig.env['DATABASE_PATH'] ?? '', opts.kills);
    const started = performance.now();
    while (!tally(rig, opts.kills, declared).complete && performance.now() - started < 3 * 60_000) await sleep(100);
    // A little longer, so a late duplicate is seen too.
    await sleep(2_000);
    const { lost, duplicated } = tally(rig, opts.kills, declared);
    const where: string[] = [];
    for (const k of declared) {
      for (const [what, count] of Object.entries(rig.counts(k))) if (count !== 1) where.push(`${what} of declaration ${k}: ${count}`);
    }
    return { platform, kills: opts.kills, notStored: opts.kills - declared.size, lost, duplicated, where };
  } finally {
    await bot.stop('SIGKILL');
    await rig.close();
    removeTempDir(dir);
  }
}

export function outageRows(results: readonly OutageResult[], opts: OutageOptions): Row[] {
  return results.flatMap((r) => [
    {
      section: `outage (${r.platform})`,
      metric: `return → last delayed effect (${opts.incidents} declared + 1 nag during ${ms(opts.downMs)} down)`,
      value: r.recoveryMs === null ? 'never (6 min)' : ms(r.recoveryMs),
      target: 'info (backoff ≤ 5 min)',
    },
    { section: `outage (${r.platform})`, metric: 'effects lost / duplicated', value: `${r.lost} / ${r.duplicated}`, target: '0 / 0', pass: r.lost === 0 && r.duplicated === 0 },
    { section: `outage (${r.platform})`, metric: 'nag that fell due delivered after return', value: r.nagAfterRecovery ? 'yes' : 'no', target: 'yes', pass: r.nagAfterRecovery },
  ]);
}

export function kill9Rows(results: readonly Kill9Result[]): Row[] {
  return results.map((r) => ({
    section: `kill9 (${r.platform})`,
    metric: `SIGKILL mid-declare ×${r.kills}: effects lost / duplicated (declarations not stored)`,
    value: `${r.lost} / ${r.duplicated} (${r.notStored})${r.where.length ? `: ${r.where.join('; ')}` : ''}`,
    target: 'info: 0 lost; duplicates only in the crash window',
    pass: r.lost === 0 ? undefined : false,
  }));
}
