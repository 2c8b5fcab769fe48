/**
 * GitHub's REST API as far as sitroom uses it, on 127.0.0.1: create an issue and get an issue, refusing what GitHub
 * refuses, as documented:
 * - https://docs.github.com/en/rest/issues/issues#create-an-issue — POST /repos/{owner}/{repo}/issues answers 201 with
 *   the issue (number, html_url, state); 404 for a repository the token cannot see; 410 when issues are disabled;
 *   422 "Validation Failed" with `errors` (a missing title is `code: missing_field`).
 * - https://docs.github.com/en/rest/issues/issues#list-repository-issues — GET /repos/{owner}/{repo}/issues with
 *   `state` (open by default, or closed, all) and `since` (only issues updated at or after that ISO 8601 time).
 * - https://docs.github.com/en/rest/issues/issues#get-an-issue — GET /repos/{owner}/{repo}/issues/{issue_number}:
 *   200, or 404 "Not Found".
 * - https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api — a wrong token is 401 "Bad
 *   credentials"; error bodies are `{ message, documentation_url, status }`.
 * - https://docs.github.com/en/rest/authentication/authenticating-to-the-rest-api — the token comes as
 *   `Authorization: token <t>` or `Authorization: Bearer <t>`.
 * Titles longer than 256 characters are refused with 422 (GitHub's issue title limit).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, readText } from './local-server.ts';

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  html_url: string;
  closed_by: { login: string } | null;
  updated_at: string;
}

const DOCS = 'https://docs.github.com/rest';

export class FakeGithubApi {
  readonly issues: FakeIssue[] = [];
  /** Every request: method, path and status answered. */
  readonly calls: { method: string; path: string; status: number }[] = [];
  /** Answer 503 to everything (GitHub unavailable). */
  down = false;
  /** Create the next issue but cut the connection instead of answering (an answer lost on the way back). */
  loseNextAnswer = false;
  /** Hold every GET of one issue unanswered (GitHub hanging) until release(). */
  holdReads = false;
  private readonly held: { answer: () => void; open: boolean }[] = [];
  private heldWaiters: (() => void)[] = [];
  private readonly server: Server;
  url = '';

  private readonly token: string;
  private readonly repo: string;

  private constructor(token: string, repo: string) {
    this.token = token;
    this.repo = repo;
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(token: string, repo: string): Promise<FakeGithubApi> {
    const api = new FakeGithubApi(token, repo);
    api.url = await listenOnLoopback(api.server);
    return api;
  }

  /** Closes issue `number` as `login` would on github.com. */
  close(number: number, login = 'octocat'): FakeIssue {
    const issue = this.issues.find((i) => i.number === number);
    if (!issue) throw new Error(`no issue #${number}`);
    issue.state = 'closed';
    issue.closed_by = { login };
    issue.updated_at = new Date().toISOString();
    return issue;
  }

  /** Resolves once a read is being held. */
  readHeld(): Promise<void> {
    return this.held.length > 0 ? Promise.resolve() : new Promise((resolve) => this.heldWaiters.push(resolve));
  }

  /** A held read whose caller is still waiting (it neither gave up nor was answered). */
  stillHeld(): boolean {
    return this.held.some((h) => h.open);
  }

  /** Answers the held reads. */
  release(): void {
    this.holdReads = false;
    for (const h of this.held.splice(0)) if (h.open) h.answer();
  }

  stop(): Promise<void> {
    this.release();
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readText(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const answer = (status: number, body: unknown) => {
      this.calls.push({ method: req.method ?? '', path, status });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    };
    const error = (status: number, message: string, extra: Record<string, unknown> = {}) => answer(status, { message, documentation_url: DOCS, status: String(status), ...extra });
    if (this.down) return error(503, 'Service Unavailable');
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${this.token}` && auth !== `Bearer ${this.token}`) return error(401, 'Bad credentials');
    const match = /^\/repos\/([^/]+\/[^/]+)\/issues(?:\/(\d+))?$/.exec(path);
    if (!match || match[1] !== this.repo) return error(404, 'Not Found');
    if (req.method === 'GET' && match[2] && this.holdReads) {
      const read = () => this.issues.find((i) => i.number === Number(match[2]));
      const h = { open: true, answer: () => (read() ? answer(200, read()) : error(404, 'Not Found')) };
      // The caller gave up (its time-out aborted the request): the connection closes before any answer.
      res.once('close', () => (h.open = false));
      this.held.push(h);
      for (const w of this.heldWaiters.splice(0)) w();
      return;
    }
    if (req.method === 'GET' && match[2]) {
      const issue = this.issues.find((i) => i.number === Number(match[2]));
      return issue ? answer(200, issue) : error(404, 'Not Found');
    }
    if (req.method === 'GET') {
      const state = url.searchParams.get('state') ?? 'open';
      const since = url.searchParams.get('since');
      return answer(
        200,
        this.issues.filter((i) => (state === 'all' || i.state === state) && (!since || i.updated_at >= new Date(since).toISOString())),
      );
    }
    if (req.method !== 'POST' || match[2]) return error(404, 'Not Found');
    let input: { title?: unknown; body?: unknown };
    try {
      input = JSON.parse(raw) as typeof input;
    } catch {
      return error(400, 'Problems parsing JSON');
    }
    if (typeof input.title !== 'string' || input.title === '') return error(422, 'Validation Failed', { errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }] });
    if (input.title.length > 256) return error(422, 'Validation Failed', { errors: [{ resource: 'Issue', code: 'custom', field: 'title', message: 'title is too long (maximum is 256 characters)' }] });
    const number = this.issues.length + 1;
    const issue: FakeIssue = { number, title: input.title, body: typeof input.body === 'string' ? input.body : '', state: 'open', html_url: `https://github.example/${this.repo}/issues/${number}`, closed_by: null, updated_at: new Date().toISOString() };
    this.issues.push(issue);
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      this.calls.push({ method: 'POST', path, status: 0 });
      res.destroy();
      return;
    }
    return answer(201, issue);
  }
}
