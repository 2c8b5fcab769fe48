/**
 * A local fake of Grafana's annotations HTTP API, as sitroom uses it
 * (https://grafana.com/docs/grafana/latest/developer-resources/api-reference/http-api/annotations/, handlers in
 * grafana's pkg/api/annotations.go). It refuses what Grafana refuses:
 * - no or wrong `Authorization: Bearer <service account token>` → 401 {"message":"Unauthorized"} (docs: "Authentication
 *   API", every HTTP API call needs a token or basic auth);
 * - POST /api/annotations with empty `text` → 400 {"message":"Failed to save annotation"} (PostAnnotation checks
 *   `cmd.Text == ""`: "text field should not be empty");
 * - PATCH /api/annotations/:id of an id it does not have → 404 {"message":"Annotation not found"};
 * - a body that is not JSON → 400 {"message":"bad request data"} (web.Bind).
 * Answers as Grafana does: POST → {"message":"Annotation added","id":N}; PATCH → {"message":"Annotation patched"};
 * GET /api/annotations?tags=…&type=annotation&limit=N → the annotations carrying every tag (matchAny defaults to false).
 * `failNext(status)` makes the next calls fail (an outage), `loseNextAnswer()` does the next write but drops its answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, readRequest } from './local-server.ts';

export interface StoredAnnotation {
  id: number;
  time: number;
  timeEnd: number;
  tags: string[];
  text: string;
}

export class FakeGrafanaApi {
  readonly annotations = new Map<number, StoredAnnotation>();
  readonly calls: { method: string; path: string; body: unknown }[] = [];
  url = '';
  private readonly server: Server;
  private nextId = 1;
  private failures: number[] = [];
  private losing = 0;

  private readonly token: string;

  private constructor(token: string) {
    this.token = token;
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(token: string): Promise<FakeGrafanaApi> {
    const fake = new FakeGrafanaApi(token);
    fake.url = await listenOnLoopback(fake.server);
    return fake;
  }

  /** The next `times` calls answer `status` without doing anything. */
  failNext(status: number, times = 1): void {
    this.failures.push(...Array<number>(times).fill(status));
  }

  /** The next write (POST, PATCH) is done but its connection is cut before the answer (the client sees a network error). */
  loseNextAnswer(): void {
    this.losing += 1;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { url, raw } = await readRequest(req, this.url);
    let body: unknown = null;
    const send = (status: number, payload: unknown) => {
      if (this.losing > 0 && status < 300 && req.method !== 'GET') {
        this.losing -= 1;
        res.socket?.destroy();
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return send(400, { message: 'bad request data' });
      }
    }
    this.calls.push({ method: req.method ?? '', path: url.pathname + url.search, body });
    if (req.headers.authorization !== `Bearer ${this.token}`) return send(401, { message: 'Unauthorized' });
    const failure = this.failures.shift();
    if (failure !== undefined) return send(failure, { message: 'failing on purpose' });
    const a = (body ?? {}) as Partial<StoredAnnotation>;
    if (req.method === 'POST' && url.pathname === '/api/annotations') {
      if (typeof a.text !== 'string' || a.text === '') return send(400, { message: 'Failed to save annotation' });
      const id = this.nextId++;
      this.annotations.set(id, { id, time: Number(a.time ?? 0), timeEnd: Number(a.timeEnd ?? a.time ?? 0), tags: [...(a.tags ?? [])], text: a.text });
      return send(200, { message: 'Annotation added', id });
    }
    const patch = /^\/api\/annotations\/(\d+)$/.exec(url.pathname);
    if (req.method === 'PATCH' && patch) {
      const current = this.annotations.get(Number(patch[1]));
      if (!current) return send(404, { message: 'Annotation not found' });
      this.annotations.set(current.id, { ...current, ...(a.time !== undefined ? { time: a.time } : {}), ...(a.timeEnd !== undefined ? { timeEnd: a.timeEnd } : {}), ...(a.tags ? { tags: [...a.tags] } : {}), ...(a.text ? { text: a.text } : {}) });
      return send(200, { message: 'Annotation patched' });
    }
    if (req.method === 'GET' && url.pathname === '/api/annotations') {
      const tags = url.searchParams.getAll('tags');
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const found = [...this.annotations.values()].filter((x) => tags.every((t) => x.tags.includes(t))).slice(0, limit);
      return send(200, found);
    }
    send(404, { message: 'Not found' });
  }
}
