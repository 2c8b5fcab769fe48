/**
 * A local fake of the one Alertmanager call paging makes, POST /api/v2/alerts (api/v2/openapi.yaml postAlerts), for
 * tests on a fixed clock; the real Alertmanager is exercised in test/e2e/paging.test.ts. It refuses what
 * Alertmanager refuses (api/v2/api.go postAlertsHandler → alert.Validate in types/types.go): an alert without labels,
 * an empty label value, or one ending before it starts → 400 with the reason. `failNext(status, n)` simulates an outage.
 */
import { createServer, type Server } from 'node:http';
import { closeServer, listenOnLoopback, readRequest } from './local-server.ts';

export interface ReceivedAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

export class FakeAlertmanagerApi {
  readonly received: ReceivedAlert[] = [];
  /** The Authorization header of each post (Alertmanager's web config may require basic auth). */
  readonly authorizations: (string | undefined)[] = [];
  url = '';
  private readonly server: Server;
  private failures: number[] = [];

  private constructor() {
    this.server = createServer((req, res) => {
      void readRequest(req, this.url).then(({ url, raw }) => {
        if (req.method !== 'POST' || url.pathname !== '/api/v2/alerts') return void res.writeHead(404).end();
        this.authorizations.push(req.headers.authorization);
        const failure = this.failures.shift();
        if (failure !== undefined) return void res.writeHead(failure).end('unavailable');
        let alerts: ReceivedAlert[];
        try {
          alerts = JSON.parse(raw) as ReceivedAlert[];
        } catch {
          return void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify('invalid JSON'));
        }
        for (const a of alerts) {
          const problem =
            Object.keys(a.labels ?? {}).length === 0
              ? 'at least one label pair required'
              : Object.values(a.labels).some((v) => v === '')
                ? 'empty label value'
                : Date.parse(a.endsAt) < Date.parse(a.startsAt)
                  ? 'start time must be before end time'
                  : null;
          if (problem) return void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(problem));
        }
        this.received.push(...alerts);
        res.writeHead(200).end();
      });
    });
  }

  static async start(): Promise<FakeAlertmanagerApi> {
    const fake = new FakeAlertmanagerApi();
    fake.url = await listenOnLoopback(fake.server);
    return fake;
  }

  /** The next `times` posts answer `status` and are dropped. */
  failNext(status: number, times = 1): void {
    this.failures.push(...Array<number>(times).fill(status));
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}
