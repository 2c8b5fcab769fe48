/**
 * Opens the GitHub issue of an action item (the `github_issue` rows of the outbox) and links it from the item. Its
 * dispatcher is GitHub's own, so GitHub being slow or down delays no chat. An item that already has its issue is
 * skipped, so a retried row never opens a second one once the first is linked.
 */
import type { EffectDeliverer, PreparedCall } from '../delivery/dispatcher.ts';
import type { OutboxRow } from '../delivery/outbox.ts';
import type { DeliveryFailure } from '../delivery/retry-policy.ts';
import { retryAfterMs } from '../delivery/retry-after.ts';
import type { ActionItem, TrackingIssue } from '../incidents/action-items.ts';
import type { Incident } from '../incidents/incident.ts';
import type { GithubIssues } from './github-client.ts';

export interface GithubIssueDelivererOptions {
  issues: Pick<GithubIssues, 'open' | 'find'>;
  item: (id: number) => Promise<ActionItem | undefined>;
  incident: (number: number) => Promise<Incident | undefined>;
  /** Saves the issue on the item. */
  opened: (id: number, issue: TrackingIssue) => Promise<unknown>;
  /** Where an incident's page is, when sitroom has a public URL. */
  incidentUrl: (number: number) => string | null;
}

/** The issue's text: what, whose, by when, and where it came from (a private incident's title stays in sitroom). */
export function issueBody(item: ActionItem, incident: Incident, incidentUrl: string | null): string {
  return [
    `Follow-up of incident #${incident.number}${incident.isPrivate ? ' (private)' : `: ${incident.title}`}${incidentUrl ? ` (${incidentUrl})` : ''}`,
    '',
    item.text,
    '',
    ...(item.owner ? [`Owner: ${item.owner}`] : []),
    ...(item.due ? [`Due: ${item.due}`] : []),
    `Closing this issue marks action item #${item.id} done in sitroom.`,
    '',
    issueMarker(item),
  ].join('\n');
}

/** Names the item in its issue (invisible on GitHub), so a retry finds the issue an earlier attempt opened. */
export const issueMarker = (item: ActionItem): string => `<!-- sitroom action item ${item.id} -->`;

/** Clocks differ: issues updated a little before the row was queued are looked at too. */
const LOOK_BACK_MS = 5 * 60_000;

/** Octokit's RequestError as far as it is read here (status, and the response's headers). */
interface RequestErrorShape {
  status?: number;
  message?: string;
  name?: string;
  response?: { headers?: Record<string, string | undefined> };
}

export class GithubIssueDeliverer implements EffectDeliverer {
  private readonly o: GithubIssueDelivererOptions;

  constructor(opts: GithubIssueDelivererOptions) {
    this.o = opts;
  }

  async prepare(row: OutboxRow): Promise<PreparedCall | 'skip'> {
    const { effect } = row;
    if (effect.kind !== 'github_issue') return 'skip';
    const item = await this.o.item(effect.item);
    const incident = await this.o.incident(effect.number);
    if (!item || !incident || item.issue) return 'skip';
    return {
      call: 'post',
      channel: 'github',
      send: async () => {
        // An earlier attempt may have opened it and died (or timed out) before saving the answer: look first.
        const opened = await this.o.issues.find(issueMarker(item), row.createdAt - LOOK_BACK_MS);
        const issue = opened ?? await this.o.issues.open(`${item.text} (incident #${incident.number})`, issueBody(item, incident, this.o.incidentUrl(incident.number)));
        await this.o.opened(item.id, issue);
        return { messageId: String(issue.number) };
      },
    };
  }

  /**
   * GitHub's refusals are final (401 bad credentials, 403 forbidden, 404 unknown repository, 410 issues disabled,
   * 422 validation), except rate limits (403/429 with Retry-After or no requests left: wait as told); 5xx, time-outs
   * and network errors are retried.
   * https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
   */
  classify(error: unknown): DeliveryFailure {
    const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as RequestErrorShape;
    const message = e.status ? `GitHub answered ${e.status}: ${e.message ?? ''}` : (e.message ?? String(error));
    if (e.status === undefined || e.status >= 500) return { retry: true, message };
    const headers = e.response?.headers ?? {};
    const retryAfter = retryAfterMs(headers['retry-after']);
    const reset = Number(headers['x-ratelimit-reset']);
    if ((e.status === 403 || e.status === 429) && ((retryAfter ?? 0) > 0 || headers['x-ratelimit-remaining'] === '0')) {
      // x-ratelimit-reset is the end of the window in epoch seconds (GitHub's rate-limit docs above).
      const waitMs = retryAfter !== undefined && retryAfter > 0 ? retryAfter : Math.max(1000, reset * 1000 - Date.now());
      return { retry: true, retryAfterMs: waitMs, message };
    }
    return { retry: false, message };
  }
}
