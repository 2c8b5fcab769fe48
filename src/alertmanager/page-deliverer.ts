/**
 * Delivers pages (src/incidents/paging.ts) to Alertmanager: POST /api/v2/alerts with one alert, rendered from the page
 * as it is when delivered, so a queued re-post of a page resolved meanwhile posts the resolution. Alertmanager
 * identifies an alert by its label set (https://prometheus.io/docs/alerting/latest/clients/): every post of one page
 * carries the same labels, and `endsAt` says how long it fires (a few minutes ahead while the incident is active,
 * the resolution time once it is not).
 */
import type { EffectDeliverer, PreparedCall } from '../delivery/dispatcher.ts';
import { classifyHttpFailure, okText } from '../delivery/http-failure.ts';
import type { OutboxRow } from '../delivery/outbox.ts';
import { withoutCredentials } from '../delivery/url-credentials.ts';
import type { Incident } from '../incidents/incident.ts';
import type { PageStore } from '../incidents/integration-ports.ts';
import { type Page, PAGE_FIRING_FOR_MS } from '../incidents/paging.ts';

export interface PageDelivererOptions {
  /** ALERTMANAGER_URL, e.g. http://alertmanager:9093. */
  baseUrl: string;
  pages: Pick<PageStore, 'page'>;
  incident: (number: number) => Promise<Incident | undefined>;
  /** Links the pager can offer: the war room and the incident page (PUBLIC_URL), when there are any. */
  warRoomUrl: (incident: Incident) => string | null;
  incidentUrl: (number: number) => string | null;
  now: () => number;
  timeoutMs: number;
}

/** The alert Alertmanager is given for `page` (API v2 postableAlert). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

export function pageAlert(page: Page, incident: Incident | undefined, links: { warRoom: string | null; incident: string | null }, now: number): PostableAlert {
  const endsAt = page.resolvedAt ?? now + PAGE_FIRING_FOR_MS;
  // A private incident's title stays in its war room: a pager notification is read on lock screens.
  const title = !incident ? `Incident #${page.incidentNumber}` : incident.isPrivate ? `Private incident #${incident.number}` : `Incident #${incident.number}: ${incident.title}`;
  const annotations: Record<string, string> = { summary: `[${page.severity.toUpperCase()}] ${title}` };
  if (page.message) annotations['description'] = page.message;
  if (links.warRoom) annotations['war_room'] = links.warRoom;
  if (links.incident) annotations['incident_url'] = links.incident;
  annotations['paged_by'] = page.pagedBy;
  return {
    labels: { alertname: 'SitroomPage', incident: String(page.incidentNumber), severity: page.severity, team: page.team },
    annotations,
    startsAt: new Date(page.pagedAt).toISOString(),
    // Alertmanager refuses an alert that ends before it starts (api/v2 validation: "start time must be before end time").
    endsAt: new Date(Math.max(endsAt, page.pagedAt)).toISOString(),
    ...(links.incident ? { generatorURL: links.incident } : {}),
  };
}

export class AlertmanagerPageDeliverer implements EffectDeliverer {
  private readonly o: PageDelivererOptions;
  private readonly url: string;
  private readonly headers: Record<string, string>;

  constructor(options: PageDelivererOptions) {
    this.o = options;
    // An Alertmanager behind basic auth (its web config, or a proxy): ALERTMANAGER_URL=https://user:pass@host.
    const { url, headers } = withoutCredentials(`${options.baseUrl.replace(/\/+$/, '')}/api/v2/alerts`);
    this.url = url;
    this.headers = { 'content-type': 'application/json', ...headers };
  }

  async prepare(row: OutboxRow): Promise<PreparedCall | 'skip'> {
    const { effect } = row;
    if (effect.kind !== 'page_alert') return 'skip';
    return {
      call: 'postAlert',
      channel: 'alertmanager',
      send: async () => {
        const page = await this.o.pages.page(effect.pageId);
        if (!page) return {};
        const incident = await this.o.incident(page.incidentNumber);
        const links = { warRoom: incident ? this.o.warRoomUrl(incident) : null, incident: this.o.incidentUrl(page.incidentNumber) };
        const res = await fetch(this.url, {
          method: 'POST',
          headers: this.headers,
          body: JSON.stringify([pageAlert(page, incident, links, this.o.now())]),
          signal: AbortSignal.timeout(this.o.timeoutMs),
        });
        await okText('Alertmanager', res);
        return {};
      },
    };
  }

  classify(error: unknown) {
    return classifyHttpFailure(error);
  }
}
