/**
 * GET /metrics in Prometheus exposition format (prom-client). Gauges of the present (open incidents, overdue
 * updates) are read from the database at scrape time with two small queries over open incidents only; counters
 * and histograms count what this process saw happen.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Incident, Platform } from '../incidents/incident.ts';
import type { Phase } from '../incidents/phases.ts';
import type { IncidentObserver, IncidentStore } from '../incidents/ports.ts';
import type { Backlog } from '../delivery/outbox.ts';
import { type Destination, LANES } from '../incidents/effects.ts';
import { type Route, sendJson } from './http-server.ts';
import { bearerIs } from './web-auth.ts';

/** Phase stays last minutes to days: buckets from 1 minute to 3 days, in seconds. */
const PHASE_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200];

export class SitroomMetrics implements IncidentObserver {
  readonly registry = new Registry();
  private readonly store: IncidentStore;
  private readonly phaseDuration: Histogram<'phase' | 'severity'>;
  private readonly reminders: Counter<'stage'>;
  private readonly webhook: Counter<'outcome'>;
  private readonly chatErrors: Counter<'platform'>;
  private readonly outboxDeliveries: Counter<'platform' | 'method' | 'outcome'>;

  constructor(store: IncidentStore, now: () => number) {
    this.store = store;
    const registers = [this.registry];
    new Gauge({
      name: 'sitroom_open_incidents',
      help: 'Incidents not yet closed, by severity and phase.',
      labelNames: ['severity', 'phase'] as const,
      registers,
      collect() {
        this.reset();
        for (const row of store.countOpen()) this.set({ severity: row.severity, phase: row.phase }, row.count);
      },
    });
    new Gauge({
      name: 'sitroom_updates_overdue',
      help: 'Incidents whose promised stakeholder update is overdue right now.',
      registers,
      collect() {
        this.set(store.countOverdue(now()));
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
    const changes = this.store.timeline(incident.number).filter((e) => e.kind === 'phase_changed');
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
  watchOutbox(backlog: () => Backlog, now: () => number): void {
    const registers = [this.registry];
    new Gauge({
      name: 'sitroom_outbox_pending',
      help: 'Chat effects queued and not yet delivered (or given up), by lane (incident, reply, alert, webhook, github).',
      labelNames: ['lane'] as const,
      registers,
      collect() {
        const { pending } = backlog();
        for (const lane of LANES) this.set({ lane }, pending[lane]);
      },
    });
    new Gauge({
      name: 'sitroom_outbox_oldest_pending_age_seconds',
      help: 'How long the oldest undelivered chat effect has been waiting; 0 when none is.',
      registers,
      collect() {
        const { oldestCreatedAt } = backlog();
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
        const body = await this.registry.metrics();
        res.writeHead(200, { 'content-type': this.registry.contentType });
        res.end(body);
      },
    };
  }
}
