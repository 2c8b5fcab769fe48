/**
 * Delivers incidents' dashboard annotations (src/incidents/dashboard-annotation.ts) to Grafana's HTTP API
 * (https://grafana.com/docs/grafana/latest/developer-resources/api-reference/http-api/annotations/): an
 * organization annotation (no dashboard: any dashboard shows it through an annotation query on its tags), created
 * with POST /api/annotations and moved with PATCH /api/annotations/:id as the incident's phase moves. Rendered from
 * the incident as it is when delivered. Before creating one it looks for an annotation already carrying the
 * incident's tags, so a crash between Grafana's answer and saving its id never leaves two.
 */
import type { EffectDeliverer, PreparedCall } from '../delivery/dispatcher.ts';
import { classifyHttpFailure, okText } from '../delivery/http-failure.ts';
import type { OutboxRow } from '../delivery/outbox.ts';
import { annotationFor, type DashboardAnnotation } from '../incidents/dashboard-annotation.ts';
import type { Incident } from '../incidents/incident.ts';
import type { AnnotationStore } from '../incidents/integration-ports.ts';

export interface AnnotationDelivererOptions {
  /** GRAFANA_URL, e.g. https://grafana.example.com (a sub-path such as /grafana is kept). */
  baseUrl: string;
  /** GRAFANA_TOKEN: a service account token with annotations:read (the look-up below), :create and :write. */
  token: string;
  store: Pick<AnnotationStore, 'annotationIdOf' | 'saveAnnotationId'>;
  incident: (number: number) => Promise<Incident | undefined>;
  /** The incident page (PUBLIC_URL), linked from the annotation's text when there is one. */
  incidentUrl: (number: number) => string | null;
  timeoutMs: number;
}

export class GrafanaAnnotationDeliverer implements EffectDeliverer {
  private readonly o: AnnotationDelivererOptions;
  private readonly base: string;

  constructor(options: AnnotationDelivererOptions) {
    this.o = options;
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  async prepare(row: OutboxRow): Promise<PreparedCall | 'skip'> {
    const { effect } = row;
    if (effect.kind !== 'annotation') return 'skip';
    return { call: 'annotate', channel: 'grafana', send: () => this.send(effect.number) };
  }

  classify(error: unknown) {
    return classifyHttpFailure(error);
  }

  private async send(number: number): Promise<{ messageId?: string | null }> {
    const incident = await this.o.incident(number);
    const annotation = incident && annotationFor(incident);
    if (!annotation) return {};
    const link = this.o.incidentUrl(number);
    const body: DashboardAnnotation = link ? { ...annotation, text: `${annotation.text} — ${link}` } : annotation;
    const id = (await this.o.store.annotationIdOf(number)) ?? (await this.existing(annotation.tags));
    if (id !== null) {
      await this.call('PATCH', `/api/annotations/${encodeURIComponent(id)}`, body);
      await this.o.store.saveAnnotationId(number, id);
      return { messageId: id };
    }
    const created = JSON.parse(await this.call('POST', '/api/annotations', body)) as { id?: unknown };
    if (typeof created.id !== 'number' && typeof created.id !== 'string') throw new Error('Grafana answered without an annotation id');
    await this.o.store.saveAnnotationId(number, String(created.id));
    return { messageId: String(created.id) };
  }

  /** An annotation Grafana already has with all of these tags (made by an earlier attempt whose answer was lost). */
  private async existing(tags: readonly string[]): Promise<string | null> {
    const query = new URLSearchParams({ type: 'annotation', limit: '1' });
    for (const tag of tags.filter((t) => t.startsWith('inc-') || t === 'sitroom')) query.append('tags', tag);
    const found = JSON.parse(await this.call('GET', `/api/annotations?${query.toString()}`)) as unknown;
    const first = Array.isArray(found) ? (found[0] as { id?: unknown } | undefined) : undefined;
    return first && (typeof first.id === 'number' || typeof first.id === 'string') ? String(first.id) : null;
  }

  private async call(method: string, path: string, body?: unknown): Promise<string> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.o.token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(this.o.timeoutMs),
    });
    return okText('Grafana', res);
  }
}
