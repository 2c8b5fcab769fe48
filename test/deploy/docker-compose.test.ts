/**
 * docker-compose.yml (README "Running more than one replica"): PostgreSQL, two sitroom replicas behind one address,
 * Alertmanager sending to that address. The Alertmanager configuration passes the real amtool (Debian's
 * prometheus-alertmanager package; .ci/run installs it).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { environment?: Record<string, string>; image?: string; build?: string }>;
};

describe('docker-compose.yml', () => {
  it('runs two identical sitroom replicas on PostgreSQL, with a load balancer naming both', () => {
    const replicas = Object.entries(compose.services).filter(([, s]) => s.build === '.');
    expect(replicas.map(([name]) => name)).toEqual(['sitroom-1', 'sitroom-2']);
    const url = replicas[0]![1].environment?.['DATABASE_URL'] ?? '';
    expect(url).toMatch(/^postgres:\/\/sitroom:\$\{POSTGRES_PASSWORD[^}]*\}@postgres:5432\/sitroom$/);
    expect(replicas[1]![1].environment).toEqual(replicas[0]![1].environment);
    // The URL as compose fills it in is one sitroom accepts.
    expect(loadConfig({ DATABASE_URL: url.replace(/\$\{POSTGRES_PASSWORD[^}]*\}/, 'pw') }).databaseUrl).toBe('postgres://sitroom:pw@postgres:5432/sitroom');
    const lb = readFileSync(join(ROOT, 'deploy/nginx/sitroom-lb.conf'), 'utf8');
    expect(lb).toContain('server sitroom-1:3000;');
    expect(lb).toContain('server sitroom-2:3000;');
    expect(compose.services['postgres']?.image).toMatch(/^postgres:/);
    expect(compose.services['alertmanager']?.image).toMatch(/^prom\/alertmanager:/);
  });

  it('has an Alertmanager configuration amtool accepts, sending to the load balancer', async () => {
    const source = readFileSync(join(ROOT, 'deploy/alertmanager/alertmanager.yml'), 'utf8');
    expect(source).toContain('url: http://sitroom-lb:3000/alertmanager');
    const dir = mkdtempSync(join(tmpdir(), 'sitroom-am-'));
    try {
      writeFileSync(join(dir, 'token'), 'a-webhook-token-of-some-length');
      writeFileSync(join(dir, 'alertmanager.yml'), source.replace('/etc/alertmanager/sitroom-webhook-token', join(dir, 'token')));
      const { stdout } = await promisify(execFile)('amtool', ['check-config', join(dir, 'alertmanager.yml')]);
      expect(stdout).toContain('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
