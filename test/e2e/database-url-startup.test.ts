/** The start path with DATABASE_URL: the real process, a bad or unreachable PostgreSQL, one line naming the variable. */
import { describe, expect, inject, it } from 'vitest';
import { freePort, runToExit } from './bot-process.ts';

describe('starting sitroom with DATABASE_URL', () => {
  it('stops on an unreachable server with one line naming DATABASE_URL, without the password or a stack trace', async () => {
    const run = await runToExit({ DATABASE_URL: `postgres://sitroom:Tr0ub4dor-3@127.0.0.1:${await freePort()}/sitroom` });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('sitroom cannot start: 1 problem in the configuration');
    expect(run.stderr).toMatch(/ {2}- DATABASE_URL: cannot open postgres:\/\/sitroom:\*\*\*@127\.0\.0\.1:\d+\/sitroom: .*ECONNREFUSED/);
    expect(run.stderr).not.toContain('Tr0ub4dor');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('stops on a database that does not exist', async () => {
    const url = new URL(inject('pgAdminUrl'));
    url.pathname = '/missing_db';
    url.password = 'Tr0ub4dor-3';
    const run = await runToExit({ DATABASE_URL: url.toString() });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('- DATABASE_URL: cannot open');
    expect(run.stderr).toContain('database "missing_db" does not exist');
    expect(run.stderr).not.toContain('Tr0ub4dor');
  }, 30_000);

  it('refuses a malformed URL before connecting, without echoing it', async () => {
    const run = await runToExit({ DATABASE_URL: 'postgres//sitroom:Tr0ub4dor-3@db' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('- DATABASE_URL: must be a PostgreSQL URL');
    expect(run.stderr).not.toContain('Tr0ub4dor');
  }, 30_000);
});
