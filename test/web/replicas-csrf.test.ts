/**
 * Two replicas on one database: a form served by one is accepted by the other (the CSRF key comes from the session
 * secret kept in the database, not from a per-process random key), and a stranger's token is still refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SitroomUnderTest } from '../chat/scenarios/sitroom-under-test.ts';
import { signIn, WebClient } from './web-client.ts';

const TOKEN = 'replica-test-token-0123456789abcdef';
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const done of cleanup.reverse()) await done();
  cleanup = [];
});

async function replicas(env: Record<string, string> = {}): Promise<[SitroomUnderTest, SitroomUnderTest]> {
  const dir = mkdtempSync(join(tmpdir(), 'sitroom-replicas-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const started: SitroomUnderTest[] = [];
  for (let i = 0; i < 2; i += 1) {
    const app = new SitroomUnderTest({ DATABASE_PATH: join(dir, 'shared.db'), WEB_AUTH_TOKEN: TOKEN, ...env });
    await app.start();
    cleanup.push(() => app.stop());
    started.push(app);
  }
  return [started[0]!, started[1]!];
}

describe('two replicas on one database', () => {
  it('accept each other’s forms: signed in and handed a token by A, the form posted to B is accepted', async () => {
    const [a, b] = await replicas();
    const cookie = await signIn(a, TOKEN);
    const token = await new WebClient(a, { cookie }).csrf();
    const posted = await new WebClient(b, { cookie }).post('/incidents', { csrf: token, title: 'Replica lag', severity: 'sev2' });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe('/incidents/1');
    expect(await new WebClient(b, { cookie }).csrf()).toBe(token);
  });

  it('still refuse a token that is not theirs', async () => {
    const [a, b] = await replicas();
    const cookie = await signIn(a, TOKEN);
    const posted = await new WebClient(b, { cookie }).post('/incidents', { csrf: 'forged-token', title: 'Replica lag', severity: 'sev2' });
    expect(posted.status).toBe(403);
  });

  it('use SESSION_SECRET when it is set', async () => {
    const [a, b] = await replicas({ SESSION_SECRET: 's'.repeat(40) });
    const cookie = await signIn(a, TOKEN);
    const token = await new WebClient(a, { cookie }).csrf();
    expect(await new WebClient(b, { cookie }).csrf()).toBe(token);
  });
});
