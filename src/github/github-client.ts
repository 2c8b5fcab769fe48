/**
 * The two GitHub calls sitroom makes, through @octokit/rest: open an issue in GITHUB_REPO, and read one back.
 * Every call is abandoned after `timeoutMs` (an AbortSignal given to octokit's fetch).
 * https://docs.github.com/en/rest/issues/issues#create-an-issue, #get-an-issue.
 */
import type { Octokit } from '@octokit/rest';
import type { TrackingIssue } from '../incidents/action-items.ts';

export interface GithubConfig {
  token: string;
  /** owner/name */
  repo: string;
  /** https://api.github.com, or GitHub Enterprise's https://<host>/api/v3 */
  apiUrl: string;
  timeoutMs: number;
}

/** GitHub's issue title limit. */
const MAX_TITLE = 256;

export class GithubIssues {
  private client: Promise<Octokit> | undefined;
  private readonly config: GithubConfig;
  private readonly warn: (message: string) => void;
  private readonly owner: string;
  private readonly name: string;
  private readonly timeoutMs: number;

  constructor(config: GithubConfig, warn: (message: string) => void = () => undefined) {
    this.config = config;
    this.warn = warn;
    const [owner = '', name = ''] = config.repo.split('/');
    this.owner = owner;
    this.name = name;
    this.timeoutMs = config.timeoutMs;
  }

  /** @octokit/rest, loaded on the first call rather than at start-up (a sitroom without GitHub never loads it). */
  private octokit(): Promise<Octokit> {
    // Octokit logs every failed request to the console by default; the dispatcher already logs outcomes, so only
    // octokit's warnings (deprecations) are passed on, to sitroom's logger.
    const quiet = () => undefined;
    const { token, apiUrl } = this.config;
    this.client ??= import('@octokit/rest').then(
      ({ Octokit }) => new Octokit({ auth: token, baseUrl: apiUrl.replace(/\/+$/, ''), userAgent: 'sitroom', log: { debug: quiet, info: quiet, warn: this.warn, error: quiet } }),
    );
    return this.client;
  }

  /** Opens an issue; its number and page. */
  async open(title: string, body: string): Promise<TrackingIssue> {
    const short = title.length > MAX_TITLE ? `${title.slice(0, MAX_TITLE - 1)}…` : title;
    const { data } = await (await this.octokit()).rest.issues.create({ owner: this.owner, repo: this.name, title: short, body, request: { signal: AbortSignal.timeout(this.timeoutMs) } });
    return { number: data.number, url: data.html_url };
  }

  /** An issue updated since `since` whose body contains `marker` (one opened by an attempt whose answer was lost). */
  async find(marker: string, since: number): Promise<TrackingIssue | undefined> {
    const { data } = await (await this.octokit()).rest.issues.listForRepo({
      owner: this.owner,
      repo: this.name,
      state: 'all',
      since: new Date(since).toISOString(),
      per_page: 100,
      request: { signal: AbortSignal.timeout(this.timeoutMs) },
    });
    const found = data.find((i) => i.body?.includes(marker));
    return found && { number: found.number, url: found.html_url };
  }

  /** Whether issue `number` is closed, and by whom. */
  async state(number: number): Promise<{ closed: boolean; by: string | null }> {
    const { data } = await (await this.octokit()).rest.issues.get({ owner: this.owner, repo: this.name, issue_number: number, request: { signal: AbortSignal.timeout(this.timeoutMs) } });
    return { closed: data.state === 'closed', by: data.closed_by?.login ?? null };
  }
}
