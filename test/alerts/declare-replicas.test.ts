/**
 * Declare on the same alert group clicked on two replicas at once (two processes on one SQLite file): one incident,
 * linked to the group; the other click is told the group is already linked. Each replica's own `exclusive` lock
 * and its read of the group could not see the other replica, so both used to declare.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IncidentError } from '../../src/incidents/errors.ts';
import { type AlertHarness, alertHarness } from '../fakes/alert-harness.ts';
import { fixturePayload } from '../fakes/alert-fixtures.ts';

const harnesses: AlertHarness[] = [];
let dir: string | undefined;
afterEach(() => {
  for (const h of harnesses.splice(0)) h.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Declare from an alert on two replicas', () => {
  it('declares one incident when both replicas declare the same group at once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sitroom-declare-'));
    const a = alertHarness({ databasePath: join(dir, 'sitroom.db') });
    const b = alertHarness({ databasePath: join(dir, 'sitroom.db') });
    harnesses.push(a, b);
    const id = (await a.alerts.ingest(fixturePayload('alertmanager-group-2-firing'))).group.id;

    const results = await Promise.allSettled([a.alerts.declareIncident(id, 'alice', 'slack'), b.alerts.declareIncident(id, 'bob', 'slack')]);

    const declared = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.incident.number] : []));
    expect(declared).toEqual([1]);
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(IncidentError);
    expect((refused[0] as IncidentError).code).toBe('already_linked');
    expect(a.db.$client.prepare('SELECT COUNT(*) AS n FROM incidents').get()).toEqual({ n: 1 });
    expect((await a.store.group(id))?.incidentNumber).toBe(1);
  });
});
