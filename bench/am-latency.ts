/**
 * From Alertmanager's delivery to the alert card: the real Prometheus Alertmanager (test/fakes/alertmanager-process.ts,
 * group_wait 1s, group_interval 1s) delivers to a small node:http proxy in this process, which notes when each
 * delivery arrives and forwards it to the real sitroom (`node dist/main.js`) at POST /alertmanager; the FakeSlackApi
 * notes when the card's chat.postMessage arrives. Latency = card posted − delivery arrived at the proxy (so it
 * includes one local proxy hop). Groups (one alertname each) are pushed one after another, each once the card of the
 * one before was posted.
 */
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { alertmanagerBinary, AlertmanagerProcess } from '../test/fakes/alertmanager-process.ts';
import { FakeSlackApi } from '../test/fakes/fake-slack-api.ts';
import { freePort, MAIN_ARGS, removeTempDir, sitroomEnv, spawnNode, stopProcess, tempDir, waitHealthy, type Spawned } from './processes.ts';
import { ms, type Row, summarize, type Summary } from './stats.ts';

const ALERTS_CHANNEL = 'CALERTS';

export interface AmLatencyOptions {
  groups: number;
  /** How long to wait for each card before giving up on it. */
  cardTimeoutMs: number;
}

export interface AmLatencyResult {
  alertmanager: string;
  /** Delivery arrived at the proxy -> chat.postMessage of the card arrived at the fake Slack. */
  latency: Summary;
  /** Alert pushed to Alertmanager -> its delivery arrived (group_wait and Alertmanager's own work). */
  pushToDelivery: Summary;
  /** Delivery arrived at the proxy -> sitroom's 200 back at the proxy. */
  ack: Summary;
  missing: string[];
  deliveries: number;
  statuses: Record<string, number>;
  botOutput: string;
}

/** Notes when each delivery arrives (by alertname), forwards it to `target`, and the time until it was answered. */
class TimestampingProxy {
  readonly arrivals = new Map<string, number>();
  readonly acks: number[] = [];
  readonly statuses: Record<string, number> = {};
  deliveries = 0;
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true });
  readonly url: string;

  private constructor(server: Server, url: string) {
    this.server = server;
    this.url = url;
  }

  static async start(target: string): Promise<TimestampingProxy> {
    const server = createServer();
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const proxy = new TimestampingProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const to = new URL(target);
    server.on('request', (req, res) => {
      const arrived = performance.now();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        proxy.deliveries += 1;
        try {
          const parsed = JSON.parse(body.toString('utf8')) as { groupLabels?: Record<string, string> };
          const name = parsed.groupLabels?.['alertname'];
          if (name && !proxy.arrivals.has(name)) proxy.arrivals.set(name, arrived);
        } catch {
          // forwarded as it is; sitroom answers 400
        }
        const headers = { ...req.headers, host: to.host, 'content-length': String(body.length) };
        const out = request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers, agent: proxy.agent }, (answer) => {
          const back: Buffer[] = [];
          answer.on('data', (c: Buffer) => back.push(c));
          answer.on('end', () => {
            proxy.acks.push(performance.now() - arrived);
            const status = String(answer.statusCode ?? 0);
            proxy.statuses[status] = (proxy.statuses[status] ?? 0) + 1;
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(back));
          });
        });
        out.on('error', (err) => {
          proxy.statuses['error'] = (proxy.statuses['error'] ?? 0) + 1;
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(String(err));
        });
        out.end(body);
      });
    });
    return proxy;
  }

  close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

