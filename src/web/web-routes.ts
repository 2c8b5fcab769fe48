/**
 * The web: the board (GET /), incident pages, the public status page and the JSON API; the desk's actions (forms
 * and write API) and the alert inbox are desk-routes.ts. Everything but /status and /api/openapi.json is behind
 * WebAuth; form actions also need the form's CSRF token. Private incidents are shown only to those privacy.ts allows.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FollowUpService } from '../incidents/follow-up-service.ts';
import type { IncidentService } from '../incidents/incident-service.ts';
import type { Incident, Platform } from '../incidents/incident.ts';
import { PHASES, type Phase } from '../incidents/phases.ts';
import type { AlertFacts, ChecklistStore, Clock, IncidentStore } from '../incidents/ports.ts';
import { BUILT_IN_ROLES } from '../incidents/roles.ts';
import { parseSeverity, SEVERITIES, type Severity } from '../incidents/severity.ts';
import type { Logger } from '../logger.ts';
import { type IncidentSummary, incidentListSchema } from './api-schema.ts';
import { DEFAULT_MAX_BODY_BYTES, type Handler, type Route, sendJson } from '../http/http-server.ts';
import { byUrgency, incidentDetailOf, incidentSummary, type WarRoomUrl } from './incident-views.ts';
import { BOARD_SCRIPT, type BoardFrame, type BoardLive, boardLive, boardPageAround, type BoardView } from './pages/board-page.ts';
import { incidentLiveFragment, incidentPage, type IncidentPageView } from './pages/incident-page.ts';
import type { StatusSectionView } from './pages/status-section.ts';
import { defaultImpact, impactOf } from '../incidents/publication.ts';
import type { PublishingService } from '../incidents/publishing-service.ts';
import type { PagingService } from '../incidents/paging-service.ts';
import type { LiveEvents } from './live-events.ts';
import { statusDocument } from './public-status.ts';
import { statusFeed } from './status-feed.ts';
import { LOOPBACK_ACCESS_NOTE } from './pages/layout.ts';
import { errorPage, notFoundPage } from './pages/not-found-page.ts';
import { statusPage } from './pages/status-page.ts';
import { BodyError, readBody } from '../http/read-body.ts';
import { type Viewer, type WebAuth } from './web-auth.ts';
import { signInPage } from './pages/signin-page.ts';
import type { AlertService } from '../alerts/alert-service.ts';
import { deskRoutes } from './desk-routes.ts';
import type { Rejected } from './pages/form-fields.ts';
import { Privacy } from './privacy.ts';

export interface WebOptions {
  service: IncidentService;
  followUps: FollowUpService;
  store: IncidentStore;
  alerts: AlertFacts;
  /** The alert inbox's use cases (the chat's alert-card buttons). */
  alertService: AlertService;
  auth: WebAuth;
  clock: Clock;
  timeZone: string;
  /** Where incidents declared on the web get their war room: the first chat platform, or 'web' when none. */
  declarePlatform: Platform;
  warRoomUrl: WarRoomUrl;
  customRoles: readonly string[];
  logger: Logger;
  /** Checklists: progress on the board, items on the incident page. */
  checklists?: Pick<ChecklistStore, 'checklistOf' | 'progressOf' | 'version'>;
  /** INCIDENT_TYPES, offered by the declare form. */
  incidentTypes?: readonly string[];
  /** The public status page's use cases. */
  publishing: PublishingService;
  /** Paging through Alertmanager: the incident page's Page form and the write API. */
  paging: PagingService;
  /** PUBLIC_URL, for the feed's absolute links and id (undefined: relative links). */
  publicUrl: string | undefined;
  /** The live stream (/events) the board and incident pages listen to. */
  live: LiveEvents;
  /** Whether action items can become GitHub issues: the add form then offers it (`request`). */
  actionIssues?: 'off' | 'request' | 'all';
}

/** How far back the board's closed column looks. */
const CLOSED_DAYS = 14;
/** How long a resolved incident stays on the status page and in its JSON; the feed looks further back. */
const STATUS_RESOLVED_DAYS = 7;
const FEED_DAYS = 90;
const STATUS_LIMIT = 50;
const DAY = 86_400_000;
/** Every form and the sign-in: the server refuses a larger declared body before the handler runs. */
const FORM_LIMIT = DEFAULT_MAX_BODY_BYTES;
const API_PAGE = 100;
const API_PAGE_MAX = 500;

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    ...headers,
  });
  res.end(body);
}

const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

