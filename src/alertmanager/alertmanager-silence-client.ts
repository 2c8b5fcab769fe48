/** SilenceClient over Alertmanager's API v2: POST /api/v2/silences, DELETE /api/v2/silence/{id}. */
import type { SilenceClient, SilenceRequest } from '../alerts/ports.ts';
import { withoutCredentials } from '../delivery/url-credentials.ts';

/** Alertmanager answers in milliseconds; a hung one must not hold a click for long. */
const TIMEOUT_MS = 5000;

export class AlertmanagerSilenceClient implements SilenceClient {
  private readonly base: string;
  /** Basic authorization from credentials in ALERTMANAGER_URL (its web config's basic_auth_users, or a proxy). */
  private readonly auth: { authorization?: string };

  /** `baseUrl` is Alertmanager's own URL, e.g. http://alertmanager:9093 (ALERTMANAGER_URL). */
  constructor(baseUrl: string) {
    const { url, headers } = withoutCredentials(baseUrl);
    this.base = url.replace(/\/+$/, '');
    this.auth = headers;
  }

  async create(s: SilenceRequest): Promise<string> {
    const res = await fetch(`${this.base}/api/v2/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.auth },
      body: JSON.stringify({
        matchers: s.matchers,
        startsAt: new Date(s.startsAt).toISOString(),
        endsAt: new Date(s.endsAt).toISOString(),
        createdBy: s.createdBy,
        comment: s.comment,
      }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`Alertmanager answered ${res.status}: ${text.slice(0, 200).trim()}`);
    const id = (JSON.parse(text) as { silenceID?: unknown }).silenceID;
    if (typeof id !== 'string' || !id) throw new Error('Alertmanager answered without a silenceID');
    return id;
  }

  async expire(id: string): Promise<void> {
    const res = await fetch(`${this.base}/api/v2/silence/${encodeURIComponent(id)}`, { method: 'DELETE', headers: this.auth, signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) throw new Error(`Alertmanager answered ${res.status} expiring silence ${id}: ${(await res.text()).slice(0, 200).trim()}`);
  }
}