export async function measureAmLatency(opts: AmLatencyOptions): Promise<AmLatencyResult> {
  const binary = alertmanagerBinary();
  if (!binary) throw new Error('Alertmanager not found: install prometheus-alertmanager (apt-get) or put alertmanager on PATH');
  const dir = tempDir('am');
  const slack = await FakeSlackApi.start();
  slack.addChannel({ id: 'CANNOUNCE', name: 'incidents' });
  slack.addChannel({ id: ALERTS_CHANNEL, name: 'alerts' });
  let bot: Spawned | undefined;
  let proxy: TimestampingProxy | undefined;
  let am: AlertmanagerProcess | undefined;
  try {
    const port = await freePort();
    bot = spawnNode(MAIN_ARGS, sitroomEnv({ port, databasePath: join(dir, 'sitroom.db'), slackApiUrl: `${slack.url}/api/`, signingSecret: 'bench', alertsChannel: ALERTS_CHANNEL }));
    await waitHealthy(bot, `http://127.0.0.1:${port}`);
    proxy = await TimestampingProxy.start(`http://127.0.0.1:${port}`);
    am = await AlertmanagerProcess.start({ webhookUrl: `${proxy.url}/alertmanager`, groupWait: '1s', groupInterval: '1s' });

    const latencies: number[] = [];
    const pushToDelivery: number[] = [];
    const missing: string[] = [];
    for (let i = 0; i < opts.groups; i++) {
      const name = `AmLatency${String(i).padStart(3, '0')}`;
      const card = slack.waitFor(
        'chat.postMessage',
        (c) => c.args['channel'] === ALERTS_CHANNEL && typeof c.args['text'] === 'string' && c.args['text'].includes(name),
        opts.cardTimeoutMs,
      );
      const posted = card.then(() => performance.now());
      posted.catch(() => undefined); // handled below; must not be an unhandled rejection if pushAlerts throws first
      const pushed = performance.now();
      await am.pushAlerts([
        {
          labels: { alertname: name, service: 'bench', severity: 'critical', instance: 'host-1:9100' },
          annotations: { summary: `${name} is firing`, runbook_url: 'https://runbooks.example.com/bench' },
          generatorURL: 'http://prometheus.example:9090/graph',
        },
      ]);
      let postedAt: number;
      try {
        postedAt = await posted;
      } catch {
        missing.push(name);
        continue;
      }
      const arrived = proxy.arrivals.get(name);
      if (arrived === undefined) {
        missing.push(`${name} (card without a delivery?)`);
        continue;
      }
      latencies.push(postedAt - arrived);
      pushToDelivery.push(arrived - pushed);
    }
    const shutdown = await stopProcess(bot);
    if (shutdown.code !== 0) missing.push(`sitroom exited with ${shutdown.code ?? shutdown.signal}`);
    return {
      alertmanager: binary,
      latency: summarize(latencies),
      pushToDelivery: summarize(pushToDelivery),
      ack: summarize(proxy.acks),
      missing,
      deliveries: proxy.deliveries,
      statuses: { ...proxy.statuses },
      botOutput: bot.output.join(''),
    };
  } finally {
    await am?.stop();
    await proxy?.close();
    if (bot) await stopProcess(bot, 2000).catch(() => undefined);
    await slack.close();
    removeTempDir(dir);
  }
}

export function amLatencyRows(r: AmLatencyResult, opts: AmLatencyOptions): Row[] {
  const s = 'am-latency';
  const l = r.latency;
  const statusText = Object.entries(r.statuses)
    .map(([k, v]) => `${v} x ${k}`)
    .join(', ');
  return [
    {
      section: s,
      metric: `cards posted (real Alertmanager, group_wait 1s)`,
      value: `${l.n} of ${opts.groups}${r.missing.length ? ` (missing: ${r.missing.slice(0, 3).join(', ')})` : ''}; ${r.deliveries} deliveries answered ${statusText || 'nothing'}`,
      target: 'all',
      pass: r.missing.length === 0 && l.n === opts.groups,
    },
    { section: s, metric: 'delivery -> card chat.postMessage p50 / p99 / max', value: `${ms(l.p50)} / ${ms(l.p99)} / ${ms(l.max)}`, target: 'p99 <= 200 ms', pass: l.p99 <= 200 },
    { section: s, metric: '  delivery -> sitroom 200 (via proxy) p50 / max', value: `${ms(r.ack.p50)} / ${ms(r.ack.max)}`, target: '-' },
    { section: s, metric: '  alert pushed -> delivery (group_wait) p50 / max', value: `${ms(r.pushToDelivery.p50)} / ${ms(r.pushToDelivery.max)}`, target: '-' },
  ];
}
