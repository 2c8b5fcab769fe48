import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postPublicUpdate, publish, setComponents, unpublish } from '../../src/incidents/publication.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteIncidentStore } from '../../src/storage/sqlite-incident-store.ts';
import { SqlitePublicationStore } from '../../src/storage/sqlite-publication-store.ts';
import { MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';

let db: Db;
let incidents: SqliteIncidentStore;
let store: SqlitePublicationStore;
beforeEach(() => {
  db = openDatabase(':memory:');
  incidents = new SqliteIncidentStore(db);
  store = new SqlitePublicationStore(db);
});
afterEach(() => db.$client.close());

describe('SqlitePublicationStore (migration 0005)', () => {
  it('saves a publication with its public updates and timeline entries, in one transaction', async () => {
    const incident = await incidents.create(anIncident({ number: 0 }), []);
    expect(await store.publicationOf(incident.number)).toBeUndefined();
    const before = await store.version();
    await store.mutatePublication(incident.number, (p) => publish(incident, p, 'Checkout is slow', 'alice', T0, 'abc123'));
    await store.mutatePublication(incident.number, (p) => postPublicUpdate(incident, p, 'Fix rolling out', 'bob', T0 + MINUTE));
    await store.mutatePublication(incident.number, (p) => setComponents(incident, p, ['api'], 'bob', T0 + MINUTE));
    expect(await store.version()).not.toBe(before);
    expect(await store.publicationOf(incident.number)).toEqual({
      incidentNumber: incident.number,
      publicId: 'abc123',
      title: 'Checkout is slow',
      impact: null,
      components: ['api'],
      publishedAt: T0,
      publishedBy: 'alice',
      changedAt: T0 + MINUTE,
      live: true,
      updates: [{ text: 'Fix rolling out', at: T0 + MINUTE, by: 'bob' }],
    });
    expect((await incidents.timeline(incident.number)).map((e) => [e.kind, e.actor])).toEqual([
      ['published', 'alice'],
      ['public_update_posted', 'bob'],
      ['public_components_changed', 'bob'],
    ]);
    expect((await store.livePublications(10)).map((p) => p.incidentNumber)).toEqual([incident.number]);
  });

  it('keeps the row when taken down (not live), and writes nothing when a rule refuses', async () => {
    const incident = await incidents.create(anIncident({ number: 0 }), []);
    await store.mutatePublication(incident.number, (p) => publish(incident, p, 'A', 'alice', T0, 'id1'));
    await store.mutatePublication(incident.number, (p) => unpublish(incident, p, 'alice', T0));
    expect((await store.publicationOf(incident.number))?.live).toBe(false);
    expect(await store.livePublications(10)).toEqual([]);
    await expect(store.mutatePublication(incident.number, (p) => postPublicUpdate(incident, p, 'x', 'a', T0))).rejects.toThrow('not_published');
    expect(await incidents.timeline(incident.number)).toHaveLength(2);
  });
});
