/**
 * Slash-command acknowledgement latency, for each chat platform: the real bot in its own process (`node dist/main.js`,
 * as `npm start` runs it) configured for that platform only, talking to the platform's fake API in this process, and
 * driven by `/incident` commands shaped exactly as the platform sends them — Slack: correctly signed form posts to
 * /slack/events (Slack gives up after 3 s); Mattermost: `slashCommandForm` + `postForm` to /mattermost/command, the
 * command token in body and header (Mattermost waits up to 30 s). Both are sent through one keep-alive node:http client
 * (postOn), so the load generator's own cost per request is the same for both platforms. We hold both to p99 <= 50 ms with 20 concurrent
 * clients.
 *
 * One measuring loop serves both; a CommandPlatform supplies the rest (its fake, the bot's environment, and how one
 * command is built and sent). Three phases against one bot: a warm-up; a paced phase (an open loop at a fixed rate,
 * well under capacity: what a person typing a command sees); and the measured phase (20 closed loops, each sending
 * its next command as soon as the last is acknowledged — this saturates the bot, so its latency is
 * ~20 / throughput). The time until the bot's reply is shown is measured too: a reply in the acknowledgement's body
 * (chat/answer-in-ack.ts) arrives with it, and each command's response_url leads back to this process for a reply
 * that follows later (informational: Slack accepts response_url posts for 30 minutes, Mattermost 5 uses).
 */
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FakeMattermostApi, fakeMattermostId } from '../test/fakes/fake-mattermost-api.ts';
import { slashCommandForm } from '../test/fakes/mattermost-requests.ts';
import { FakeSlackApi } from '../test/fakes/fake-slack-api.ts';
import { signSlackRequest, slashCommandBody } from '../test/fakes/slack-requests.ts';
import {
  cpuMs,
  freePort,
  machineBusyMs,
  MAIN_ARGS,
  mattermostEnv,
  removeTempDir,
  sitroomEnv,
  sleep,
  spawnNode,
  stopProcess,
  tempDir,
  waitHealthy,
  type Spawned,
} from './processes.ts';
import { ms, type Row, summarize, type Summary } from './stats.ts';

export const KINDS = ['list', 'help', 'declare'] as const;
export type Kind = (typeof KINDS)[number];
export const PLATFORMS = ['slack', 'mattermost'] as const;
export type PlatformName = (typeof PLATFORMS)[number];

export interface AckOptions {
  /** The commands sent, in rotation (default: list, help, declare). */
  kinds?: readonly Kind[];
  clients: number;
  warmup: number;
  /** Requests in the measured (saturating, closed-loop) phase. */
  requests: number;
  /** Safety net: the measured phase stops issuing requests after this long, and reports how many it sent. */
  maxSeconds: number;
  /** The paced phase: `pacedRequests` at `pacedRate` per second, before the measured phase; 0 skips it. */
  pacedRequests: number;
  pacedRate: number;
}

export interface PhaseResult {
  ack: Summary;
  byKind: Partial<Record<Kind, Summary>>;
  reply: Summary;
  repliesMissing: number;
  requestsPerSecond: number;
  non200: number;
  /** CPU used during the phase as % of one core: the bot, this process (clients, the fake API, reply sink), everything else. */
  cpu: { bot: number; bench: number; others: number; botMsPerRequest: number };
  /**
   * How late this process's event loop ran meanwhile (p99, max; ms): the clients and the fake API live here, so a
   * late loop here delays sending requests and reading answers, and the ack figures include that.
   */
  benchLoopDelay: { p99: number; max: number };
  stoppedEarly: boolean;
}

export interface AckResult {
  platform: PlatformName;
  paced: PhaseResult | undefined;
  saturated: PhaseResult;
  errors: string[];
  /** Calls the bot made to the platform's fake API, and the failed ones by method/path and error. */
  apiCalls: number;
  apiFailures: Record<string, number>;
  declared: number;
  shutdown: { code: number | null; signal: string | null; ms: number; killed: boolean } | undefined;
  botOutput: string;
}

