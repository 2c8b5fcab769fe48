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
  it('saves a publication with its public updates and timeline entries, in one transaction', () => {
    const incident = incidents.create(anIncident({ number: 0 }), []);
    expect(store.publicationOf(incident.number)).toBeUndefined();
    const before = store.version();
    store.mutatePublication(incident.number, (p) => publish(incident, p, 'Checkout is slow', 'alice', T0, 'abc123'));
    store.mutatePublication(incident.number, (p) => postPublicUpdate(incident, p, 'Fix rolling out', 'bob', T0 + MINUTE));
    store.mutatePublication(incident.number, (p) => setComponents(incident, p, ['api'], 'bob', T0 + MINUTE));
    expect(store.version()).not.toBe(before);
    expect(store.publicationOf(incident.number)).toEqual({
      incidentNumber: incident.number,
      publicId: 'abc123',
      title: 'Checkout is slow',
      impact: null,
      components: ['api'],
      publishedAt: T0,
      publishedBy: 'alice',
      live: true,
      updates: [{ text: 'Fix rolling out', at: T0 + MINUTE, by: 'bob' }],
    });
    expect(incidents.timeline(incident.number).map((e) => [e.kind, e.actor])).toEqual([
      ['published', 'alice'],
      ['public_update_posted', 'bob'],
      ['public_components_changed', 'bob'],
    ]);
    expect(store.livePublications(10).map((p) => p.incidentNumber)).toEqual([incident.number]);
  });

  it('keeps the row when taken down (not live), and writes nothing when a rule refuses', () => {
    const incident = incidents.create(anIncident({ number: 0 }), []);
    store.mutatePublication(incident.number, (p) => publish(incident, p, 'A', 'alice', T0, 'id1'));
    store.mutatePublication(incident.number, (p) => unpublish(incident, p, 'alice', T0));
    expect(store.publicationOf(incident.number)?.live).toBe(false);
    expect(store.livePublications(10)).toEqual([]);
    expect(() => store.mutatePublication(incident.number, (p) => postPublicUpdate(incident, p, 'x', 'a', T0))).toThrow('not_published');
    expect(incidents.timeline(incident.number)).toHaveLength(2);
  });
});
