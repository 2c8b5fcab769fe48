/**
 * Builds a running sitroom from a Config: database -> store -> service -> chat adapters -> HTTP + scheduler, on
 * either engine (the stores come from storage/open-database.ts). main.ts calls this; so do the end-to-end tests and benchmarks, with the same wiring.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertService } from './alerts/alert-service.ts';
import { AlertmanagerSilenceClient } from './alertmanager/alertmanager-silence-client.ts';
import { AlertCardSync } from './alerts/card-sync.ts';
import { AlertEffectDeliverer } from './alerts/alert-effect-deliverer.ts';
import type { AlertNotifier } from './alerts/ports.ts';
import { ChatAlertNotifier } from './chat/chat-alert-notifier.ts';
import type { ChatPlatform } from './chat/chat-platform.ts';
import { CountedPlatform } from './chat/counted-platform.ts';
import { ChatCommandHandler } from './chat/command-handler.ts';
import { ChatNotifier } from './chat/chat-notifier.ts';
import { ChatEffectDeliverer } from './chat/chat-effect-deliverer.ts';
import { classifyChatError } from './chat/delivery-errors.ts';
import { type EffectDeliverer, OutboxDispatcher } from './delivery/dispatcher.ts';
import { NOT_CONFIGURED_POLL_MS, notConfigured } from './delivery/not-configured.ts';
import { isIncidentEffect } from './delivery/outbox.ts';
import { replyEffect, type ReplyTo } from './presentation/reply-effects.ts';
import type { ChatMessage } from './presentation/message.ts';
import { Pacer } from './delivery/pacing.ts';
import { DEFAULT_RETRY } from './delivery/retry-policy.ts';
import type { MessageContext } from './chat/messages.ts';
import { createChatAdapters, unconfiguredChatPlatforms } from './chat/adapters.ts';
import type { Config } from './config.ts';
import { CaptureService } from './incidents/capture-service.ts';
import { ChecklistService } from './incidents/checklist-service.ts';
import { FollowUpService } from './incidents/follow-up-service.ts';
import { IncidentService } from './incidents/incident-service.ts';
import { PublishingService } from './incidents/publishing-service.ts';
import { LiveEvents } from './web/live-events.ts';
import type { Incident, Platform } from './incidents/incident.ts';
import type { Clock, IncidentNotifier } from './incidents/ports.ts';
import type { Logger } from './logger.ts';
import { Scheduler } from './scheduler.ts';
import { newSessionSecret, SESSION_SECRET_KEY, sessionSecret } from './storage/settings.ts';
import { openSqliteStores, openStores, type Stores } from './storage/open-database.ts';
import { DATABASE_GAUGES_LEASE, gaugeLeaseTtlMs, Lease } from './storage/leases.ts';
import { alertmanagerWebhookRoute } from './web/alertmanager-webhook.ts';
import { SitroomMetrics } from './web/metrics.ts';
import { Sessions } from './web/sessions.ts';
import { WebAuth } from './web/web-auth.ts';
import { webRoutes } from './web/web-routes.ts';
import { createHttpServer, healthRoute, type Route } from './http/http-server.ts';
import { wireIntegrations } from './integration-wiring.ts';
import type { PagingService } from './incidents/paging-service.ts';
import { emailDispatcher, webDeskDispatcher } from './email/email-dispatcher.ts';
import { SmtpMailer } from './email/smtp-mailer.ts';
import { incidentDetailOf } from './web/incident-views.ts';
import { webhookEffects } from './incidents/webhook-events.ts';
import { webhookDispatcher } from './webhooks/webhook-dispatcher.ts';
import { githubIntegration } from './github/github-integration.ts';

export interface Sitroom {
  service: IncidentService;
  publishing: PublishingService;
  /** Paging the on-call through Alertmanager. */
  paging: PagingService;
  live: LiveEvents;
  followUps: FollowUpService;
  checklists: ChecklistService;
  alerts: AlertService;
  cards: AlertCardSync;
  scheduler: Scheduler;
  server: Server;
  /** Listens on config.host:config.port (0 = any free port) and starts the scheduler; resolves to the bound port. */
  start(): Promise<number>;
  /** Stops taking requests, finishes work in flight, stops the scheduler, closes the database. */
  stop(): Promise<void>;
  /** Resolves when work started after an answer (chat calls, alert cards) has finished. */
  settled(): Promise<void>;
  /** Whether each configured chat platform answered its last check, for /healthz. */
  chatHealth(): Partial<Record<Platform, 'ok' | 'unreachable'>>;
  /** Delivers every outbox row due now (tests with a fixed clock; the running app does this in the background). */
  deliverDue(): Promise<number>;
}