export function webRoutes(o: WebOptions): Route[] {
  const accessNote = o.auth.configured ? undefined : LOOPBACK_ACCESS_NOTE;
  const privacy = new Privacy(o.store, o.followUps);

  /** Runs `handler` for a signed-in viewer, or answers why not (on a page with a token: the sign-in form). */
  const guarded =
    (handler: (req: IncomingMessage, res: ServerResponse, viewer: Viewer, params: readonly string[]) => void | Promise<void>, json = false): Handler =>
    async (req, res, params) => {
      const access = await o.auth.check(req);
      if (!access.ok) {
        req.resume();
        const headers: Record<string, string> = access.challenge ? { 'www-authenticate': access.challenge } : {};
        if (json) return send(res, access.status, JSON_TYPE, JSON.stringify({ error: access.reason }), headers);
        const page = access.status === 401 && o.auth.signInEnabled ? signInPage({ status: 401, error: access.reason }) : errorPage({ status: access.status, message: access.reason });
        return send(res, access.status, HTML, String(page), headers);
      }
      return handler(req, res, access.viewer, params);
    };

  /** Reads a posted form within the route's limit; undefined once a 413 page has been sent. */
  async function readForm(req: IncomingMessage, res: ServerResponse): Promise<URLSearchParams | undefined> {
    try {
      return new URLSearchParams((await readBody(req, FORM_LIMIT)).toString('utf8'));
    } catch (e) {
      if (!(e instanceof BodyError)) throw e;
      const message = e.status === 413 ? `That form is too large (${FORM_LIMIT / 1024} KB at most).` : 'That form did not arrive whole. Please try again.';
      send(res, e.status, HTML, String(errorPage({ status: e.status, message })), { connection: 'close' });
      return undefined;
    }
  }

  /** Whether /signin may be used here (right Host, WEB_AUTH_TOKEN set); if not, the answer has been sent. */
  function signInOpen(req: IncomingMessage, res: ServerResponse): boolean {
    const wrongHost = o.auth.checkHost(req);
    const refusal = wrongHost
      ? { status: wrongHost.status, page: errorPage({ status: wrongHost.status, message: wrongHost.reason }) }
      : !o.auth.signInEnabled
        ? { status: 404, page: notFoundPage('Signing in needs WEB_AUTH_TOKEN, which is not set.') }
        : undefined;
    if (!refusal) return true;
    req.resume();
    send(res, refusal.status, HTML, String(refusal.page));
    return false;
  }

  const summaries = async (list: readonly Incident[], now: number): Promise<IncidentSummary[]> => {
    const progress = await o.checklists?.progressOf(list.map((i) => i.number));
    return list.map((i) => incidentSummary(i, now, o.warRoomUrl, progress?.get(i.number) ?? null));
  };

  /**
   * The board re-renders every open incident; its tabs poll every 15 s. The rendered live region (banners and
   * columns) is kept until an incident changes (store.version()) or the minute turns (ages and "overdue" move with
   * the clock), and both GET / and its fragment are answered from it: rendering it was ~90% of a board's CPU.
   */
  let liveCache: { key: string; live: BoardLive } | undefined;
  async function cachedLive(viewer: Viewer): Promise<BoardLive> {
    // Checklist ticks are their own store's writes: its version is in the key too. The key is read before the
    // live region is rendered, so a change made while it renders leaves a stale key that the next request misses.
    const key = `${await o.live.key()}|${(await o.checklists?.version()) ?? ''}|${Math.floor(o.clock.now() / 60_000)}|${o.auth.csrfToken(viewer)}`;
    if (liveCache?.key === key) return liveCache.live;
    const live = boardLive(await boardView(viewer));
    liveCache = { key, live };
    return live;
  }

  async function boardView(viewer: Viewer): Promise<BoardView> {
    const now = o.clock.now();
    const open = await summaries(await privacy.visible(viewer, await o.store.listOpen()), now);
    const closed = await summaries(await privacy.visible(viewer, await o.store.closedSince(now - CLOSED_DAYS * DAY, 200)), now);
    return {
      ...boardFrame(viewer),
      columns: PHASES.map((phase) => ({ phase, incidents: phase === 'closed' ? closed : open.filter((i) => i.phase === phase).sort(byUrgency) })),
      banners: open.filter((i) => i.updateOverdue).sort(byUrgency),
    };
  }

  /** The board without its live region: cheap, rendered for every request. */
  function boardFrame(viewer: Viewer, rejected?: Rejected): BoardFrame {
    return {
      now: o.clock.now(),
      timeZone: o.timeZone,
      csrfToken: o.auth.csrfToken(viewer),
      canAct: true,
      ...(accessNote ? { accessNote } : {}),
      ...(viewer.via === 'session' ? { signOut: true } : {}),
      incidentTypes: o.incidentTypes ?? [],
      ...(rejected ? { rejected } : {}),
    };
  }

  /** Everything about one incident, for its page and for the API alike. */
  const detailOf = incidentDetailOf(
    {
      timeline: (n) => o.store.timeline(n),
      actionItemsOf: (n) => o.followUps.actionItemsOf(n),
      checklistOf: async (n) => (await o.checklists?.checklistOf(n)) ?? [],
      linkedTo: (n) => o.alerts.linkedTo(n),
      postmortem: (n) => o.followUps.postmortem(n),
      postmortemSections: (n) => o.followUps.postmortemSections(n),
    },
    o.warRoomUrl,
  );

  /** The incident if `viewer` may see it: a private one they may not see is as unknown as a missing one. */
  const visibleIncident = async (viewer: Viewer, number: number): Promise<Incident | undefined> => {
    const incident = await o.store.get(number);
    return incident && (await privacy.canSee(viewer, incident)) ? incident : undefined;
  };

  async function renderIncident(res: ServerResponse, viewer: Viewer, number: number, status = 200, rejected?: Rejected, fragment = false): Promise<void> {
    const incident = await visibleIncident(viewer, number);
    // A private incident the viewer may not see is answered exactly as a missing one: its existence is private too.
    if (!incident) return send(res, 404, HTML, String(notFoundPage(`There is no incident #${number}.`)));
    const now = o.clock.now();
    const detail = await detailOf(incident, now);
    const view: IncidentPageView = {
      incident: detail,
      now,
      timeZone: o.timeZone,
      csrfToken: o.auth.csrfToken(viewer),
      canAct: true,
      ...(accessNote ? { accessNote } : {}),
      roles: [...BUILT_IN_ROLES, ...o.customRoles],
      viewer: viewer.name,
      ...(rejected ? { rejected } : {}),
      statusPage: await statusSectionOf(incident, o.auth.csrfToken(viewer)),
      // A refused page shows again with its reason, even where paging is not on offer (not set up, no longer active).
      paging: (o.paging.enabled && incident.phase === 'active' && !incident.drill) || rejected?.form === `/incidents/${incident.number}/page`,
      issues: o.actionIssues ?? 'off',
    };
    send(res, status, HTML, fragment ? incidentLiveFragment(view) : incidentPage(view));
  }

  /** The incident page's "Status page" section: its publication as the team sees it. */
  async function statusSectionOf(incident: Incident, csrfToken: string): Promise<StatusSectionView> {
    const p = await o.publishing.publicationOf(incident.number);
    return {
      number: incident.number,
      isPrivate: incident.isPrivate,
      drill: incident.drill,
      publication: p && {
        live: p.live,
        title: p.title,
        impact: impactOf(p, incident),
        impactSet: p.impact !== null,
        components: p.components,
        updates: [...p.updates].reverse().map((u) => ({ at: new Date(u.at).toISOString(), text: u.text })),
      },
      components: o.publishing.components,
      defaultImpact: defaultImpact(incident.severity),
      canAct: incident.phase !== 'closed' || p?.live === true,
      csrfToken,
    };
  }

  /** The public picture: only what publicIncidents() lets through, in the public shape. */
  const statusDoc = async (now: number, sinceDays: number) =>
    statusDocument(await o.publishing.publicIncidents(now - sinceDays * DAY, STATUS_LIMIT), o.publishing.components, now);

  const numberParam = /^\/incidents\/(\d{1,9})$/;

  return [
    {
      method: 'GET',
      path: '/',
      handler: guarded(async (req, res, viewer) => {
        if (new URL(req.url ?? '/', 'http://sitroom').searchParams.get('fragment') === 'columns') return send(res, 200, HTML, (await cachedLive(viewer)).html);
        send(res, 200, HTML, boardPageAround(boardFrame(viewer), await cachedLive(viewer)));
      }),
    },
    {
      method: 'GET',
      path: '/signin',
      handler: (req, res) => {
        if (signInOpen(req, res)) send(res, 200, HTML, signInPage());
      },
    },
    {
      method: 'POST',
      path: '/signin',
      handler: async (req, res) => {
        if (!signInOpen(req, res)) return;
        const form = await readForm(req, res);
        if (!form) return;
        // No session yet, so no CSRF token: the Origin (or Referer) check alone stops a forged sign-in.
        if (!o.auth.fromOurPages(req)) return send(res, 403, HTML, signInPage({ status: 403, error: 'This sign-in did not come from this site’s sign-in page. Open the sign-in page and try again.' }));
        if (!o.auth.tokenMatches(form.get('token') ?? '')) {
          o.logger.warn({ peer: req.socket.remoteAddress }, 'web sign-in with a wrong token');
          return send(res, 401, HTML, signInPage({ status: 401, error: 'That is not this sitroom’s access token.', name: form.get('name') ?? '' }));
        }
        res.writeHead(303, { location: '/', 'set-cookie': await o.auth.startSession(req, form.get('name') ?? ''), 'cache-control': 'no-store' });
        res.end();
      },
    },
    {
      method: 'POST',
      path: '/signout',
      handler: guarded(async (req, res, viewer) => {
        const form = await readForm(req, res);
        if (!form) return;
        if (!o.auth.csrfOk(req, viewer, form.get('csrf'))) return send(res, 403, HTML, String(errorPage({ status: 403, message: 'This form has expired or did not come from this page. Reload the page and try again.' })));
        res.writeHead(303, { location: o.auth.signInEnabled ? '/signin' : '/', 'set-cookie': await o.auth.endSession(req, viewer), 'cache-control': 'no-store' });
        res.end();
      }),
    },
    {
      method: 'GET',
      path: numberParam,
      handler: guarded(async (req, res, viewer, params) => {
        const fragment = new URL(req.url ?? '/', 'http://sitroom').searchParams.get('fragment') === 'live';
        await renderIncident(res, viewer, Number(params[0]), 200, undefined, fragment);
      }),
    },
    { method: 'GET', path: '/events', handler: guarded((req, res) => o.live.connect(req, res)) },
    {
      method: 'GET',
      path: '/status',
      handler: async (_req, res) => {
        const now = o.clock.now();
        send(res, 200, HTML, statusPage({ status: await statusDoc(now, STATUS_RESOLVED_DAYS), now, timeZone: o.timeZone }));
      },
    },
    { method: 'GET', path: '/status.json', handler: async (_req, res) => sendJson(res, 200, await statusDoc(o.clock.now(), STATUS_RESOLVED_DAYS), { 'cache-control': 'no-cache' }) },
    {
      method: 'GET',
      path: '/status/feed.atom',
      handler: async (_req, res) => send(res, 200, 'application/atom+xml; charset=utf-8', statusFeed(await statusDoc(o.clock.now(), FEED_DAYS), o.publicUrl), { 'cache-control': 'no-cache' }),
    },
    { method: 'GET', path: '/assets/board.js', handler: (_req, res) => send(res, 200, 'text/javascript; charset=utf-8', BOARD_SCRIPT, { 'cache-control': 'public, max-age=300' }) },
    {
      method: 'GET',
      path: '/api/incidents',
      handler: guarded(async (req, res, viewer) => {
        const q = new URL(req.url ?? '/', 'http://sitroom').searchParams;
        const phase = q.get('phase');
        const severity = q.get('severity');
        const problems = [
          ...(phase !== null && !(PHASES as readonly string[]).includes(phase) ? [`phase must be one of ${PHASES.join(', ')}`] : []),
          ...(severity !== null && !parseSeverity(severity) ? [`severity must be one of ${SEVERITIES.join(', ')}`] : []),
          ...(q.has('before') && !/^\d+$/.test(q.get('before') ?? '') ? ['before must be an incident number'] : []),
          ...(q.has('limit') && !/^\d+$/.test(q.get('limit') ?? '') ? ['limit must be a whole number'] : []),
        ];
        if (problems.length) return sendJson(res, 400, { error: 'bad query', issues: problems });
        const limit = Math.min(API_PAGE_MAX, Math.max(1, Number(q.get('limit') ?? API_PAGE)));
        const rows = await o.store.page({
          ...(phase ? { phase: phase as Phase } : {}),
          ...(severity ? { severity: parseSeverity(severity) as Severity } : {}),
          ...(q.has('before') ? { before: Number(q.get('before')) } : {}),
          limit: limit + 1,
        });
        const page = rows.slice(0, limit);
        // Private incidents the viewer may not see are left out of the page (which may then be shorter than limit).
        const body = incidentListSchema.parse({ incidents: await summaries(await privacy.visible(viewer, page), o.clock.now()), nextBefore: rows.length > limit ? (page.at(-1)?.number ?? null) : null });
        sendJson(res, 200, body);
      }, true),
    },
    {
      method: 'GET',
      path: /^\/api\/incidents\/(\d{1,9})$/,
      handler: guarded(async (_req, res, viewer, params) => {
        const number = Number(params[0]);
        const incident = await visibleIncident(viewer, number);
        if (!incident) return sendJson(res, 404, { error: `no incident #${number}` });
        sendJson(res, 200, await detailOf(incident, o.clock.now()));
      }, true),
    },
    ...deskRoutes({
      ctx: { service: o.service, followUps: o.followUps, alerts: o.alertService, publishing: o.publishing, paging: o.paging, declarePlatform: o.declarePlatform },
      alerts: o.alertService,
      store: o.store,
      auth: o.auth,
      privacy,
      clock: o.clock,
      timeZone: o.timeZone,
      accessNote,
      logger: o.logger,
      guarded,
      readForm,
      send: (res, status, type, body) => send(res, status, type, body),
      renderIncident,
      renderBoard: async (res, viewer, status, rejected) => send(res, status, HTML, boardPageAround(boardFrame(viewer, rejected), await cachedLive(viewer))),
      detailOf,
    }),
  ];
}