/** When each command's reply arrived (in the acknowledgement, or at its response_url), by id. */
export class ReplyTimes {
  readonly arrivedAt = new Map<string, number>();
  lastArrival = 0;

  arrived(id: string): void {
    const now = performance.now();
    if (id && !this.arrivedAt.has(id)) this.arrivedAt.set(id, now);
    this.lastArrival = now;
  }

  /** Waits until every id has a reply, or nothing has arrived for `quietMs`. */
  async settle(ids: readonly string[], quietMs = 5000, maxMs = 30_000): Promise<void> {
    const started = performance.now();
    this.lastArrival = Math.max(this.lastArrival, started);
    while (ids.some((id) => !this.arrivedAt.has(id))) {
      const now = performance.now();
      if (now - this.lastArrival > quietMs || now - started > maxMs) return;
      await sleep(50);
    }
  }
}

/** Slack's response_url stand-in: a server in this process that notes when each reply arrives. */
export class ReplySink {
  readonly times = new ReplyTimes();
  readonly server: Server;
  readonly url: string;

  private constructor(server: Server, url: string) {
    this.server = server;
    this.url = url;
  }

  static async start(): Promise<ReplySink> {
    const server = createServer();
    // Longer than the bot's keep-alive agent keeps idle sockets (5 s): otherwise the server may close a socket just
    // as the bot reuses it, and the reply is lost with "socket hang up" (Slack's own servers keep connections longer).
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const sink = new ReplySink(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req, res) => {
      const id = decodeURIComponent(/^\/r\/(.+)$/.exec(req.url ?? '')?.[1] ?? '');
      req.resume();
      req.on('end', () => {
        sink.times.arrived(id);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    return sink;
  }

  responseUrl(id: string): string {
    return `${this.url}/r/${encodeURIComponent(id)}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** A Slack command answered with its reply in the body (answer-in-ack.ts): the reply arrived with the acknowledgement. */
export function noteReplyInAck(times: ReplyTimes, id: string, answer: Answer): void {
  if (answer.status === 200 && answer.body.trim() !== '') times.arrived(id);
}

/** The HTTP answer to one command, as its client saw it; `ms` runs from just before sending until the body was read. */
export interface Answer {
  status: number;
  ms: number;
  body: string;
  contentType: string | null;
}

/**
 * One platform's side of the benchmark: its fake API (started in this process), the bot's environment, and how a
 * command is built and sent the way that platform sends it. Everything else is the shared loop in measureAckLatency.
 */
interface CommandPlatform {
  readonly name: PlatformName;
  /** The bot's environment on 127.0.0.1:`port`, configured for this platform only. */
  env(port: number, databasePath: string): Record<string, string>;
  /** Sends `text` as client `c` (1-based) to the bot at `base`, its reply to go to the response_url of `id`. */
  send(base: string, c: number, text: string, id: string): Promise<Answer>;
  readonly replies: ReplyTimes;
  /** Calls the bot made to the fake, and the failed ones by method/path and error. */
  apiCalls(): { total: number; failures: Record<string, number> };
  close(): Promise<void>;
}

export const SLACK_SIGNING_SECRET = 'bench-signing-secret';
const SLACK_GENERAL = 'CGENERAL';

/** POSTs a signed form body on a keep-alive agent; resolves when the answer's body has been read. */
export function postSlack(agent: Agent, url: string, body: string): Promise<Answer> {
  return postOn(agent, url, body, { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SLACK_SIGNING_SECRET, body) });
}

/**
 * POSTs `body` with `headers` on a keep-alive agent (node:http, as both platforms' senders keep connections open);
 * resolves when the answer's body has been read. Both platforms' clients send through this, so the load generator
 * costs the same per request whichever bot it measures.
 */
function postOn(agent: Agent, url: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body: Buffer.concat(chunks).toString('utf8'), contentType: res.headers['content-type'] ?? null }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Slack over HTTP: signed `/incident` commands to /slack/events, replies to a ReplySink. */
async function slackPlatform(clients: number): Promise<CommandPlatform> {
  const slack = await FakeSlackApi.start();
  slack.addChannel({ id: 'CANNOUNCE', name: 'incidents' });
  slack.addChannel({ id: SLACK_GENERAL, name: 'general' });
  const sink = await ReplySink.start();
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  return {
    name: 'slack',
    env: (port, databasePath) => sitroomEnv({ port, databasePath, slackApiUrl: `${slack.url}/api/`, signingSecret: SLACK_SIGNING_SECRET }),
    send: async (base, c, text, id) => {
      const answer = await postSlack(agent, `${base}/slack/events`, slashCommandBody({ text, userId: `UBENCH${c}`, channelId: SLACK_GENERAL, responseUrl: sink.responseUrl(id) }));
      noteReplyInAck(sink.times, id, answer);
      return answer;
    },
    replies: sink.times,
    apiCalls: () => {
      const failures: Record<string, number> = {};
      for (const call of slack.calls) {
        if (call.response.ok) continue;
        const key = `${call.method}:${call.response.error ?? '?'}`;
        failures[key] = (failures[key] ?? 0) + 1;
      }
      return { total: slack.calls.length, failures };
    },
    close: async () => {
      agent.destroy();
      await sink.close();
      await slack.close();
    },
  };
}

const MM_BOT_TOKEN = 'bench-bot-token';
const MM_COMMAND_TOKEN = 'bench-command-token';
const MM_ANNOUNCE = 'incidents';
/** How long a reply may take before the fake's wait for it gives up (the phase's settle() stops waiting sooner). */
const MM_REPLY_WAIT_MS = 120_000;

/**
 * Mattermost: `/incident` as Mattermost's server sends it (slashCommandForm + postForm: form body with the command
 * token, `Authorization: Token`), from `clients` seeded users in town-square; replies go to the fake's response_url.
 */
async function mattermostPlatform(clients: number): Promise<CommandPlatform> {
  const mm = await FakeMattermostApi.start({ token: MM_BOT_TOKEN });
  const users = Array.from({ length: clients }, (_, c) => mm.addUser(fakeMattermostId(`benchuser${c + 1}`), `benchuser${c + 1}`));
  const members = users.map((u) => u.id);
  const townSquare = mm.addChannel({ name: 'town-square', members });
  mm.addChannel({ name: MM_ANNOUNCE, members });
  const replies = new ReplyTimes();
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  return {
    name: 'mattermost',
    env: (port, databasePath) =>
      mattermostEnv({ port, databasePath, url: mm.url, botToken: MM_BOT_TOKEN, team: mm.team.name, commandToken: MM_COMMAND_TOKEN, announceChannel: MM_ANNOUNCE }),
    send: async (base, c, text, id) => {
      const user = users[(c - 1) % users.length] ?? users[0];
      if (!user) throw new Error('no Mattermost users seeded');
      // Noted the moment the fake records the reply (its waiters are re-checked synchronously on every recording).
      mm.waitForResponse(id, MM_REPLY_WAIT_MS).then(
        () => replies.arrived(id),
        () => undefined,
      );
      const form = slashCommandForm({
        text,
        userId: user.id,
        userName: user.username,
        channelId: townSquare.id,
        channelName: townSquare.name,
        token: MM_COMMAND_TOKEN,
        responseUrl: mm.responseUrl(id),
      });
      const reply = await postOn(agent, `${base}/mattermost/command`, form.body, form.headers);
      // The server shows a reply in the answer's body (the waiter above notes it).
      mm.commandAnswered(id, reply);
      return reply;
    },
    replies,
    apiCalls: () => {
      const failures: Record<string, number> = {};
      for (const call of mm.calls) {
        if (call.status < 400) continue;
        const error = typeof call.response === 'object' && call.response !== null ? String((call.response as { id?: unknown }).id ?? '?') : String(call.response);
        const key = `${call.method} ${call.path.replace(/[a-z0-9]{26}/g, '{id}')}:${error.trim()}`;
        failures[key] = (failures[key] ?? 0) + 1;
      }
      return { total: mm.calls.length, failures };
    },
    close: async () => {
      agent.destroy();
      await mm.close();
    },
  };
}

interface Sent {
  id: string;
  kind: Kind;
  sentAt: number;
  ackMs: number;
  status: number;
}

/** The ack benchmark against a bot configured for `platformName` only. */
export async function measureAckLatency(opts: AckOptions, platformName: PlatformName = 'slack'): Promise<AckResult> {
  const dir = tempDir(platformName === 'slack' ? 'ack' : 'mm-ack');
  const platform = platformName === 'slack' ? await slackPlatform(opts.clients) : await mattermostPlatform(opts.clients);
  const kinds = opts.kinds ?? KINDS;
  let proc: Spawned | undefined;
  try {
    const port = await freePort();
    proc = spawnNode(MAIN_ARGS, platform.env(port, join(dir, 'sitroom.db')));
    const bot = proc;
    const base = `http://127.0.0.1:${port}`;
    await waitHealthy(proc, base);
    const replies = platform.replies;

    let seq = 0;
    let declared = 0;
    const errors: string[] = [];

    /** Sends the next command in the rotation as client `c`; records it into `into` when given. */
    const sendOne = async (c: number, into: Sent[] | undefined) => {
      const i = seq++;
      const kind = kinds[i % kinds.length] ?? 'help';
      const text = kind === 'declare' ? `declare sev3 Bench ${++declared}` : kind;
      const id = `q${i}`;
      const sentAt = performance.now();
      try {
        const res = await platform.send(base, c, text, id);
        into?.push({ id, kind, sentAt, ackMs: res.ms, status: res.status });
        if (res.status !== 200 && errors.length < 5) errors.push(`HTTP ${res.status}: ${res.body.slice(0, 200)}`);
      } catch (e) {
        if (errors.length < 5) errors.push(String(e));
        into?.push({ id, kind, sentAt, ackMs: Number.NaN, status: 0 });
      }
    };

    /** `count` requests over `opts.clients` closed loops, stopping early after `maxMs`. */
    const closedLoop = async (count: number, into: Sent[] | undefined, maxMs = Number.POSITIVE_INFINITY) => {
      let issued = 0;
      const deadline = performance.now() + maxMs;
      const client = async (c: number) => {
        while (issued < count && performance.now() < deadline) {
          issued += 1;
          await sendOne(c, into);
        }
      };
      await Promise.all(Array.from({ length: opts.clients }, (_, c) => client(c + 1)));
      return issued < count;
    };

    /** `count` requests at a fixed rate, whether or not earlier ones have been answered (an open loop). */
    const paced = async (count: number, ratePerSecond: number, into: Sent[]) => {
      const started = performance.now();
      const inFlight: Promise<void>[] = [];
      for (let k = 0; k < count; k++) {
        const wait = started + (k * 1000) / ratePerSecond - performance.now();
        if (wait > 0) await sleep(wait);
        inFlight.push(sendOne((k % opts.clients) + 1, into));
      }
      await Promise.all(inFlight);
    };

    /** Runs a phase and summarises what the clients saw, the replies, and who used the CPU meanwhile. */
    const measure = async (run: (into: Sent[]) => Promise<boolean>): Promise<PhaseResult> => {
      const sent: Sent[] = [];
      const started = performance.now();
      const botBefore = cpuMs(bot.pid);
      const benchBefore = process.cpuUsage();
      const machineBefore = machineBusyMs();
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const stoppedEarly = await run(sent);
      loop.disable();
      const elapsed = performance.now() - started;
      const botUsed = cpuMs(bot.pid) - botBefore;
      const benchUsage = process.cpuUsage(benchBefore);
      const benchUsed = (benchUsage.user + benchUsage.system) / 1000;
      const othersUsed = Math.max(0, machineBusyMs() - machineBefore - botUsed - benchUsed);
      await replies.settle(sent.map((s) => s.id));
      const replyMs = sent.flatMap((s) => {
        const at = replies.arrivedAt.get(s.id);
        return at === undefined ? [] : [at - s.sentAt];
      });
      const ok = sent.filter((s) => s.status === 200);
      const pct = (used: number) => (used / elapsed) * 100;
      return {
        ack: summarize(ok.map((s) => s.ackMs)),
        byKind: Object.fromEntries(kinds.map((k) => [k, summarize(ok.filter((s) => s.kind === k).map((s) => s.ackMs))])),
        reply: summarize(replyMs),
        repliesMissing: sent.length - replyMs.length,
        requestsPerSecond: (sent.length / elapsed) * 1000,
        non200: sent.length - ok.length,
        cpu: { bot: pct(botUsed), bench: pct(benchUsed), others: pct(othersUsed), botMsPerRequest: botUsed / Math.max(1, sent.length) },
        benchLoopDelay: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
        stoppedEarly,
      };
    };

    await closedLoop(opts.warmup, undefined);
    await replies.settle([...Array(seq).keys()].map((i) => `q${i}`));
    const pacedResult =
      opts.pacedRequests > 0
        ? await measure(async (into) => {
            await paced(opts.pacedRequests, opts.pacedRate, into);
            return false;
          })
        : undefined;
    const saturated = await measure((into) => closedLoop(opts.requests, into, opts.maxSeconds * 1000));

    const api = platform.apiCalls();
    const shutdown = await stopProcess(proc);
    return {
      platform: platform.name,
      paced: pacedResult,
      saturated,
      errors,
      apiCalls: api.total,
      apiFailures: api.failures,
      declared,
      shutdown,
      botOutput: proc.output.join(''),
    };
  } finally {
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) await stopProcess(proc, 2000).catch(() => undefined);
    await platform.close();
    removeTempDir(dir);
  }
}

/** The table's section label for each platform's ack benchmark. */
export const ACK_SECTION: Readonly<Record<PlatformName, string>> = { slack: 'ack latency', mattermost: 'mm-ack latency' };

/** How long the platform waits for the acknowledgement before it shows the user an error. */
const GIVES_UP_MS: Readonly<Record<PlatformName, { ms: number; who: string }>> = {
  slack: { ms: 3000, who: 'Slack' },
  // ServiceSettings.OutgoingIntegrationRequestsTimeout, 30 s by default.
  mattermost: { ms: 30_000, who: 'Mattermost' },
};

function phaseRows(platform: PlatformName, label: string, p: PhaseResult, withTarget: boolean): Row[] {
  const s = ACK_SECTION[platform];
  const limit = GIVES_UP_MS[platform];
  const rows: Row[] = [
    { section: s, metric: `${label}: ack p50`, value: ms(p.ack.p50), target: '-' },
    { section: s, metric: `${label}: ack p99`, value: ms(p.ack.p99), target: withTarget ? '<= 50 ms' : '-', ...(withTarget && { pass: p.ack.p99 <= 50 }) },
    { section: s, metric: `${label}: ack max`, value: ms(p.ack.max), target: `< ${limit.ms} ms (${limit.who})`, pass: p.ack.max < limit.ms },
    { section: s, metric: `${label}: throughput`, value: `${Math.round(p.requestsPerSecond)} req/s`, target: '-' },
  ];
  for (const [kind, sum] of Object.entries(p.byKind)) {
    if (sum) rows.push({ section: s, metric: `${label}:   ${kind} ack p50 / p99`, value: `${ms(sum.p50)} / ${ms(sum.p99)}`, target: '-' });
  }
  rows.push(
    {
      section: s,
      metric: `${label}: CPU bot / bench / other procs`,
      value: `${p.cpu.bot.toFixed(0)}% (${ms(p.cpu.botMsPerRequest)}/req) / ${p.cpu.bench.toFixed(0)}% / ${p.cpu.others.toFixed(0)}%`,
      target: '-',
    },
    { section: s, metric: `${label}: bench event-loop delay p99 / max`, value: `${ms(p.benchLoopDelay.p99)} / ${ms(p.benchLoopDelay.max)}`, target: '-' },
    { section: s, metric: `${label}: reply (in the ack or at response_url) p50 / p99`, value: `${ms(p.reply.p50)} / ${ms(p.reply.p99)}`, target: '-' },
    {
      section: s,
      metric: `${label}: replies received`,
      value: `${p.reply.n} of ${p.reply.n + p.repliesMissing}`,
      target: 'all',
      pass: p.repliesMissing === 0,
    },
  );
  return rows;
}

export function ackRows(r: AckResult, opts: AckOptions): Row[] {
  const s = ACK_SECTION[r.platform];
  const sat = r.saturated;
  const sent = sat.ack.n + sat.non200;
  const rows: Row[] = [];
  if (r.paced) {
    rows.push(
      { section: s, metric: 'paced (open loop): requests', value: `${r.paced.ack.n} x 200 at ${opts.pacedRate}/s, ${r.paced.non200} other`, target: 'all 200', pass: r.paced.non200 === 0 },
      ...phaseRows(r.platform, `paced ${opts.pacedRate}/s`, r.paced, false),
    );
  }
  rows.push(
    {
      section: s,
      metric: `${opts.clients} closed-loop clients: requests`,
      value: `${sat.ack.n} x 200, ${sat.non200} other${sat.stoppedEarly ? ` (stopped at ${opts.maxSeconds} s: ${sent} of ${opts.requests})` : ''}`,
      target: `${opts.requests}, all 200`,
      pass: sat.non200 === 0 && !sat.stoppedEarly,
    },
    ...phaseRows(r.platform, `${opts.clients} clients`, sat, true),
  );
  // node-cron logs these when a tick is still running at the next slot, or the event loop was too busy to fire it
  // within 1 s: either way the slot is skipped, so due reminders wait another tick.
  const skipped = (r.botOutput.match(/new execution blocked|missed execution/g) ?? []).length;
  rows.push({
    section: s,
    metric: 'scheduler slots skipped meanwhile (node-cron)',
    value: String(skipped),
    target: '0',
    pass: skipped === 0,
  });
  rows.push({
    section: s,
    metric: 'SIGTERM -> exit',
    value: r.shutdown ? `code ${r.shutdown.code ?? r.shutdown.signal} in ${ms(r.shutdown.ms)}${r.shutdown.killed ? ' (SIGKILLed)' : ''}` : 'n/a',
    target: 'code 0, < 10 s',
    pass: r.shutdown !== undefined && r.shutdown.code === 0 && !r.shutdown.killed,
  });
  return rows;
}

/** What the table cannot show: request errors, the bot's calls to the fake API, and what the bot logged. */
export function ackNotes(r: AckResult): string[] {
  const s = ACK_SECTION[r.platform];
  const notes: string[] = [];
  if (r.errors.length) notes.push(`${s}: request errors (first ${r.errors.length}):\n  ${r.errors.join('\n  ')}`);
  const failures = Object.entries(r.apiFailures);
  const api = r.platform === 'slack' ? 'Slack' : 'Mattermost';
  notes.push(
    `${s}: the bot made ${r.apiCalls} ${api} API calls to the fake${failures.length ? `; failed: ${failures.map(([k, v]) => `${k} x${v}`).join(', ')}` : ', none failed'}; ${r.declared} incidents were declared, so \`list\` counted up to that many open (and showed the 25 newest).`,
  );
  const logged = r.botOutput.trim().split('\n').filter(Boolean);
  if (logged.length) {
    const shown = logged.slice(0, 8).map((l) => (l.length > 300 ? `${l.slice(0, 300)}… (${l.length} chars)` : l));
    notes.push(`${s}: the bot logged ${logged.length} line(s) at LOG_LEVEL=warn, first ${shown.length}:\n${shown.join('\n')}`);
  }
  return notes;
}
