/**
 * Builds a running sitroom from a Config: database -> store -> service -> chat adapters -> HTTP + scheduler.
 * main.ts calls this; so do the end-to-end tests and benchmarks, with the same wiring.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertService } from './alerts/alert-service.ts';
import { AlertmanagerSilenceClient } from './alerts/alertmanager-silence-client.ts';
import { AlertCardSync } from './alerts/card-sync.ts';
import type { AlertNotifier } from './alerts/ports.ts';
import { ChatAlertNotifier } from './chat/chat-alert-notifier.ts';
import type { ChatPlatform } from './chat/chat-platform.ts';
import { CountedPlatform } from './chat/counted-platform.ts';
import { ChatCommandHandler } from './chat/command-handler.ts';
import { ChatNotifier } from './chat/chat-notifier.ts';
import type { MessageContext } from './chat/messages.ts';
import { SqliteDialogNonces } from './storage/sqlite-dialog-nonces.ts';
import { createMattermostAdapter, type MattermostAdapter } from './chat/mattermost/mattermost-app.ts';
import { createSlackAdapter, type SlackAdapter } from './chat/slack/slack-app.ts';
import type { Config } from './config.ts';
import { ChecklistService } from './incidents/checklist-service.ts';
import { FollowUpService } from './incidents/follow-up-service.ts';
import { SqliteChecklistStore } from './storage/sqlite-checklist-store.ts';
import { IncidentService } from './incidents/incident-service.ts';
import type { Incident, Platform } from './incidents/incident.ts';
import type { Clock, IncidentNotifier } from './incidents/ports.ts';
import type { Logger } from './logger.ts';
import { Scheduler } from './scheduler.ts';
import { openDatabase, proveWritable } from './storage/database.ts';
import { SqliteAlertStore } from './storage/sqlite-alert-store.ts';
import { SqliteFollowUpStore } from './storage/sqlite-follow-up-store.ts';
import { SqliteIncidentStore } from './storage/sqlite-incident-store.ts';
import { SqliteSessionStore } from './storage/sqlite-session-store.ts';
import { alertmanagerWebhookRoute } from './web/alertmanager-webhook.ts';
import { SitroomMetrics } from './web/metrics.ts';
import { Sessions } from './web/sessions.ts';
import { WebAuth } from './web/web-auth.ts';
import { webRoutes } from './web/web-routes.ts';
import { createHttpServer, healthRoute, type Route } from './web/http-server.ts';

export interface Sitroom {
  service: IncidentService;
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
  /** Whether each chat platform's server answered its last check (Mattermost only so far), for /healthz. */
  chatHealth(): Partial<Record<Platform, 'ok' | 'unreachable'>>;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Where a war room opens in a browser: Slack's app redirect (with `team=`, without which a browser signed in to
 * several workspaces, or none, cannot tell which one: https://api.slack.com/reference/deep-linking#app_channel),
 * or the Mattermost channel URL (which needs the team's name, not its id).
 */
function warRoomUrl(config: Config, incident: Incident, teams: { slack?: string; mattermost?: string }): string | null {
  if (!incident.room) return null;
  if (incident.platform === 'slack') {
    const team = teams.slack ? `&team=${encodeURIComponent(teams.slack)}` : '';
    return `https://slack.com/app_redirect?channel=${encodeURIComponent(incident.room.channelId)}${team}`;
  }
  if (incident.platform === 'mattermost' && config.mattermost) {
    // Mattermost's channel URLs are /<team name>/channels/<channel name>; MATTERMOST_TEAM may be the team's id.
    const team = teams.mattermost ?? config.mattermost.team;
    return `${config.mattermost.url}/${encodeURIComponent(team)}/channels/${encodeURIComponent(incident.room.channelName)}`;
  }
  return null;
}

/** How far back each tick looks for alert cards left behind (a restart, a failed chat call). */
const CARD_CATCH_UP_MS = 60 * 60 * 1000;

/** Slack and Mattermost requests are small (a slash command, a button click, a dialog); 1 MiB leaves room. */
const PLATFORM_MAX_BODY_BYTES = 1024 * 1024;

/** How long shutdown waits for work already acknowledged before giving up on it. */
const DRAIN_MS = 8000;

export interface SitroomOptions {
  /** Start the cron scheduler (tests tick it by hand instead). */
  scheduler?: boolean;
}

export function createSitroom(config: Config, logger: Logger, clock: Clock = systemClock, options: SitroomOptions = {}): Sitroom {
  const db = openDatabase(config.databasePath);
  const store = new SqliteIncidentStore(db);
  const context = (): MessageContext => ({ now: clock.now(), timeZone: config.timeZone, conferenceUrlTemplate: config.conferenceUrlTemplate });
  const inFlight = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  const metrics = new SitroomMetrics(store, () => clock.now());
  const counted = (platform: ChatPlatform) => new CountedPlatform(platform, () => metrics.chatError(platform.platform));
  const notifiers: Partial<Record<Platform, IncidentNotifier>> = {};
  const slack: SlackAdapter | undefined = config.slack
    ? createSlackAdapter({ config: config.slack, logger: logger.child({ platform: 'slack' }), track })
    : undefined;
  if (slack) notifiers.slack = new ChatNotifier({ platform: counted(slack.platform), context });
  const mattermost: MattermostAdapter | undefined = config.mattermost
    ? createMattermostAdapter({
        config: config.mattermost,
        logger: logger.child({ platform: 'mattermost' }),
        track,
        nonces: new SqliteDialogNonces(db),
        now: () => clock.now(),
      })
    : undefined;
  if (mattermost) notifiers.mattermost = new ChatNotifier({ platform: counted(mattermost.platform), context });

  const followUpStore = new SqliteFollowUpStore(db);
  const checklistStore = new SqliteChecklistStore(db);
  const service = new IncidentService({
    store,
    clock,
    notifiers,
    cadenceDefaults: config.cadenceDefaults,
    customRoles: config.customRoles,
    followUps: followUpStore,
    checklists: checklistStore,
    incidentTypes: config.incidentTypes,
  });
  const checklists = new ChecklistService({ incidents: service, store: checklistStore, templates: config.checklists, clock, notifiers });
  service.observe(checklists);

  const alertNotifiers: Partial<Record<Platform, AlertNotifier>> = {};
  const warRoomOf = (number: number) => store.get(number)?.room?.channelId;
  const silences = config.alertmanager.url !== undefined;
  const openOn = (platform: Platform) => () => store.listOpen().filter((i) => i.platform === platform);
  if (slack) alertNotifiers.slack = new ChatAlertNotifier({ platform: counted(slack.platform), context, silences, warRoomOf, openIncidents: openOn('slack') });
  if (mattermost) alertNotifiers.mattermost = new ChatAlertNotifier({ platform: counted(mattermost.platform), context, silences, warRoomOf, openIncidents: openOn('mattermost') });
  const alertStore = new SqliteAlertStore(db);
  const alerts = new AlertService({
    store: alertStore,
    incidents: service,
    clock,
    severityMap: config.alertmanager.severityMap,
    notifiers: alertNotifiers,
    silences: config.alertmanager.url ? new AlertmanagerSilenceClient(config.alertmanager.url) : undefined,
    onError: (what, err) => logger.error({ err, what }, 'alert chat work failed'),
    track,
  });
  const cards = new AlertCardSync({
    store: alertStore,
    notifiers: alertNotifiers,
    view: (id) => alerts.view(id),
    onError: (group, platform, err) => logger.error({ err, group, platform }, 'alert card could not be shown'),
  });
  alerts.useCardSync(cards);
  service.observe(alerts);
  const followUps = new FollowUpService({
    incidents: service,
    store,
    followUps: followUpStore,
    alerts: alertStore,
    clock,
    notifiers,
    timeZone: config.timeZone,
    digest: config.digest,
  });
  service.observe(followUps);
  service.observe(metrics);

  const handler = new ChatCommandHandler({
    service,
    alerts,
    followUps,
    checklists,
    context,
    onUnexpectedError: (err, req) => logger.error({ err, platform: req.platform, user: req.userId }, 'command failed unexpectedly'),
    onRecorded: ({ incident, notifyError }, req) => {
      const log = logger.child({ incident: incident.number });
      if (notifyError) log.warn({ err: notifyError, platform: req.platform }, 'change recorded, but the chat could not be told');
      else log.info({ platform: req.platform, user: req.userId, phase: incident.phase }, 'change recorded');
    },
  });
  slack?.attach(handler);

  /** Whether each configured chat platform answers (an unreachable one does not stop sitroom; /healthz shows it). */
  const chatHealth = (): Partial<Record<Platform, 'ok' | 'unreachable'>> => ({
    ...(slack ? { slack: slack.health() } : {}),
    ...(mattermost ? { mattermost: mattermost.health() } : {}),
  });

  const routes: Route[] = [
    healthRoute({ database: () => proveWritable(db, clock.now()), ...(slack || mattermost ? { platforms: chatHealth } : {}) }, logger),
    alertmanagerWebhookRoute({
      alerts,
      token: config.alertmanager.webhookToken,
      host: config.host,
      maxBodyBytes: config.alertmanager.maxBodyBytes,
      logger,
      onDelivery: (outcome) => metrics.delivery(outcome),
    }),
    metrics.route(config.metricsToken),
    ...webRoutes({
      service,
      followUps,
      store,
      alerts: alertStore,
      auth: new WebAuth(config.web, new Sessions(new SqliteSessionStore(db), clock)),
      clock,
      timeZone: config.timeZone,
      declarePlatform: slack ? 'slack' : mattermost ? 'mattermost' : 'web',
      warRoomUrl: (incident) => warRoomUrl(config, incident, { slack: slack?.teamId(), mattermost: mattermost?.teamName() }),
      customRoles: config.customRoles,
      checklists: checklistStore,
      incidentTypes: config.incidentTypes,
      logger,
    }),
  ];
  // Platform limits until the adapters declare their own (a route's own maxBodyBytes wins).
  if (slack?.requestListener) routes.push({ method: 'POST', path: '/slack/events', handler: slack.requestListener, maxBodyBytes: PLATFORM_MAX_BODY_BYTES });
  if (mattermost) routes.push(...mattermost.routes(handler).map((r) => ({ maxBodyBytes: PLATFORM_MAX_BODY_BYTES, ...r })));
  const server = createHttpServer(routes, logger, config.http);
  const scheduler = new Scheduler({
    service,
    platforms: Object.keys(notifiers) as Platform[],
    tickSeconds: config.tickSeconds,
    logger,
    onReminder: (stage) => metrics.reminderSent(stage),
    chores: [() => cards.sweep(clock.now() - CARD_CATCH_UP_MS), () => followUps.sendDueDigest()],
  });

  return {
    service,
    followUps,
    checklists,
    alerts,
    cards,
    scheduler,
    server,
    async start() {
      // Credentials are checked before the port opens: a refused token stops start-up with a ConfigError.
      await mattermost?.start();
      await slack?.start();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      if (options.scheduler ?? true) await scheduler.start();
      return (server.address() as AddressInfo).port;
    },
    chatHealth,
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await cards.idle();
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      mattermost?.stop();
      await scheduler.stop();
      await cards.stop();
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, DRAIN_MS).unref())]);
      await slack?.stop();
      server.closeAllConnections();
      await closed;
      db.$client.close();
    },
  };
}
