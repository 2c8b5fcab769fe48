/**
 * The alert use cases wired as the app wires them, on real `:memory:` SQLite (incidents and alert groups share
 * one database, as the foreign key needs), with a fixed clock, fake timers and recording chat and silence fakes.
 */
import { DEFAULT_SEVERITY_MAP, type SeverityMap } from '../../src/alerts/alert-rules.ts';
import { AlertService } from '../../src/alerts/alert-service.ts';
import { AlertEffectDeliverer } from '../../src/alerts/alert-effect-deliverer.ts';
import { isAlertEffect } from '../../src/alerts/alert-effects.ts';
import { AlertCardSync } from '../../src/alerts/card-sync.ts';
import { OutboxDispatcher } from '../../src/delivery/dispatcher.ts';
import { Pacer } from '../../src/delivery/pacing.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { SqliteAlertStore } from '../../src/storage/sqlite-alert-store.ts';
import { SqliteIncidentStore } from '../../src/storage/sqlite-incident-store.ts';
import { SqliteOutboxStore } from '../../src/storage/sqlite-outbox-store.ts';
import { CAPTURE_NOW } from './alert-fixtures.ts';
import { FakeAlertNotifier } from './fake-alert-notifier.ts';
import { FakeSilenceClient } from './fake-silence-client.ts';
import { FixedClock } from './fixed-clock.ts';
import { roomIdOf } from './fake-notifier.ts';
import { serviceHarness } from './service-harness.ts';

export interface AlertHarnessOptions {
  /** Whether Alertmanager's silence API is configured (default true). */
  silences?: boolean;
  severityMap?: SeverityMap;
  /** The database to use (default a fresh `:memory:` one), e.g. one whose statements a test counts. */
  db?: Db;
  /** A database file (default: a fresh in-memory one), so two harnesses can stand for two replicas on one file. */
  databasePath?: string;
}

export function alertHarness(opts: AlertHarnessOptions = {}) {
  const db = opts.db ?? openDatabase(opts.databasePath ?? ':memory:');
  const clock = new FixedClock(CAPTURE_NOW);
  const incidents = serviceHarness({ store: new SqliteIncidentStore(db), clock });
  const store = new SqliteAlertStore(db);
  const chat = new FakeAlertNotifier();
  const silences = new FakeSilenceClient();
  const errors: { what: string; error: unknown }[] = [];
  const work: Promise<unknown>[] = [];
  const outbox = new SqliteOutboxStore(db);
  const alerts = new AlertService({
    store,
    incidents: incidents.service,
    clock,
    severityMap: opts.severityMap ?? DEFAULT_SEVERITY_MAP,
    platforms: ['slack'],
    outbox,
    silences: opts.silences === false ? undefined : silences,
    onError: (what, error) => errors.push({ what, error }),
    track: (w) => work.push(w),
  });
  const cards = new AlertCardSync({ store, outbox, platforms: ['slack'], clock });
  alerts.useCardSync(cards);
  const deliverer = new AlertEffectDeliverer({ platform: 'slack', store, notifier: chat, view: (id) => alerts.view(id), incident: (n) => incidents.store.get(n), now: () => clock.now() });
  // The outbox as the app runs it for alert rows; the incident's own steps are stood in for: its war room is
  // recorded as created (as the chat deliverer would), the rest is not under test here.
  const dispatcher = new OutboxDispatcher({
    platform: 'slack',
    store: outbox,
    deliverer: {
      prepare: async (row) => {
        if (isAlertEffect(row.effect)) return deliverer.prepare({ effect: row.effect });
        if (row.effect.kind !== 'create_room') return 'skip';
        const number = row.effect.number;
        return { call: 'createChannel' as const, channel: '*', send: async () => (await incidents.openRooms(), { messageId: roomIdOf(number) }) };
      },
      classify: (error) => ({ retry: true, message: error instanceof Error ? error.message : String(error) }),
    },
    pacer: new Pacer({ methods: {} }),
    clock,
    retry: { baseMs: 2000, maxMs: 60_000, giveUpMs: 3_600_000 },
    callTimeoutMs: 1000,
    random: () => 0.5,
    onOutcome: (row, outcome, { error }) => {
      if (outcome === 'retried') errors.push({ what: `${row.effect.kind} retried`, error });
    },
  });
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
    outbox,
    dispatcher,
    /** Chat work started by deliveries so far, tracked like the app tracks it. */
    work,
    /** Waits for the work started by deliveries, then delivers every outbox row due now. */
    async settle(): Promise<void> {
      await Promise.all(work.splice(0));
      await dispatcher.drain();
    },
    close(): void {
      if (db.$client.open) db.$client.close();
    },
  };
}

export type AlertHarness = ReturnType<typeof alertHarness>;
