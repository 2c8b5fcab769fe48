/**
 * "Storm": one Alertmanager delivery of ALERTMANAGER_MAX_BODY_MB's documented size (80,000 alerts, ~54 MB) to the
 * real sitroom (`node dist/main.js`), while /healthz is asked every 10 ms on another connection: how long other
 * requests wait while the storm is read, parsed (in a worker thread) and stored (on the main thread, in slices), and
 * in the seconds after it was answered (the group's card view). The unit test
 * (test/web/alertmanager-webhook.test.ts) bounds the same thing loosely; this is the strict figure.
 */
import { join } from 'node:path';
import { FakeSlackApi } from '../test/fakes/fake-slack-api.ts';
import { stormBody } from '../test/fakes/alert-fixtures.ts';
import { freePort, MAIN_ARGS, removeTempDir, sitroomEnv, spawnNode, stopProcess, tempDir, waitHealthy } from './processes.ts';
import { ms, type Row, summarize } from './stats.ts';

export interface StormOptions {
  alerts: number;
  /** How often /healthz is asked while the storm is delivered. */
  probeEveryMs: number;
  /** How long /healthz is still asked after the storm was answered (the card work that follows it). */
  afterMs: number;
}

export interface StormResult {
  bodyBytes: number;
  status: number;
  ackMs: number;
  /** /healthz answer times while the storm was in flight. */
  health: number[];
  /** /healthz answer times in the `afterMs` after the storm was answered. */
  healthAfter: number[];
  /** /healthz probes that got no answer (refused, reset), with what sitroom printed. */
  failures: string[];
  botOutput: string;
}

export async function measureWebhookStorm(opts: StormOptions): Promise<StormResult> {
  const body = stormBody(opts.alerts);
  const dir = tempDir('sitroom-storm-');
  const slack = await FakeSlackApi.start();
  slack.addChannel({ id: 'CANNOUNCE', name: 'incidents' });
  const port = await freePort();
  const bot = spawnNode(MAIN_ARGS, sitroomEnv({ port, databasePath: join(dir, 'sitroom.db'), slackApiUrl: `${slack.url}/api/`, signingSecret: 'bench' }));
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitHealthy(bot, base);
    // Warm the health route and the webhook (a small delivery) first.
    for (let i = 0; i < 20; i++) await fetch(`${base}/healthz`).then((r) => r.arrayBuffer());
    let answered = false;
    let done = false;
    const health: number[] = [];
    const healthAfter: number[] = [];
    const failures: string[] = [];
    const probe = (async () => {
      while (!done) {
        const t0 = performance.now();
        const during = !answered;
        try {
          await fetch(`${base}/healthz`).then((r) => r.arrayBuffer());
          (during ? health : healthAfter).push(performance.now() - t0);
        } catch (error) {
          // Counted, not thrown: a probe that fails must not end the bench before it says why.
          failures.push(`${during ? 'during' : 'after'} the storm: ${String((error as { cause?: unknown }).cause ?? error)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, opts.probeEveryMs));
      }
    })();
    const t0 = performance.now();
    const res = await fetch(`${base}/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    const ackMs = performance.now() - t0;
    answered = true;
    await new Promise((resolve) => setTimeout(resolve, opts.afterMs));
    done = true;
    await probe;
    return { bodyBytes: body.length, status: res.status, ackMs, health, healthAfter, failures, botOutput: bot.output.join('') };
  } finally {
    await stopProcess(bot);
    await slack.close();
    removeTempDir(dir);
  }
}

export function stormRows(r: StormResult, opts: StormOptions): Row[] {
  const s = 'webhook-storm';
  const h = summarize(r.health);
  const a = summarize(r.healthAfter);
  return [
    { section: s, metric: 'delivery', value: `${opts.alerts} alerts, ${(r.bodyBytes / 1e6).toFixed(1)} MB; /healthz every ${opts.probeEveryMs} ms meanwhile`, target: '-' },
    { section: s, metric: 'storm answered', value: `${r.status} in ${ms(r.ackMs)}`, target: '200', pass: r.status === 200 },
    {
      section: s,
      metric: '/healthz probes with no answer',
      value: r.failures.length ? `${r.failures.length}: ${r.failures[0]}; sitroom printed: ${r.botOutput.slice(-500) || '(nothing)'}` : '0',
      target: '0',
      pass: r.failures.length === 0,
    },
    { section: s, metric: '/healthz while the storm is delivered: p50 / p99 / max', value: `${ms(h.p50)} / ${ms(h.p99)} / ${ms(h.max)} (${r.health.length} asked)`, target: 'max <= 50 ms', pass: h.max <= 50 },
    {
      section: s,
      metric: `/healthz in the ${ms(opts.afterMs)} after the 200 (card work): p50 / p99 / max`,
      value: `${ms(a.p50)} / ${ms(a.p99)} / ${ms(a.max)} (${r.healthAfter.length} asked)`,
      target: 'max <= 50 ms',
      pass: a.max <= 50,
    },
  ];
}
