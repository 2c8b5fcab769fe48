/**
 * The alert use cases wired as the app wires them, on real `:memory:` SQLite (incidents and alert groups share
 * one database, as the foreign key needs), with a fixed clock, fake timers and recording chat and silence fakes.
 */
import { DEFAULT_SEVERITY_MAP, type SeverityMap } from '../../src/alerts/alert-rules.ts';
import { AlertService } from '../../src/alerts/alert-service.ts';
import { AlertCardSync } from '../../src/alerts/card-sync.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { SqliteAlertStore } from '../../src/storage/sqlite-alert-store.ts';
import { SqliteIncidentStore } from '../../src/storage/sqlite-incident-store.ts';
import { CAPTURE_NOW } from './alert-fixtures.ts';
import { FakeAlertNotifier } from './fake-alert-notifier.ts';
import { FakeSilenceClient } from './fake-silence-client.ts';
import { FakeTimers } from './fake-timers.ts';
import { FixedClock } from './fixed-clock.ts';
import { serviceHarness } from './service-harness.ts';

export interface AlertHarnessOptions {
  /** Whether Alertmanager's silence API is configured (default true). */
  silences?: boolean;
  severityMap?: SeverityMap;
}

export function alertHarness(opts: AlertHarnessOptions = {}) {
  const db = openDatabase(':memory:');
  const clock = new FixedClock(CAPTURE_NOW);
  const incidents = serviceHarness({ store: new SqliteIncidentStore(db), clock });
  const store = new SqliteAlertStore(db);
  const chat = new FakeAlertNotifier();
  const silences = new FakeSilenceClient();
  const errors: { what: string; error: unknown }[] = [];
  const work: Promise<unknown>[] = [];
  const alerts = new AlertService({
    store,
    incidents: incidents.service,
    clock,
    severityMap: opts.severityMap ?? DEFAULT_SEVERITY_MAP,
    notifiers: { slack: chat },
    silences: opts.silences === false ? undefined : silences,
    onError: (what, error) => errors.push({ what, error }),
    track: (w) => work.push(w),
  });
  const timers = new FakeTimers(CAPTURE_NOW);
  const cards = new AlertCardSync({ store, notifiers: { slack: chat }, view: (id) => alerts.view(id), timers, minIntervalMs: 1000 });
  alerts.useCardSync(cards);
  incidents.service.observe(alerts);
  return {
    db,
    clock,
    incidents,
    store,
    chat,
    silences,
    errors,
    alerts,
    cards,
    timers,
    /** Chat work started by deliveries so far, tracked like the app tracks it. */
    work,
    /** Waits for the chat work of deliveries and for card syncs in flight, then lets due card timers run. */
    async settle(): Promise<void> {
      await Promise.all(work.splice(0));
      await cards.idle();
      timers.advance(1000);
      await cards.idle();
    },
    close(): void {
      if (db.$client.open) db.$client.close();
    },
  };
}

export type AlertHarness = ReturnType<typeof alertHarness>;
