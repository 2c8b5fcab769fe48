/**
 * The team's other tools, wired: paging through Alertmanager (ALERTMANAGER_URL) and incident windows on Grafana
 * dashboards (GRAFANA_URL, GRAFANA_TOKEN). Each tool gets its own outbox dispatcher, so a slow or failing tool never
 * holds up the chat (nor the chat it), and its calls are retried like chat calls until the give-up time.
 */
import { AlertmanagerPageDeliverer } from './alertmanager/page-deliverer.ts';
import type { Config } from './config.ts';
import { type EffectDeliverer, OutboxDispatcher } from './delivery/dispatcher.ts';
import type { OutboxStore } from './delivery/outbox.ts';
import { type CallKind, Pacer } from './delivery/pacing.ts';
import { NOT_CONFIGURED_POLL_MS, notConfigured } from './delivery/not-configured.ts';
import { DEFAULT_RETRY } from './delivery/retry-policy.ts';
import { GrafanaAnnotationDeliverer } from './grafana/annotation-deliverer.ts';
import { AnnotationSync } from './incidents/annotation-sync.ts';
import type { Incident } from './incidents/incident.ts';
import { isIntegrationEffect, type Integration } from './incidents/integration-effects.ts';
import { recordIntegrationGaveUp } from './incidents/integration-failures.ts';
import { PagingService } from './incidents/paging-service.ts';
import type { Clock, IncidentStore } from './incidents/ports.ts';
import type { AnnotationStore, PageStore } from './incidents/integration-ports.ts';
import type { Logger } from './logger.ts';

/** How long one call to Alertmanager or Grafana may take: both answer in milliseconds when well. */
const TOOL_CALL_TIMEOUT_MS = 10_000;
/** Open incidents are compared with their annotations this often (changes are also queued as they happen). */
const ANNOTATION_SWEEP_MS = 60_000;

export interface Integrations {
  paging: PagingService;
  annotations: AnnotationSync | undefined;
  dispatchers: OutboxDispatcher[];
  /** Scheduler chores: re-post firing pages, resolve those of incidents no longer active, catch up annotations. */
  chores: (() => Promise<void>)[];
}

export function wireIntegrations(deps: {
  config: Config;
  /** Pages and annotations, on the configured engine (openStores().integrations). */
  tools: PageStore & AnnotationStore;
  store: IncidentStore;
  outbox: OutboxStore;
  clock: Clock;
  logger: Logger;
  /** Platforms this process has a chat for (who paged is told there when a page is given up). */
  chatPlatforms: readonly string[];
  warRoomUrl: (incident: Incident) => string | null;
  /** Each outcome, with the call the deliverer made (none when the row failed before any call). */
  onOutcome: (tool: Integration, call: CallKind | undefined, outcome: 'delivered' | 'retried' | 'gave_up') => void;
}): Integrations {
  const { config, clock, store, logger } = deps;
  const { tools } = deps;
  const publicUrl = config.status.publicUrl;
  const incidentUrl = (n: number) => (publicUrl ? `${publicUrl}/incidents/${n}` : null);
  const paging = new PagingService({ incidents: store, store: tools, clock, enabled: config.alertmanager.url !== undefined });
  const annotations = config.grafana ? new AnnotationSync({ incidents: store, store: tools, clock }) : undefined;

  const dispatcher = (tool: Integration, deliverer: EffectDeliverer, pollMs?: number) => {
    const log = logger.child({ tool });
    return new OutboxDispatcher({
      ...(pollMs !== undefined && { pollMs }),
      platform: tool,
      store: deps.outbox,
      deliverer,
      pacer: new Pacer({ methods: {} }),
      clock,
      retry: { ...DEFAULT_RETRY, giveUpMs: config.outboxGiveUpHours * 3_600_000 },
      callTimeoutMs: TOOL_CALL_TIMEOUT_MS,
      onOutcome: (row, outcome, { call, error }) => {
        deps.onOutcome(tool, call, outcome);
        if (outcome === 'retried') log.warn({ row: row.id, kind: row.effect.kind, incident: row.incidentNumber, error }, `${tool} delivery failed; will retry`);
        if (outcome !== 'gave_up' || !isIntegrationEffect(row.effect)) return;
        log.error({ row: row.id, kind: row.effect.kind, incident: row.incidentNumber, error }, `${tool} delivery given up`);
        void recordIntegrationGaveUp({ store, clock, chatPlatforms: deps.chatPlatforms }, { ...row, effect: row.effect }, error ?? 'unknown error').catch((err: unknown) =>
          log.error({ err }, 'could not record the give-up'),
        );
      },
    });
  };
  const dispatchers: OutboxDispatcher[] = [];
  if (config.alertmanager.url) {
    const deliverer = new AlertmanagerPageDeliverer({
      baseUrl: config.alertmanager.url,
      pages: tools,
      incident: (n) => store.get(n),
      warRoomUrl: deps.warRoomUrl,
      incidentUrl,
      now: () => clock.now(),
      timeoutMs: TOOL_CALL_TIMEOUT_MS,
    });
    dispatchers.push(dispatcher('alertmanager', deliverer));
  } else dispatchers.push(dispatcher('alertmanager', notConfigured('ALERTMANAGER_URL is not set'), NOT_CONFIGURED_POLL_MS));
  if (config.grafana) {
    const deliverer = new GrafanaAnnotationDeliverer({ ...config.grafana, baseUrl: config.grafana.url, store: tools, incident: (n) => store.get(n), incidentUrl, timeoutMs: TOOL_CALL_TIMEOUT_MS });
    dispatchers.push(dispatcher('grafana', deliverer));
  } else dispatchers.push(dispatcher('grafana', notConfigured('GRAFANA_URL is not set'), NOT_CONFIGURED_POLL_MS));

  let annotationsSweptAt = -Infinity;
  const chores: (() => Promise<void>)[] = [];
  if (paging.enabled) chores.push(async () => void (await paging.sweep()));
  if (annotations) {
    chores.push(async () => {
      if (clock.now() - annotationsSweptAt < ANNOTATION_SWEEP_MS) return;
      annotationsSweptAt = clock.now();
      await annotations.sweep();
    });
  }
  return { paging, annotations, dispatchers, chores };
}
