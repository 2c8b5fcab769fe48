/**
 * vitest globalSetup: one PostgreSQL per test run for the store contract suite (test/storage/contract), or the
 * server SITROOM_TEST_PG_URL names. Tests read the URL with inject('pgAdminUrl') and create their own databases.
 */
import type { TestProject } from 'vitest/node';
import { startPgCluster } from './support/pg-cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const existing = process.env['SITROOM_TEST_PG_URL'];
  if (existing) {
    project.provide('pgAdminUrl', existing);
    return undefined;
  }
  const cluster = await startPgCluster();
  process.stderr.write(`PostgreSQL for the tests started in ${cluster.startMs} ms\n`);
  project.provide('pgAdminUrl', cluster.url);
  return () => cluster.stop();
}
