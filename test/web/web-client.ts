/** Plain HTTP against a running sitroom's web routes: pages, forms (with their CSRF token) and the JSON API. */
import type { Declaration } from '../../src/incidents/incident-rules.ts';
import type { SitroomUnderTest } from '../chat/scenarios/sitroom-under-test.ts';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** The CSRF token of the first form on `page`. */
export function csrfOf(page: string): string {
  const token = /<input type="hidden" name="csrf" value="([^"]+)">/.exec(page)?.[1];
  if (!token) throw new Error(`no CSRF field on the page:\n${page.slice(0, 500)}`);
  return token;
}

/** `user:password` as a Basic authorization header value. */
export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Anything serving sitroom's web routes: an app in this process, or a real process (test/e2e). */
type Served = Pick<SitroomUnderTest, 'url'>;

export class WebClient {
  private readonly app: Served;
  /** Sent with every request (e.g. authorization, cookie). */
  readonly headers: Record<string, string>;

  constructor(app: Served, headers: Record<string, string> = {}) {
    this.app = app;
    this.headers = headers;
  }

  /** GET `path`; redirects are not followed. */
  async get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await fetch(`${this.app.url}${path}`, { headers: { ...this.headers, ...headers }, redirect: 'manual' });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  /** GET `path` as JSON. */
  async json(path: string): Promise<{ status: number; body: unknown }> {
    const answer = await this.get(path);
    return { status: answer.status, body: JSON.parse(answer.text) as unknown };
  }

  /** POSTs `form` url-encoded from this site's own page (Origin, as a browser sends it); redirects are not followed. */
  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await fetch(`${this.app.url}${path}`, {
      method: 'POST',
      headers: { origin: this.app.url, ...this.headers, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  /** The CSRF token the board hands this client. */
  async csrf(): Promise<string> {
    const board = await this.get('/');
    if (board.status !== 200) throw new Error(`the board answered ${board.status}`);
    return csrfOf(board.text);
  }

  /** POSTs `form` as a form on the board would: with this client's CSRF token. */
  async act(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    return this.post(path, { csrf: await this.csrf(), ...form }, headers);
  }
}

/** Signs in on /signin with `token` as a browser would; the session cookie (name=value) to send back. */
export async function signIn(app: Served, token: string): Promise<string> {
  const answer = await new WebClient(app).post('/signin', { token });
  if (answer.status !== 303) throw new Error(`sign-in answered ${answer.status}`);
  return (answer.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

/** Declares an incident straight through the service (as a chat command would). */
export async function declared(app: SitroomUnderTest, d: Partial<Declaration> & { title: string }): Promise<number> {
  const outcome = await app.sitroom.service.declare({ severity: 'sev2', isPrivate: false, platform: 'web', declaredBy: 'alice', ...d });
  return outcome.incident.number;
}