export const systemClock: Clock = { now: () => Date.now() };

/** How far back each tick looks for alert cards left behind (a restart, a failed chat call). */
const CARD_CATCH_UP_MS = 60 * 60 * 1000;

/** Slack and Mattermost requests are small (a slash command, a button click, a dialog); 1 MiB leaves room. */
const PLATFORM_MAX_BODY_BYTES = 1024 * 1024;

/** How long shutdown waits for work already acknowledged before giving up on it. */
const DRAIN_MS = 8000;

export interface SitroomOptions {
  /** Start the cron scheduler (tests tick it by hand instead). */
  scheduler?: boolean;
  /**
   * Pace chat calls by the platforms' rate limits (default). Tests on a fixed clock turn it off: a paced call waits
   * for a time that never comes; pacing itself is tested in test/delivery.
   */
  pacing?: boolean;
  /**
   * The database, opened by openSitroomStores (main.ts: either engine). Without it, createSitroom opens SQLite at
   * DATABASE_PATH itself, synchronously (tests and benches).
   */
  opened?: OpenedStores;
}

/** The stores of the configured database, and the session secret every replica on it shares. */
export interface OpenedStores {
  stores: Stores;
  sessionSecret: string;
}

/**
 * Opens (and migrates) the database DATABASE_URL or DATABASE_PATH names, and settles the session secret: SESSION_SECRET,
 * or the one the first replica generated and kept in the database. A bad DATABASE_URL throws DatabaseUrlError.
 */
export async function openSitroomStores(config: Config): Promise<OpenedStores> {
  const stores = await openStores(config);
  try {
    return { stores, sessionSecret: await sessionSecret(config.sessionSecret, stores.settings) };
  } catch (e) {
    await stores.close();
    throw e;
  }
}

/** SQLite at DATABASE_PATH, opened at once (SQLite answers synchronously), for createSitroom without opened stores. */
function openSqliteNow(config: Config): OpenedStores {
  if (config.databaseUrl !== undefined) throw new Error('DATABASE_URL is set: open the database with openSitroomStores and pass it as options.opened');
  const stores = openSqliteStores(config.databasePath);
  return { stores, sessionSecret: config.sessionSecret ?? stores.settings.getOrCreateNow(SESSION_SECRET_KEY, newSessionSecret) };
}

