import { describe, expect, it } from 'vitest';
import type { Publication } from '../../src/incidents/publication.ts';
import { statusDocument } from '../../src/web/public-status.ts';
import { HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';

const publication = (n: number, overrides: Partial<Publication> = {}): Publication => ({
  incidentNumber: n,
  publicId: `pub${n}`,
  title: `Public ${n}`,
  impact: null,
  components: [],
  publishedAt: T0,
  publishedBy: 'alice',
  changedAt: T0,
  live: true,
  updates: [],
  ...overrides,
});

describe('statusDocument', () => {
  it('lists open incidents worst impact first, then resolved ones; the overall state is the worst open impact', () => {
    const doc = statusDocument(
      [
        { incident: anIncident({ number: 1 }, { severity: 'sev3' }), publication: publication(1, { publishedAt: T0 + HOUR }) },
        { incident: anIncident({ number: 2 }, { severity: 'sev1' }), publication: publication(2) },
        { incident: anIncident({ number: 3, phase: 'resolved', resolvedAt: T0 + MINUTE }, { severity: 'sev1' }), publication: publication(3) },
      ],
      ['api'],
      T0 + 2 * HOUR,
    );
    expect(doc.incidents.map((i) => [i.title, i.impact, i.status])).toEqual([
      ['Public 2', 'major', 'investigating'],
      ['Public 1', 'degraded', 'investigating'],
      ['Public 3', 'major', 'resolved'],
    ]);
    expect(doc.overall).toBe('major');
    expect(doc.incidents[2]?.resolvedAt).toBe(new Date(T0 + MINUTE).toISOString());
  });

  it('moves an incident’s updatedAt (the feed entry’s <updated>) when its public status changes to monitoring', () => {
    const mitigated = anIncident({ number: 4, phase: 'mitigated', mitigatedAt: T0 + 30 * MINUTE });
    const doc = statusDocument([{ incident: mitigated, publication: publication(4, { updates: [{ text: 'Fixing', at: T0 + MINUTE, by: 'alice' }] }) }], [], T0 + HOUR);
    expect(doc.incidents[0]).toMatchObject({ status: 'monitoring', updatedAt: new Date(T0 + 30 * MINUTE).toISOString() });
    // Published after the mitigation: the publication is the newer fact.
    const later = statusDocument([{ incident: mitigated, publication: publication(4, { publishedAt: T0 + 40 * MINUTE }) }], [], T0 + HOUR);
    expect(later.incidents[0]?.updatedAt).toBe(new Date(T0 + 40 * MINUTE).toISOString());
  });

  it('holds only public keys: no internal title, update, person or number', () => {
    const incident = anIncident({ number: 9, lastUpdate: { text: 'internal', at: T0, by: 'bob' } }, { title: 'Internal title' });
    const doc = statusDocument([{ incident, publication: publication(9, { updates: [{ text: 'public', at: T0, by: 'carol' }] }) }], [], T0);
    expect(Object.keys(doc.incidents[0] ?? {}).sort()).toEqual(['components', 'id', 'impact', 'impactLabel', 'resolvedAt', 'startedAt', 'status', 'title', 'updatedAt', 'updates']);
    const json = JSON.stringify(doc);
    for (const secret of ['Internal title', 'internal', 'bob', 'carol', 'alice', '"number"']) expect(json, secret).not.toContain(secret);
    expect(doc.incidents[0]?.updates).toEqual([{ at: new Date(T0).toISOString(), text: 'public' }]);
  });
});
