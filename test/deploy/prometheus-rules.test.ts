/**
 * deploy/prometheus/sitroom.rules.yml checked and unit-tested by the real promtool (Debian's `prometheus` package;
 * .ci/run installs it): `promtool check rules` validates syntax and PromQL, `promtool test rules` runs
 * sitroom.rules.test.yml's series through the rules. The metric names must be ones sitroom exports.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url));
const run = promisify(execFile);

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: DIR });
    return stdout + stderr;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (err.code === 'ENOENT') throw new Error('promtool not found: install Debian’s prometheus package (.ci/run does)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

describe('deploy/prometheus/sitroom.rules.yml', () => {
  it('passes promtool check rules', async () => {
    expect(await promtool('check', 'rules', 'sitroom.rules.yml')).toMatch(/SUCCESS: 3 rules found/);
  });

  it('passes its promtool unit tests', async () => {
    expect(await promtool('test', 'rules', 'sitroom.rules.test.yml')).toMatch(/SUCCESS/);
  });

  // The outbox gauge is exported by the chat outbox (src/), the others by src/web/metrics.ts.
  it('uses only metrics sitroom exports', () => {
    const rules = readFileSync(`${DIR}sitroom.rules.yml`, 'utf8');
    const used = new Set(rules.match(/\bsitroom_[a-z_]+/g));
    const metrics = readFileSync(fileURLToPath(new URL('../../src/web/metrics.ts', import.meta.url)), 'utf8');
    expect([...used].sort()).toEqual(['sitroom_alertmanager_deliveries_total', 'sitroom_outbox_oldest_pending_age_seconds', 'sitroom_updates_overdue']);
    for (const name of used) if (name !== 'sitroom_outbox_oldest_pending_age_seconds') expect(metrics).toContain(`'${name}'`);
  });
});
