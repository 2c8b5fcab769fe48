/**
 * The web desk's writes and the alert inbox: every action of desk-actions.ts as a form route (POST /incidents,
 * /incidents/<n>/<action>, /alerts/<id>/<action>) and as a JSON route under /api, GET /alerts and /api/alerts, and
 * /api/openapi.json. Forms need the CSRF token; a refused form comes back filled in with the error beside its field.
 * JSON writes need Content-Type application/json (a cross-site page can only send that after a CORS preflight,
 * which sitroom never grants) and, when the client names an Origin, ours.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { plainLine } from '../presentation/message.ts';
import { errorMessage, isIncidentError } from '../presentation/error-text.ts';
import type { AlertService } from '../alerts/alert-service.ts';
import type { AlertGroupView } from '../alerts/alert-group.ts';
import type { Incident } from '../incidents/incident.ts';
import type { Clock, IncidentStore } from '../incidents/ports.ts';
import type { Logger } from '../logger.ts';
import { type AlertGroupSummary, alertGroupSchema, alertListSchema, type IncidentDetail } from './api-schema.ts';
import { issueRefusal, type DeskAction, DESK_ACTIONS, type DeskContext, errorField, type Target } from './desk-actions.ts';
import { DEFAULT_MAX_BODY_BYTES, type Handler, type Route, sendJson } from '../http/http-server.ts';
import { openApiDocument } from './openapi.ts';
import { alertInboxPage } from './pages/alert-inbox-page.ts';
import { DESK_SCRIPT, type Rejected } from './pages/form-fields.ts';
import { errorPage, notFoundPage } from './pages/not-found-page.ts';
import type { Privacy } from './privacy.ts';
import { BodyError, readBody } from '../http/read-body.ts';
import type { Viewer, WebAuth } from './web-auth.ts';

/** What the desk routes borrow from web-routes.ts: its guard, form reader and page renderers. */
export interface DeskRouteDeps {
  ctx: DeskContext;
  alerts: AlertService;
  store: IncidentStore;
  auth: WebAuth;
  privacy: Privacy;
  clock: Clock;
  timeZone: string;
  accessNote: string | undefined;
  logger: Logger;
  guarded: (handler: (req: IncomingMessage, res: ServerResponse, viewer: Viewer, params: readonly string[]) => void | Promise<void>, json?: boolean) => Handler;
  readForm: (req: IncomingMessage, res: ServerResponse) => Promise<URLSearchParams | undefined>;
  send: (res: ServerResponse, status: number, type: string, body: string) => void;
  /** The incident page (status 200 unless refused), with a refused form filled in. */
  renderIncident: (res: ServerResponse, viewer: Viewer, number: number, status?: number, rejected?: Rejected) => Promise<void>;
  /** The board, with a refused declare filled in. */
  renderBoard: (res: ServerResponse, viewer: Viewer, status: number, rejected: Rejected) => Promise<void>;
  detailOf: (incident: Incident, now: number) => Promise<IncidentDetail>;
}

const HTML = 'text/html; charset=utf-8';
/** How far back the alert inbox looks. */
const INBOX_DAYS = 7;
const INBOX_LIMIT = 200;
const DAY = 86_400_000;
const EXPIRED_FORM = 'This form has expired or did not come from this page. Reload the page and try again.';

/** A body that does not match the action's schema: each field and what is wrong with it. */
class InvalidInput extends Error {
  readonly issues: { field: string; message: string }[];
  constructor(issues: { field: string; message: string }[]) {
    super(issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join('; '));
    this.issues = issues;
  }
}

/** What went wrong, for a page or a JSON answer: the status, the message (the chat's wording) and the field. */
interface Refusal {
  status: number;
  message: string;
  field: string;
  issues?: { field: string; message: string }[];
}

const pathOf = (a: DeskAction, target: number) =>
  a.scope === 'new' ? '/incidents' : a.scope === 'incident' ? `/incidents/${target}/${a.path}` : `/alerts/${target}/${a.path}`;

