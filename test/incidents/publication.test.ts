import { describe, expect, it } from 'vitest';
import {
  defaultImpact,
  parseComponents,
  parseImpact,
  postPublicUpdate,
  publish,
  setImpact,
  unpublish,
} from '../../src/incidents/publication.ts';
import { catchIncidentError } from '../fakes/catch-incident-error.ts';
import { MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';

const incident = anIncident();

describe('publish', () => {
  it('puts the incident up under its public title, with a timeline entry naming who', () => {
    const { publication, events } = publish(incident, undefined, '  Checkout is slow  ', 'alice', T0, 'pub1');
    expect(publication).toMatchObject({ title: 'Checkout is slow', live: true, publicId: 'pub1', impact: null, publishedAt: T0, publishedBy: 'alice', changedAt: T0, updates: [] });
    expect(events.map((e) => [e.kind, e.actor, e.text])).toEqual([['published', 'alice', 'Published on the status page as: Checkout is slow']]);
  });

  it('re-titles a live publication, and keeps id and updates when published again after a take-down', () => {
    const first = publish(incident, undefined, 'A', 'alice', T0, 'pub1').publication;
    const retitled = publish(incident, first, 'B', 'bob', T0 + MINUTE, 'other');
    expect(retitled.publication).toMatchObject({ title: 'B', publicId: 'pub1', publishedBy: 'alice', publishedAt: T0, changedAt: T0 + MINUTE });
    expect(retitled.events[0]?.kind).toBe('public_title_changed');
    expect(catchIncidentError(() => publish(incident, retitled.publication, 'B', 'bob', T0, 'x')).code).toBe('already_published');
    const withUpdate = postPublicUpdate(incident, retitled.publication, 'Fixing', 'bob', T0).publication;
    const down = unpublish(incident, withUpdate, 'bob', T0).publication;
    const again = publish(incident, down, 'C', 'carol', T0 + 2 * MINUTE, 'new').publication;
    expect(again).toMatchObject({ publicId: 'pub1', live: true, publishedBy: 'carol', publishedAt: T0 + 2 * MINUTE });
    expect(again.updates.map((u) => u.text)).toEqual(['Fixing']);
  });

  it('refuses private incidents, and empty or multi-line-only titles', () => {
    expect(catchIncidentError(() => publish({ ...incident, isPrivate: true }, undefined, 'x', 'a', T0, 'p')).code).toBe('private_not_publishable');
    expect(catchIncidentError(() => publish(incident, undefined, '   ', 'a', T0, 'p')).code).toBe('empty_text');
  });
});

describe('public updates, impact, take-down', () => {
  it('need a live publication', () => {
    expect(catchIncidentError(() => postPublicUpdate(incident, undefined, 'x', 'a', T0)).code).toBe('not_published');
    expect(catchIncidentError(() => setImpact(incident, undefined, 'major', 'a', T0)).code).toBe('not_published');
    expect(catchIncidentError(() => unpublish(incident, undefined, 'a', T0)).code).toBe('not_published');
  });

  it('defaults the impact from severity and parses the level words', () => {
    expect([defaultImpact('sev1'), defaultImpact('sev2'), defaultImpact('sev3'), defaultImpact('sev5')]).toEqual(['major', 'partial', 'degraded', 'degraded']);
    expect(['major', 'Major outage', 'partial-outage', 'degraded_performance', 'DEGRADED'].map(parseImpact)).toEqual(['major', 'major', 'partial', 'degraded', 'degraded']);
    expect(parseImpact('catastrophic')).toBeUndefined();
  });
});

describe('parseComponents', () => {
  const known = ['api', 'checkout', 'search'];
  it('accepts known names (commas or spaces), dedupes, and clears with none', () => {
    expect(parseComponents('API, checkout api', known)).toEqual(['api', 'checkout']);
    expect(parseComponents('none', known)).toEqual([]);
  });
  it('names unknown components and what is known; says when none are configured', () => {
    const e = catchIncidentError(() => parseComponents('api,payments', known));
    expect(e.code).toBe('unknown_component');
    expect(e.details).toEqual({ names: 'payments', known: 'api, checkout, search' });
    expect(catchIncidentError(() => parseComponents('api', [])).code).toBe('no_components');
  });
});
