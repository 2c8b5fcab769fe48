/** Builders for domain values, so tests state only what matters to them. */
import { DEFAULT_CADENCE } from '../../src/incidents/cadence.ts';
import type { Incident } from '../../src/incidents/incident.ts';
import { type Declaration, declareIncident } from '../../src/incidents/incident-rules.ts';
import { T0 } from './fixed-clock.ts';

export function aDeclaration(overrides: Partial<Declaration> = {}): Declaration {
  return { title: 'Checkout latency spike', severity: 'sev2', isPrivate: false, platform: 'slack', declaredBy: 'alice', ...overrides };
}

/**
 * An incident as the rules declare it at T0 (so due times are consistent with its severity), numbered 1,
 * then `overrides` applied on top.
 */
export function anIncident(overrides: Partial<Incident> = {}, declaration: Partial<Declaration> = {}): Incident {
  const { incident } = declareIncident(aDeclaration(declaration), DEFAULT_CADENCE, T0);
  return { ...incident, number: 1, ...overrides };
}
