/**
 * GET /metrics in Prometheus exposition format (prom-client). Gauges of the present (open incidents, overdue
 * updates, the outbox backlog) are read from the database at scrape time with small queries; counters and
 * histograms count what this process saw happen.
 *
 * Replicas: counters and histograms are per process, so a sum over replicas is the cluster's total. The database
 * gauges describe the one shared database, so every replica exporting them would make a sum count them once per
 * replica: only the replica holding the `database_gauges` lease (src/storage/leases.ts) exports them; the others
 * leave them out (absent, not 0). `sitroom_database_gauges_exported` says which replica that is (1 there, 0 on the
 * others), so it sums to 1.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Incident, Platform } from '../incidents/incident.ts';
import type { Phase } from '../incidents/phases.ts';
import type { IncidentObserver, IncidentStore } from '../incidents/ports.ts';
import type { Backlog } from '../delivery/outbox.ts';
import { type Destination, LANES } from '../incidents/effects.ts';
import { type Route, sendJson } from '../http/http-server.ts';
import { bearerIs } from './web-auth.ts';

/** Phase stays last minutes to days: buckets from 1 minute to 3 days, in seconds. */
const PHASE_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200];

export interface MetricsOptions {
  /**
   * Whether this replica exports the gauges read from the database at this scrape (it holds their lease).
   * Unset: always (one process, or tests).
   */
  exportsDatabaseGauges?: () => Promise<boolean>;
}

export class SitroomMetrics implements IncidentObserver {
  /** What this process counts: exported by every replica. */
  readonly registry = new Registry();
  /** Gauges read from the shared database: exported by one replica at a time. */
  private readonly databaseGauges = new Registry();
  private readonly exportsDatabaseGauges: () => Promise<boolean>;
  private readonly exporter: Gauge;
  private readonly store: IncidentStore;
  private readonly phaseDuration: Histogram<'phase' | 'severity'>;
  private readonly reminders: Counter<'stage'>;
  private readonly webhook: Counter<'outcome'>;
  private readonly chatErrors: Counter<'platform'>;
  private readonly outboxDeliveries: Counter<'platform' | 'method' | 'outcome'>;

  constructor(store: IncidentStore, now: () => number, options: MetricsOptions = {}) {
    this.store = store;
    this.exportsDatabaseGauges = options.exportsDatabaseGauges ?? (() => Promise.resolve(true));
    const registers = [this.registry];
    const shared = [this.databaseGauges];
    this.exporter = new Gauge({
      name: 'sitroom_database_gauges_exported',
      help: '1 on the replica that exports the gauges read from the database at this scrape, 0 on the others (sums to 1).',
      registers,
    });
    new Gauge({
      name: 'sitroom_open_incidents',
      help: 'Incidents not yet closed, by severity and phase.',
      labelNames: ['severity', 'phase'] as const,
      registers: shared,
      async collect() {
        const rows = await store.countOpen();
        this.reset();
        for (const row of rows) this.set({ severity: row.severity, phase: row.phase }, row.count);
      },
    });
    new Gauge({
      name: 'sitroom_updates_overdue',
      help: 'Incidents whose promised stakeholder update is overdue right now.',
      registers: shared,
      async collect() {
        this.set(await store.countOverdue(now()));
      },
    });
    this.phaseDuration = new Histogram({
      name: 'sitroom_phase_duration_seconds',
      help: 'How long incidents stayed in a phase, observed when they leave it.',
      labelNames: ['phase', 'severity'] as const,
      buckets: PHASE_BUCKETS,
      registers,
    });
    this.reminders = new Counter({ name: 'sitroom_reminders_sent_total', help: 'Update reminders sent, by stage (nag, escalate).', labelNames: ['stage'] as const, registers });
    this.webhook = new Counter({
      name: 'sitroom_alertmanager_deliveries_total',
      help: 'Alertmanager webhook deliveries, by outcome (stored, duplicate, invalid, unauthorized, failed).',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.chatErrors = new Counter({ name: 'sitroom_chat_api_errors_total', help: 'Failed calls to the Slack or Mattermost API.', labelNames: ['platform'] as const, registers });
    this.outboxDeliveries = new Counter({
      name: 'sitroom_outbox_deliveries_total',
      help: 'Outbox delivery attempts, by platform, chat method and outcome (delivered, retried, gave_up).',
      labelNames: ['platform', 'method', 'outcome'] as const,
      registers,
    });
  }

  /** Observes how long the incident spent in the phase it just left (its last stay, from the recorded transitions). */
  async phaseChanged(incident: Incident, from: Phase): Promise<void> {
    // A drill's phases are practice, not how long real incidents take.
    if (incident.drill) return;
    const changes = (await this.store.timeline(incident.number)).filter((e) => e.kind === 'phase_changed');
    const left = changes.at(-1);
    if (!left) return;
    const enteredAt = changes.at(-2)?.at ?? incident.declaredAt;
    this.phaseDuration.observe({ phase: from, severity: incident.severity }, Math.max(0, (left.at - enteredAt) / 1000));
  }

  reminderSent(stage: string): void {
    this.reminders.inc({ stage });
  }

  delivery(outcome: string): void {
    this.webhook.inc({ outcome });
  }

  chatError(platform: Platform): void {
    this.chatErrors.inc({ platform });
  }

  /**
   * The outbox backlog, read at scrape time: rows waiting per lane and the age of the oldest. The names are what
   * deploy/prometheus/sitroom.rules.yml alerts on; keep them.
   */
  watchOutbox(backlog: () => Promise<Backlog>, now: () => number): void {
    const registers = [this.databaseGauges];
    new Gauge({
      name: 'sitroom_outbox_pending',
      help: 'Chat effects queued and not yet delivered (or given up), by lane (incident, reply, alert, webhook, github).',
      labelNames: ['lane'] as const,
      registers,
      async collect() {
        const { pending } = await backlog();
        for (const lane of LANES) this.set({ lane }, pending[lane]);
      },
    });
    new Gauge({
      name: 'sitroom_outbox_oldest_pending_age_seconds',
      help: 'How long the oldest undelivered chat effect has been waiting; 0 when none is.',
      registers,
      async collect() {
        const { oldestCreatedAt } = await backlog();
        this.set(oldestCreatedAt === null ? 0 : Math.max(0, (now() - oldestCreatedAt) / 1000));
      },
    });
  }

  /** One delivery attempt's outcome (delivered, retried, gave_up) for a chat method (post, update, …). */
  outboxDelivery(platform: Destination, method: string, outcome: string): void {
    this.outboxDeliveries.inc({ platform, method, outcome });
  }

  /** GET /metrics; with `token` (METRICS_TOKEN) only for `Authorization: Bearer <token>`. */
  route(token?: string): Route {
    return {
      method: 'GET',
      path: '/metrics',
      handler: async (req, res) => {
        if (token !== undefined && !bearerIs(req, token)) {
          sendJson(res, 401, { error: 'missing or wrong bearer token (METRICS_TOKEN)' }, { 'www-authenticate': 'Bearer realm="sitroom metrics"' });
          return;
        }
        const exporting = await this.exportsDatabaseGauges();
        this.exporter.set(exporting ? 1 : 0);
        const body = await (exporting ? Registry.merge([this.registry, this.databaseGauges]) : this.registry).metrics();
        res.writeHead(200, { 'content-type': this.registry.contentType });
        res.end(body);
      },
    };
  }
}