export function deskRoutes(d: DeskRouteDeps): Route[] {
  /** The field a schema issue turned into the chat's error was about (several text fields share text_too_long). */
  const fieldOf = new WeakMap<object, string>();

  async function run(a: DeskAction, target: number, raw: unknown, actor: string): Promise<Target> {
    const parsed = a.input.safeParse(raw);
    if (!parsed.success) {
      const given = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
      for (const issue of parsed.error.issues) {
        const ours = issueRefusal(issue, given);
        if (!ours) continue;
        fieldOf.set(ours, String(issue.path[0] ?? a.field));
        throw ours;
      }
      throw new InvalidInput(parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message })));
    }
    return a.run(d.ctx, target, parsed.data, actor);
  }

  function refusal(a: DeskAction, e: unknown, path: string): Refusal {
    if (e instanceof InvalidInput) return { status: 400, message: e.message, field: e.issues[0]?.field ?? a.field, issues: e.issues };
    if (isIncidentError(e)) return { status: 409, message: errorMessage(e).lines.map(plainLine).join(' '), field: fieldOf.get(e as object) ?? errorField(a, e) };
    d.logger.error({ err: e, path }, 'web action failed');
    return { status: 500, message: 'Something went wrong and it was logged; nothing may have been recorded. Please try again.', field: a.field };
  }

  /** The incident `number` if `viewer` may see it; a private one they may not see is as unknown as a missing one. */
  const visibleIncident = async (viewer: Viewer, number: number): Promise<Incident | undefined> => {
    const incident = await d.store.get(number);
    return incident && (await d.privacy.canSee(viewer, incident)) ? incident : undefined;
  };

  async function alertSummary(view: AlertGroupView, viewer: Viewer): Promise<AlertGroupSummary> {
    const g = view.group;
    const iso = (ms: number) => new Date(ms).toISOString();
    const linked = g.incidentNumber === null ? undefined : await d.store.get(g.incidentNumber);
    const hidden = linked !== undefined && !(await d.privacy.canSee(viewer, linked));
    return alertGroupSchema.parse({
      id: g.id,
      title: view.title,
      summary: view.summary,
      severity: view.severity,
      firing: view.firing,
      resolved: view.resolved,
      labels: view.labels.map(([k, v]) => [k, v]),
      links: view.links.map((l) => ({ label: l.label, url: l.url })),
      lastDeliveryAt: iso(g.lastDeliveryAt),
      acknowledged: g.acknowledged && { by: g.acknowledged.by, at: iso(g.acknowledged.at) },
      notActionable: g.notActionable && { by: g.notActionable.by, at: iso(g.notActionable.at) },
      silenced: g.silence && { id: g.silence.id, until: iso(g.silence.until), by: g.silence.by },
      incident: hidden ? null : g.incidentNumber,
      linkedToPrivate: hidden,
    });
  }

  const inbox = async (viewer: Viewer) => {
    const views = await d.alerts.recent(d.clock.now() - INBOX_DAYS * DAY, INBOX_LIMIT);
    return Promise.all(views.map((v) => alertSummary(v, viewer)));
  };

  async function renderInbox(res: ServerResponse, viewer: Viewer, status = 200, rejected?: { alert: number; message: string }): Promise<void> {
    const page = alertInboxPage({
      alerts: await inbox(viewer),
      canSilence: d.alerts.canSilence,
      now: d.clock.now(),
      timeZone: d.timeZone,
      csrfToken: d.auth.csrfToken(viewer),
      ...(d.accessNote ? { accessNote: d.accessNote } : {}),
      ...(rejected ? { rejected } : {}),
    });
    d.send(res, status, HTML, page);
  }

  /** The form route of `a`. */
  const formRoute = (a: DeskAction): Handler =>
    d.guarded(async (req, res, viewer, params) => {
      const form = await d.readForm(req, res);
      if (!form) return;
      if (!d.auth.csrfOk(req, viewer, form.get('csrf'))) return d.send(res, 403, HTML, String(errorPage({ status: 403, message: EXPIRED_FORM })));
      const target = Number(params[0] ?? 0);
      if (a.scope === 'incident' && !(await visibleIncident(viewer, target))) return d.send(res, 404, HTML, String(notFoundPage(`There is no incident #${target}.`)));
      const path = pathOf(a, target);
      try {
        const done = await run(a, target, a.fromForm(form), viewer.name);
        res.writeHead(303, { location: 'incident' in done ? `/incidents/${done.incident}` : `/alerts#alert-${done.alert}` });
        res.end();
      } catch (e) {
        const r = refusal(a, e, path);
        const values = Object.fromEntries([...form].filter(([k]) => k !== 'csrf').map(([k, v]) => [k, v.replace(/\r\n?/g, '\n')]));
        const rejected: Rejected = { form: path, values, field: r.field, message: r.message };
        if (a.scope === 'incident') return d.renderIncident(res, viewer, target, r.status, rejected);
        if (a.scope === 'new') return d.renderBoard(res, viewer, r.status, rejected);
        if (await d.alerts.view(target)) return renderInbox(res, viewer, r.status, { alert: target, message: r.message });
        return d.send(res, r.status, HTML, String(errorPage({ status: r.status, message: r.message })));
      }
    });

  /** The JSON route of `a`. */
  const apiRoute = (a: DeskAction): Handler =>
    d.guarded(async (req, res, viewer, params) => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/json') {
        req.resume();
        return sendJson(res, 415, { error: 'send the body as application/json' });
      }
      if (req.headers.origin !== undefined && !d.auth.fromOurPages(req, viewer)) {
        req.resume();
        return sendJson(res, 403, { error: 'this request came from another site' });
      }
      let body: unknown;
      try {
        const raw = (await readBody(req, DEFAULT_MAX_BODY_BYTES)).toString('utf8');
        body = raw.trim() === '' ? {} : (JSON.parse(raw) as unknown);
      } catch (e) {
        if (e instanceof BodyError) return sendJson(res, e.status, { error: e.message }, { connection: 'close' });
        return sendJson(res, 400, { error: 'the body is not valid JSON' });
      }
      const target = Number(params[0] ?? 0);
      if (a.scope === 'incident' && !(await visibleIncident(viewer, target))) return sendJson(res, 404, { error: `no incident #${target}` });
      if (a.scope === 'alert' && !(await d.alerts.view(target))) return sendJson(res, 404, { error: `no alert group ${target}` });
      const path = pathOf(a, target);
      try {
        const done = await run(a, target, body, viewer.name);
        if ('alert' in done) {
          const view = await d.alerts.view(done.alert);
          return view ? sendJson(res, 200, await alertSummary(view, viewer)) : sendJson(res, 404, { error: `no alert group ${done.alert}` });
        }
        const incident = await d.store.get(done.incident);
        if (!incident) return sendJson(res, 404, { error: `no incident #${done.incident}` });
        sendJson(res, done.created ? 201 : 200, await d.detailOf(incident, d.clock.now()), done.created ? { location: `/api/incidents/${done.incident}` } : {});
      } catch (e) {
        const r = refusal(a, e, path);
        sendJson(res, r.status, { error: r.message, field: r.field, ...(r.issues ? { issues: r.issues } : {}) });
      }
    }, true);

  const routes: Route[] = [];
  for (const a of DESK_ACTIONS) {
    const form = a.scope === 'new' ? '/incidents' : new RegExp(`^/${a.scope === 'incident' ? 'incidents' : 'alerts'}/(\\d{1,9})/${a.path}$`);
    const api = a.scope === 'new' ? '/api/incidents' : new RegExp(`^/api/${a.scope === 'incident' ? 'incidents' : 'alerts'}/(\\d{1,9})/${a.path}$`);
    routes.push({ method: 'POST', path: form, handler: formRoute(a) }, { method: 'POST', path: api, handler: apiRoute(a) });
  }
  const document = JSON.stringify(openApiDocument());
  routes.push(
    { method: 'GET', path: '/alerts', handler: d.guarded((_req, res, viewer) => renderInbox(res, viewer)) },
    { method: 'GET', path: '/api/alerts', handler: d.guarded(async (_req, res, viewer) => sendJson(res, 200, alertListSchema.parse({ alerts: await inbox(viewer), canSilence: d.alerts.canSilence })), true) },
    // The description of the API is no secret: tools fetch it before they have credentials.
    { method: 'GET', path: '/api/openapi.json', handler: (_req, res) => d.send(res, 200, 'application/json; charset=utf-8', document) },
    { method: 'GET', path: '/assets/desk.js', handler: (_req, res) => d.send(res, 200, 'text/javascript; charset=utf-8', DESK_SCRIPT) },
  );
  return routes;
}
