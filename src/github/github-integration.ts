/** Follow-ups as GitHub issues, wired: the outbox dispatcher that opens issues, the webhook route, the periodic check. */
import { OutboxDispatcher } from '../delivery/dispatcher.ts';
import type { OutboxStore } from '../delivery/outbox.ts';
import { Pacer } from '../delivery/pacing.ts';
import { DEFAULT_RETRY } from '../delivery/retry-policy.ts';
import type { GithubIntegrationConfig } from '../config.ts';
import type { FollowUpService } from '../incidents/follow-up-service.ts';
import { GITHUB_QUEUE } from '../incidents/github-issues.ts';
import type { Incident } from '../incidents/incident.ts';
import type { Clock, FollowUpStore } from '../incidents/ports.ts';
import type { Logger } from '../logger.ts';
import type { Route } from '../http/http-server.ts';
import { GithubIssues } from './github-client.ts';
import { GithubIssueDeliverer } from './github-issue-deliverer.ts';
import { GithubSync } from './github-sync.ts';

/** How often closed issues are looked for when GitHub's webhook tells of them (only deliveries it lost are left). */
export const WEBHOOK_CATCH_UP_MS = 60 * 60_000;

export interface GithubIntegrationOptions {
  config: GithubIntegrationConfig;
  followUps: FollowUpService;
  followUpStore: Pick<FollowUpStore, 'actionItem'>;
  incident: (number: number) => Promise<Incident | undefined>;
  outbox: OutboxStore;
  clock: Clock;
  giveUpMs: number;
  publicUrl: string | undefined;
  logger: Logger;
  /** Runs background work that shutdown (and tests' settled()) wait for. */
  track: (work: Promise<unknown>) => void;
}

export interface GithubIntegration {
  dispatcher: OutboxDispatcher;
  /** POST /github/webhook when GITHUB_WEBHOOK_SECRET is set. */
  routes: Route[];
  /** The periodic check: every GITHUB_CHECK_MINUTES without a webhook, a slower catch-up with one. */
  chores: (() => Promise<void>)[];
}

export function githubIntegration(o: GithubIntegrationOptions): GithubIntegration {
  const log = o.logger.child({ queue: GITHUB_QUEUE });
  const issues = new GithubIssues(o.config, (message) => log.warn(message));
  const dispatcher = new OutboxDispatcher({
    platform: GITHUB_QUEUE,
    store: o.outbox,
    deliverer: new GithubIssueDeliverer({
      issues,
      item: (id) => o.followUpStore.actionItem(id),
      incident: o.incident,
      opened: (id, issue) => o.followUps.issueOpened(id, issue),
      incidentUrl: (n) => (o.publicUrl ? `${o.publicUrl}/incidents/${n}` : null),
    }),
    // GitHub asks integrations to make content-creating requests one at a time and at most ~80 a minute
    // (https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#avoid-concurrent-requests).
    pacer: new Pacer({ methods: { post: { perMinute: 60, burst: 5 } } }),
    clock: o.clock,
    retry: { ...DEFAULT_RETRY, giveUpMs: o.giveUpMs },
    callTimeoutMs: o.config.timeoutMs,
    maxInFlight: 1,
    pollMs: 1000,
    onOutcome: (row, outcome, { error, messageId }) => {
      const fields = { row: row.id, incident: row.incidentNumber, item: row.effect.kind === 'github_issue' ? row.effect.item : undefined, error };
      if (outcome === 'delivered' && messageId) log.info({ ...fields, issue: Number(messageId) }, 'GitHub issue opened');
      if (outcome === 'retried') log.warn(fields, 'GitHub issue not opened; will retry');
      if (outcome === 'gave_up') {
        log.error(fields, 'GitHub issue given up');
        // Said where people look: the incident's timeline (and its war room).
        if (fields.item !== undefined) void o.followUps.issueNotOpened(fields.item, error ?? 'gave up').catch((err: unknown) => log.error({ err }, 'could not record the GitHub failure'));
      }
    },
  });
  const { webhookSecret } = o.config;
  // With a webhook the check still runs (at start-up, then hourly): GitHub does not redeliver a delivery that failed
  // while sitroom was restarting or unreachable, and that issue's item would otherwise stay open for ever
  // (https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries).
  const checkEveryMs = webhookSecret ? Math.max(o.config.checkEveryMs, WEBHOOK_CATCH_UP_MS) : o.config.checkEveryMs;
  const sync = new GithubSync({ followUps: o.followUps, issues, repo: o.config.repo, logger: log, now: () => o.clock.now(), checkEveryMs });
  return {
    dispatcher,
    routes: webhookSecret ? [sync.route(webhookSecret)] : [],
    chores: [
      async () => {
        const check = sync.startCheck();
        if (check) o.track(check);
      },
    ],
  };
}
