/**
 * Time from spawn to the first 200 from /healthz, and idle RSS after ~2 s, for what `npm start` runs once its
 * prestart build is done: `node dist/main.js` (run-all builds dist/ first). `npm run dev` (tsx, src/main.ts) is
 * measured once more for comparison only.
 */
import { join } from 'node:path';
import { FakeSlackApi } from '../test/fakes/fake-slack-api.ts';
import {
  commOf,
  descendants,
  freePort,
  MAIN_ARGS,
  removeTempDir,
  rssBytes,
  sitroomEnv,
  sleep,
  spawnNode,
  stopProcess,
  tempDir,
  TSX_MAIN_ARGS,
  waitHealthy,
  type Spawned,
} from './processes.ts';
import { mb, median, ms, type Row } from './stats.ts';

export interface StartupOptions {
  runs: number;
  idleMs: number;
  /** Runs of `npm run dev`'s tsx (info only); 0 skips them. */
  tsxRuns: number;
}

interface Run {
  healthyMs: number;
  rss: number;
  /** RSS of descendant processes (none expected), by command name. */
  childRss: number;
  children: string[];
  exitCode: number | null;
}

export interface StartupResult {
  compiled: Run[];
  tsx: Run[];
}

/** Spawns sitroom with `args`, measures spawn -> healthy, idles, reads RSS, stops it. */
async function runSitroom(args: readonly string[], slackUrl: string, idleMs: number): Promise<Run> {
  const dir = tempDir('start');
  let proc: Spawned | undefined;
  try {
    const port = await freePort();
    proc = spawnNode(args, sitroomEnv({ port, databasePath: join(dir, 'sitroom.db'), slackApiUrl: `${slackUrl}/api/`, signingSecret: 'bench' }));
    const healthyMs = await waitHealthy(proc, `http://127.0.0.1:${port}`, { everyMs: 10 });
    await sleep(idleMs);
    const run = measureRss(proc.pid);
    const stopped = await stopProcess(proc);
    return { healthyMs, ...run, exitCode: stopped.code };
  } finally {
    if (proc) await stopProcess(proc, 2000).catch(() => undefined);
    removeTempDir(dir);
  }
}

function measureRss(pid: number): Pick<Run, 'rss' | 'childRss' | 'children'> {
  const kids = descendants(pid);
  return {
    rss: rssBytes(pid),
    childRss: kids.reduce((sum, k) => sum + (rssBytes(k) || 0), 0),
    children: kids.map((k) => `${commOf(k)} ${mb(rssBytes(k))}`),
  };
}

export async function measureStartup(opts: StartupOptions): Promise<StartupResult> {
  const slack = await FakeSlackApi.start();
  try {
    const compiled: Run[] = [];
    for (let i = 0; i < opts.runs; i++) compiled.push(await runSitroom(MAIN_ARGS, slack.url, opts.idleMs));
    const tsx: Run[] = [];
    for (let i = 0; i < opts.tsxRuns; i++) tsx.push(await runSitroom(TSX_MAIN_ARGS, slack.url, opts.idleMs));
    return { compiled, tsx };
  } finally {
    await slack.close();
  }
}

const maxOf = (xs: readonly number[]) => Math.max(...xs);

export function startupRows(r: StartupResult, opts: StartupOptions): Row[] {
  const s = 'startup / memory';
  const c = r.compiled;
  const healthy = c.map((x) => x.healthyMs);
  const rss = c.map((x) => x.rss);
  const tree = c.map((x) => x.rss + x.childRss);
  const exits = c.map((x) => x.exitCode);
  const children = [...new Set(c.flatMap((x) => x.children.map((k) => k.split(' ')[0] ?? '')))];
  const rows: Row[] = [
    {
      section: s,
      metric: `node dist/main.js: spawn -> /healthz 200 (${healthy.length} runs) median / max`,
      value: `${ms(median(healthy))} / ${ms(maxOf(healthy))}`,
      target: '<= 2 s',
      pass: maxOf(healthy) <= 2000,
    },
    {
      section: s,
      metric: `node dist/main.js: idle RSS after ${opts.idleMs / 1000} s median / max`,
      value: `${mb(median(rss))} / ${mb(maxOf(rss))}`,
      target: '<= 120 MB',
      pass: maxOf(rss) <= 120 * 1024 * 1024,
    },
    {
      section: s,
      metric: '  incl. child processes median / max',
      value: `${mb(median(tree))} / ${mb(maxOf(tree))}${children.length ? ` (children: ${children.join(', ')})` : ' (no children)'}`,
      target: '-',
    },
    { section: s, metric: '  exit codes after SIGTERM', value: exits.join(', '), target: 'all 0', pass: exits.every((code) => code === 0) },
  ];
  if (r.tsx.length > 0) {
    const t = r.tsx;
    rows.push({
      section: s,
      metric: `for comparison, npm run dev (tsx src/main.ts, ${t.length} run${t.length === 1 ? '' : 's'}): spawn -> 200 / idle RSS, median`,
      value: `${ms(median(t.map((x) => x.healthyMs)))} / ${mb(median(t.map((x) => x.rss)))}`,
      target: '-',
    });
  }
  return rows;
}