export function createSitroom(config: Config, logger: Logger, clock: Clock = systemClock, options: SitroomOptions = {}): Sitroom {
  const { stores, sessionSecret: secret } = options.opened ?? openSqliteNow(config);
  const store = stores.incidents;
  // Checkpoints run in a worker, not inside whichever commit (a tick's, a command's) crosses SQLite's threshold.
  stores.checkpointInWorker?.(logger);
  const context = (): MessageContext => ({ now: clock.now(), timeZone: config.timeZone, conferenceUrlTemplate: config.conferenceUrlTemplate, paging: config.alertmanager.url !== undefined });
  const inFlight = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  // One replica at a time exports the gauges read from the database, so that a sum over replicas is right.
  const gaugeLease = new Lease({ store: stores.leases, name: DATABASE_GAUGES_LEASE, holder: randomUUID(), ttlMs: gaugeLeaseTtlMs(config.tickSeconds), now: () => clock.now() });
  const metrics = new SitroomMetrics(store, () => clock.now(), { exportsDatabaseGauges: () => gaugeLease.hold() });
  const outbox = stores.outbox;
  /**
   * Replies to people's requests go through the outbox like everything else. A running dispatcher hears of the row
   * from the write itself (the store's onWritten), on the next turn and at most once every 20 ms: a claim of its own
   * per reply (poke) cost each command a claim query over the whole backlog. Without background delivery (tests
   * driving a fixed clock by hand) what is due is delivered now instead, as that look would.
   */
  const reply = async (platform: Platform, to: ReplyTo, message: ChatMessage) => {
    await outbox.enqueue([replyEffect(platform, to, message, clock.now())]);
    const dispatcher = dispatchers.find((d) => d.platform === platform);
    if (dispatcher && !dispatcher.running) track(dispatcher.drain());
  };
  const counted = (platform: ChatPlatform) => new CountedPlatform(platform, () => metrics.chatError(platform.platform));
  const adapters = createChatAdapters(config, {
    logger,
    track,
    nonces: stores.nonces,
    now: () => clock.now(),
    callTimeoutMs: config.chatCallTimeoutMs,
    reply,
  });
  // Each platform's calls, counted for /metrics; every use below goes through these.
  const chats = adapters.map((adapter) => ({ adapter, chat: counted(adapter.platform) }));
  const notifiers: Partial<Record<Platform, ChatNotifier>> = {};
  for (const { chat } of chats) notifiers[chat.platform] = new ChatNotifier({ platform: chat, context, topics: stores.topics(chat.platform) });

  // Web-only incidents have no chat; with SMTP_URL their effects are queued all the same, so that their stakeholders
  // and the people nagged are e-mailed (the chat steps among them are marked done by webDeskDispatcher).
  const incidentNotifiers: Partial<Record<Platform, IncidentNotifier>> =
    config.email && !notifiers.web ? { ...notifiers, web: { platform: 'web' } } : notifiers;
  const followUpStore = stores.followUps;
  const checklistStore = stores.checklists;
  const service = new IncidentService({
    store,
    clock,
    notifiers: incidentNotifiers,
    cadenceDefaults: config.cadenceDefaults,
    customRoles: config.customRoles,
    followUps: followUpStore,
    checklists: checklistStore,
    incidentTypes: config.incidentTypes,
    // Outbound webhooks: a row per endpoint and event, in the change's transaction (webhook-events.ts).
    outward: (incident, events, now) => webhookEffects(config.webhooks.endpoints, incident, events, now),
  });
  const checklists = new ChecklistService({ incidents: service, store: checklistStore, templates: config.checklists, clock, notifiers: incidentNotifiers });
  service.observe(checklists);

  const alertNotifiers: Partial<Record<Platform, AlertNotifier>> = {};
  const warRoomOf = async (number: number) => (await store.get(number))?.room?.channelId;
  const silences = config.alertmanager.url !== undefined;
  // A card not yet linked offers the open incidents of its platform ("Add to incident").
  const openOn = (platform: Platform) => async () => (await store.listOpen()).filter((i) => i.platform === platform);
  for (const { chat } of chats) {
    alertNotifiers[chat.platform] = new ChatAlertNotifier({ platform: chat, context, silences, warRoomOf, openIncidents: openOn(chat.platform) });
  }
  const alertStore = stores.alerts;
  const alerts = new AlertService({
    store: alertStore,
    incidents: service,
    clock,
    severityMap: config.alertmanager.severityMap,
    platforms: Object.keys(alertNotifiers) as Platform[],
    outbox,
    silences: config.alertmanager.url ? new AlertmanagerSilenceClient(config.alertmanager.url) : undefined,
    onError: (what, err) => logger.error({ err, what }, 'alert chat work failed'),
    track,
  });
  const cards = new AlertCardSync({ store: alertStore, outbox, platforms: Object.keys(alertNotifiers) as Platform[], clock });
  alerts.useCardSync(cards);
  service.observe(alerts);
  const followUps = new FollowUpService({
    incidents: service,
    store,
    followUps: followUpStore,
    alerts: alertStore,
    clock,
    notifiers: incidentNotifiers,
    outbox,
    timeZone: config.timeZone,
    digest: config.digest,
    issues: config.github ? (config.github.allItems ? 'all' : 'request') : 'off',
  });
  service.observe(followUps);
  const github =
    config.github &&
    githubIntegration({
      config: config.github,
      followUps,
      followUpStore,
      incident: (n) => store.get(n),
      outbox,
      clock,
      giveUpMs: config.outboxGiveUpHours * 3_600_000,
      publicUrl: config.status.publicUrl,
      logger,
      track,
    });
  service.observe(metrics);
  const integrations = wireIntegrations({
    config,
    tools: stores.integrations,
    store,
    outbox,
    clock,
    logger,
    chatPlatforms: chats.map(({ chat }) => chat.platform),
    warRoomUrl: (incident) => adapters.find((a) => a.platform.platform === incident.platform)?.warRoomUrl(incident) ?? null,
    onOutcome: (tool, call, outcome) => metrics.outboxDelivery(tool, call ?? 'none', outcome),
  });
  const { paging } = integrations;
  service.observe(paging);
  if (integrations.annotations) service.observe(integrations.annotations);

  const publishing = new PublishingService({ store, publications: stores.publications, clock, notifiers: incidentNotifiers, components: config.status.components });
  const live = new LiveEvents({
    version: async () => `${await store.version()}/${await publishing.version()}/${await checklistStore.version()}`,
    openIncidents: () => store.listOpen(),
    now: () => clock.now(),
    maxClients: config.liveMaxClients,
  });

  const handler = new ChatCommandHandler({
    service,
    paging,
    alerts,
    followUps,
    checklists,
    publishing,
    captures: new CaptureService({ incidents: service, store, clock }),
    context,
    onUnexpectedError: (err, req) => logger.error({ err, platform: req.platform, user: req.userId }, 'command failed unexpectedly'),
    onRecorded: ({ incident, notifyError }, req) => {
      const log = logger.child({ incident: incident.number });
      if (notifyError) log.warn({ err: notifyError, platform: req.platform }, 'change recorded, but the chat could not be told');
      else log.info({ platform: req.platform, user: req.userId, phase: incident.phase }, 'change recorded');
    },
  });
  for (const adapter of adapters) adapter.attach(handler);

  /** Whether each configured chat platform answers (an unreachable one does not stop sitroom; /healthz shows it). */
  const chatHealth = (): Partial<Record<Platform, 'ok' | 'unreachable'>> =>
    Object.fromEntries(adapters.map((a) => [a.platform.platform, a.health()]));

  const warRoomUrl = (incident: Incident) => adapters.find((a) => a.platform.platform === incident.platform)?.warRoomUrl(incident) ?? null;
  const routes: Route[] = [
    healthRoute({ database: () => stores.proveWritable(clock.now()), ...(adapters.length > 0 ? { platforms: chatHealth } : {}) }, logger),
    alertmanagerWebhookRoute({
      alerts,
      token: config.alertmanager.webhookToken,
      host: config.host,
      maxBodyBytes: config.alertmanager.maxBodyBytes,
      logger,
      onDelivery: (outcome) => metrics.delivery(outcome),
    }),
    metrics.route(config.metricsToken),
    ...(github?.routes ?? []),
    ...webRoutes({
      service,
      followUps,
      store,
      alerts: alertStore,
      alertService: alerts,
      auth: new WebAuth(
        config.web,
        new Sessions(stores.sessions, clock),
        secret,
      ),
      clock,
      timeZone: config.timeZone,
      declarePlatform: adapters[0]?.platform.platform ?? 'web',
      warRoomUrl,
      customRoles: config.customRoles,
      checklists: checklistStore,
      incidentTypes: config.incidentTypes,
      logger,
      publishing,
      paging,
      publicUrl: config.status.publicUrl,
      live,
      actionIssues: config.github ? (config.github.allItems ? 'all' : 'request') : 'off',
    }),
  ];
  // Platform limits until the adapters declare their own (a route's own maxBodyBytes wins).
  for (const adapter of adapters) routes.push(...adapter.routes().map((r) => ({ maxBodyBytes: PLATFORM_MAX_BODY_BYTES, ...r })));
  const server = createHttpServer(routes, logger, config.http);

  // The outbox: one dispatcher per platform, so a platform that is down or slow never holds up the other.
  metrics.watchOutbox(() => outbox.backlog(), () => clock.now());
  const alertDeliverer = (platform: Platform) => {
    const notifier = alertNotifiers[platform];
    if (!notifier) return undefined;
    return new AlertEffectDeliverer({ platform, store: alertStore, notifier, view: (id) => alerts.view(id), incident: (n) => store.get(n), now: () => clock.now() });
  };
  /** A chat platform's dispatcher: with the platform's deliverer when it is configured, else with notConfigured's (its rows wait, then are given up). */
  const chatDispatcher = (platform: Platform, deliverer: EffectDeliverer, pacer: Pacer, pollMs?: number) => {
    const log = logger.child({ platform });
    return new OutboxDispatcher({
      platform,
      store: outbox,
      deliverer,
      pacer,
      clock,
      retry: { ...DEFAULT_RETRY, giveUpMs: config.outboxGiveUpHours * 3_600_000 },
      callTimeoutMs: config.chatCallTimeoutMs,
      ...(pollMs !== undefined && { pollMs }),
      onOutcome: async (row, outcome, { call, error }) => {
        metrics.outboxDelivery(platform, call ?? 'none', outcome);
        if (outcome === 'retried') log.warn({ row: row.id, kind: row.effect.kind, incident: row.incidentNumber, error }, 'chat delivery failed; will retry');
        if (outcome === 'gave_up') log.error({ row: row.id, kind: row.effect.kind, incident: row.incidentNumber, error }, 'chat delivery given up');
        if (outcome === 'delivered' && row.effect.kind === 'remind' && row.effect.records) {
          metrics.reminderSent(row.effect.notice.stage);
          log.info({ incident: row.incidentNumber, stage: row.effect.notice.stage, people: row.effect.notice.people }, 'reminder sent');
        }
        if (outcome !== 'retried' && isIncidentEffect(row.effect)) await service.effectSettled({ ...row, platform, effect: row.effect }, outcome === 'delivered');
      },
    });
  };
  const chatDispatchers = chats.map(({ adapter, chat }) =>
    chatDispatcher(
      chat.platform,
      new ChatEffectDeliverer({
        platform: chat,
        notifier: notifiers[chat.platform] ?? new ChatNotifier({ platform: chat, context, topics: stores.topics(chat.platform) }),
        context,
        incident: (n) => store.get(n),
        roomCreated: (n, room) => service.roomCreated(n, room),
        cardPosted: (n, id) => service.cardPosted(n, id),
        checklist: (n) => checklistStore.checklistOf(n),
        alerts: alertDeliverer(chat.platform),
      }),
      new Pacer(options.pacing === false ? { methods: {} } : adapter.pacing),
    ),
  );
  // Calls queued for a platform whose settings were taken out (or lost) before this start.
  for (const { platform, reason } of unconfiguredChatPlatforms(adapters)) {
    chatDispatchers.push(chatDispatcher(platform, notConfigured(reason), new Pacer({ methods: {} }), NOT_CONFIGURED_POLL_MS));
  }
  const dispatchers = [...chatDispatchers, ...integrations.dispatchers];
  // E-mail is one more courier of the same outbox (src/email); its rows are marked done unsent without SMTP_URL.
  const mailLog = logger.child({ courier: 'email' });
  /** The address on the person's chat profile: a chat that is down is retried (thrown), a refusal means none. */
  const profileEmail = async (user: string, platform: Platform): Promise<string | undefined> => {
    const chat = chats.find((c) => c.chat.platform === platform)?.chat;
    try {
      return await chat?.emailOf(user);
    } catch (e) {
      const failure = classifyChatError(e);
      if (failure.retry) throw e;
      mailLog.warn({ user, platform, error: failure.message }, 'no e-mail address from the chat profile');
      return undefined;
    }
  };
  const mailer = config.email && new SmtpMailer({ url: config.email.smtpUrl, from: config.email.from, timeoutMs: config.chatCallTimeoutMs });
  dispatchers.push(
    emailDispatcher({
      store: outbox,
      clock,
      giveUpMs: config.outboxGiveUpHours * 3_600_000,
      callTimeoutMs: config.chatCallTimeoutMs,
      deliverer: config.email && mailer && {
        mailer,
        from: config.email.from,
        stakeholders: config.email.stakeholders,
        incident: async (n) => store.get(n),
        addressOf: async (user, platform) => config.email?.addresses.get(user) ?? (await profileEmail(user, platform)),
        context: () => ({ timeZone: config.timeZone, publicUrl: config.status.publicUrl }),
        onRejected: (row, addresses) => mailLog.warn({ row: row.id, incident: row.incidentNumber, addresses }, 'the mail server refused some recipients'),
      },
      onOutcome: async (row, outcome, { error, messageId }) => {
        metrics.outboxDelivery('email', 'sendMail', outcome);
        const fields = { row: row.id, kind: row.effect.kind, incident: row.incidentNumber };
        if (outcome === 'retried') mailLog.warn({ ...fields, error }, 'e-mail not sent; will retry');
        if (outcome === 'delivered' && messageId) mailLog.info({ ...fields, messageId }, 'e-mail sent');
        if (outcome === 'gave_up') {
          mailLog.error({ ...fields, error }, 'e-mail given up');
          // On the incident's timeline too, where the people running it look.
          if (isIncidentEffect(row.effect)) await service.effectSettled({ ...row, effect: row.effect }, false);
        }
      },
    }),
  );
  if (incidentNotifiers.web && !notifiers.web) {
    dispatchers.push(webDeskDispatcher({ store: outbox, clock, giveUpMs: config.outboxGiveUpHours * 3_600_000, callTimeoutMs: config.chatCallTimeoutMs }));
  }
  dispatchers.push(
    webhookDispatcher({
      config: config.webhooks,
      outbox,
      clock,
      giveUpMs: config.outboxGiveUpHours * 3_600_000,
      incident: (n) => store.get(n),
      detail: incidentDetailOf(
        {
          timeline: (n) => store.timeline(n),
          actionItemsOf: (n) => followUps.actionItemsOf(n),
          checklistOf: (n) => checklistStore.checklistOf(n),
          linkedTo: (n) => alertStore.linkedTo(n),
          postmortem: (n) => followUps.postmortem(n),
          postmortemSections: (n) => followUps.postmortemSections(n),
        },
        warRoomUrl,
      ),
      logger,
      onOutcome: (outcome) => metrics.outboxDelivery('webhook', 'post', outcome),
    }),
  );
  if (github) dispatchers.push(github.dispatcher);
  const scheduler = new Scheduler({
    service,
    tickSeconds: config.tickSeconds,
    logger,
    chores: [() => cards.sweep(clock.now() - CARD_CATCH_UP_MS), async () => void (await followUps.sendDueDigest()), ...integrations.chores, ...(github?.chores ?? []), async () => void (await gaugeLease.hold())],
  });

  return {
    service,
    publishing,
    paging,
    live,
    followUps,
    checklists,
    alerts,
    cards,
    scheduler,
    server,
    async start() {
      // Credentials are checked before the port opens: a refused token stops start-up with a ConfigError.
      for (const adapter of adapters) await adapter.start();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      if (options.scheduler ?? true) {
        for (const d of dispatchers) d.start();
        await scheduler.start();
      }
      return (server.address() as AddressInfo).port;
    },
    chatHealth,
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      for (const d of dispatchers) await d.drain();
    },
    async deliverDue() {
      let handled = 0;
      for (const d of dispatchers) handled += await d.drain();
      return handled;
    },
    async stop() {
      // Live streams never go idle on their own: end them first, or server.close() would wait for them.
      live.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await scheduler.stop();
      // Another replica takes over the database gauges at its next scrape instead of when this lease runs out.
      await gaugeLease.release();
      await Promise.all(dispatchers.map((d) => d.stop(DRAIN_MS)));
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, DRAIN_MS).unref())]);
      for (const adapter of adapters) await adapter.stop();
      mailer?.close();
      server.closeAllConnections();
      await closed;
      await stores.close();
    },
  };
}
