/**
 * Closing the loop: when an action item's GitHub issue is closed, the item is done. GitHub tells sitroom through its
 * `issues` webhook at POST /github/webhook (GITHUB_WEBHOOK_SECRET), verified with X-Hub-Signature-256 by
 * @octokit/webhooks; a periodic check reads each tracked open item's issue too: every GITHUB_CHECK_MINUTES without a
 * webhook secret, hourly with one (GitHub does not redeliver a delivery sitroom missed).
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads#issues,
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Webhooks } from '@octokit/webhooks';
import { isIncidentError } from '../incidents/errors.ts';
import type { FollowUpService } from '../incidents/follow-up-service.ts';
import type { Logger } from '../logger.ts';
import { type Route, sendJson } from '../http/http-server.ts';
import { BodyTooLarge, readBody } from '../http/read-body.ts';
import type { GithubIssues } from './github-client.ts';

/** An `issues` delivery is a few kilobytes; GitHub caps payloads at 25 MB, far more than sitroom needs to read. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface GithubSyncOptions {
  followUps: FollowUpService;
  issues: Pick<GithubIssues, 'state'>;
  /** owner/name: deliveries about other repositories are ignored. */
  repo: string;
  logger: Logger;
  now: () => number;
  /** The periodic check runs at most this often. */
  checkEveryMs: number;
}

interface IssuesDelivery {
  action?: string;
  issue?: { number?: number };
  repository?: { full_name?: string };
  sender?: { login?: string };
}

/**
 * The delivery's JSON. GitHub sends it as the body (content type application/json, as the README says to choose) or,
 * with its default content type (`form`), in the `payload` field of a url-encoded form: a webhook set up without
 * changing that must work too (https://docs.github.com/en/webhooks/using-webhooks/creating-webhooks, "Content type").
 */
function deliveryOf(body: string, contentType: string | undefined): IssuesDelivery | undefined {
  const json = contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body).get('payload') : body;
  try {
    const parsed: unknown = JSON.parse(json ?? '');
    return typeof parsed === 'object' && parsed !== null ? (parsed as IssuesDelivery) : undefined;
  } catch {
    return undefined;
  }
}

export class GithubSync {
  private readonly o: GithubSyncOptions;
  private lastCheck = -Infinity;
  /** The check under way, if any: a tick never starts a second one beside it. */
  private checking: Promise<void> | undefined;

  constructor(opts: GithubSyncOptions) {
    this.o = opts;
  }

  /** Issue `number` of GITHUB_REPO was closed by `login`: the open items it tracks are done. Returns how many. */
  async issueClosed(number: number, login: string | null): Promise<number> {
    let done = 0;
    for (const item of (await this.o.followUps.openTrackedItems()).filter((i) => i.issue?.number === number)) {
      try {
        await this.o.followUps.completeActionItem(item.id, login ? `github:${login}` : 'github');
        done += 1;
      } catch (e) {
        // Marked done meanwhile (by hand, or by a webhook and the check at once): nothing left to do.
        if (!isIncidentError(e)) throw e;
      }
    }
    return done;
  }

  /**
   * The periodic check (a scheduler chore): at most every checkEveryMs, each tracked open item's issue is read. Returns
   * the check it started (undefined when none was due or one is still under way); the scheduler does not wait for it,
   * since a hanging GitHub (15 s per item before each call gives up) would hold up reminders and page re-posts.
   */
  startCheck(): Promise<void> | undefined {
    const now = this.o.now();
    if (this.checking || now - this.lastCheck < this.o.checkEveryMs) return undefined;
    this.lastCheck = now;
    this.checking = this.check().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async check(): Promise<void> {
    for (const item of await this.o.followUps.openTrackedItems()) {
      if (!item.issue) continue;
      try {
        const state = await this.o.issues.state(item.issue.number);
        if (state.closed) await this.issueClosed(item.issue.number, state.by);
      } catch (err) {
        // GitHub down or the token revoked: the next check tries again; the item stays open meanwhile.
        this.o.logger.warn({ err, item: item.id, issue: item.issue.number }, 'could not read a GitHub issue');
      }
    }
  }

  /** POST /github/webhook: deliveries verified with `secret` (X-Hub-Signature-256); forged ones get 401. */
  route(secret: string): Route {
    // @octokit/webhooks is loaded by the first delivery, not at start-up (only a sitroom with a GitHub webhook needs it).
    let verifier: Promise<Webhooks> | undefined;
    const webhooks = () => (verifier ??= import('@octokit/webhooks').then(({ Webhooks }) => new Webhooks({ secret })));
    return {
      method: 'POST',
      path: '/github/webhook',
      maxBodyBytes: MAX_BODY_BYTES,
      handler: async (req: IncomingMessage, res: ServerResponse) => {
        let body: string;
        try {
          body = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
        } catch (e) {
          if (e instanceof BodyTooLarge) return sendJson(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
          return sendJson(res, 400, { error: 'body could not be read' });
        }
        const signature = req.headers['x-hub-signature-256'];
        if (typeof signature !== 'string' || !(await (await webhooks()).verify(body, signature).catch(() => false))) {
          this.o.logger.warn({ event: req.headers['x-github-event'] }, 'GitHub webhook with a missing or wrong signature refused');
          return sendJson(res, 401, { error: 'missing or wrong X-Hub-Signature-256 (GITHUB_WEBHOOK_SECRET)' });
        }
        const event = req.headers['x-github-event'];
        const delivery = deliveryOf(body, req.headers['content-type']);
        if (!delivery) return sendJson(res, 400, { error: 'body is not an issues delivery: JSON, or a form with the JSON in its payload field' });
        if (event !== 'issues' || delivery.action !== 'closed' || typeof delivery.issue?.number !== 'number') return sendJson(res, 202, { ignored: true });
        if (delivery.repository?.full_name?.toLowerCase() !== this.o.repo.toLowerCase()) return sendJson(res, 202, { ignored: true, reason: 'another repository' });
        const done = await this.issueClosed(delivery.issue.number, delivery.sender?.login ?? null);
        return sendJson(res, 200, { done });
      },
    };
  }
}
