/** An IncidentService wired to the hand-written fakes, with a fixed clock, as use-case tests need it. */
import { DEFAULT_CADENCE } from '../../src/incidents/cadence.ts';
import { IncidentService } from '../../src/incidents/incident-service.ts';
import type { IncidentStore } from '../../src/incidents/ports.ts';
import { FakeIncidentStore } from './fake-incident-store.ts';
import { FakeNotifier, roomIdOf } from './fake-notifier.ts';
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
  /** What the outbox's first steps would record: every declared incident's war room (and card) exists. */
  const openRooms = async () => {
    for (const { number, room } of await store.listOpen()) {
      if (room) continue;
      await service.roomCreated(number, { channelId: roomIdOf(number), channelName: `inc-${number}`, cardMessageId: null });
      await service.cardPosted(number, `card-${number}`);
    }
  };
  return { store: store as S, clock, notifier, service, openRooms };
}
