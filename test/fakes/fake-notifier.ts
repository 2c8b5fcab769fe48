/**
 * The IncidentNotifier the use cases are given: it only says that a platform's chat is configured. Everything they
 * tell a chat is queued in the outbox (test the rows, or deliver them with test/fakes/fake-chat-platform.ts).
 */
import type { Platform } from '../../src/incidents/incident.ts';
import type { IncidentNotifier } from '../../src/incidents/ports.ts';

/** The channel id the fake gives incident `number`'s war room. */
export const roomIdOf = (number: number): string => `C-INC-${number}`;

export class FakeNotifier implements IncidentNotifier {
  readonly platform: Platform;

  constructor(platform: Platform = 'slack') {
    this.platform = platform;
  }
}
