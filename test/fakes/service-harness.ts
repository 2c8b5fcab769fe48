/** An IncidentService wired to the hand-written fakes, with a fixed clock, as use-case tests need it. */
import { DEFAULT_CADENCE } from '../../src/incidents/cadence.ts';
import { IncidentService } from '../../src/incidents/incident-service.ts';
import type { IncidentStore } from '../../src/incidents/ports.ts';
import { FakeIncidentStore } from './fake-incident-store.ts';
import { FakeNotifier } from './fake-notifier.ts';
import { FixedClock } from './fixed-clock.ts';

export const CUSTOM_ROLES = ['partner-comms', 'social-comms'] as const;

export function serviceHarness<S extends IncidentStore = FakeIncidentStore>(opts: { store?: S; clock?: FixedClock } = {}) {
  const store = opts.store ?? new FakeIncidentStore();
  const clock = opts.clock ?? new FixedClock();
  const notifier = new FakeNotifier();
  const service = new IncidentService({
    store,
    clock,
    notifiers: { slack: notifier },
    cadenceDefaults: DEFAULT_CADENCE,
    customRoles: CUSTOM_ROLES,
  });
  return { store: store as S, clock, notifier, service };
}
