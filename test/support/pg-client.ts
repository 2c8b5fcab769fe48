/** One connection to the test cluster (test/pg-global-setup.ts) for a piece of work, then closed. */
import pg from 'pg';
import { inject } from 'vitest';

export async function withPgClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The URL of database `name` on the test cluster. */
export function pgDatabaseUrl(name: string): string {
  const url = new URL(inject('pgAdminUrl'));
  url.pathname = `/${name}`;
  return url.toString();
}
