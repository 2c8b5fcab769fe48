/**
 * Who may use the board, incident pages, JSON API and web actions:
 * - basic-auth users (WEB_USERS);
 * - WEB_AUTH_TOKEN as `Authorization: Bearer` (scripts), or entered once on /signin, which starts a server-side
 *   session whose random id is the cookie (the token itself is never put in a cookie or a URL);
 * - behind an SSO proxy (oauth2-proxy and the like): WEB_AUTH_PROXY_HEADER names the user, honoured only when the
 *   socket address is one of WEB_TRUSTED_PROXIES (a header from anyone else is ignored: anyone can send one);
 * - with none configured, this machine only: a loopback peer whose request carries no forwarding header
 *   (a reverse proxy on the same host makes every client look like loopback).
 * Whatever the credentials, the Host header must be a name this sitroom answers to (defeats DNS rebinding), and a
 * state-changing request must come from an allowed origin (Origin, else Referer; OWASP CSRF cheat sheet,
 * "Verifying Origin With Standard Headers") and carry the form's CSRF token. /status and /healthz stay public.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hostName, type WebConfig } from '../config.ts';
import type { Sessions } from './sessions.ts';
import { sourceFilter } from '../cidr.ts';
import { normaliseUserText } from '../incidents/user-text.ts';

export interface Viewer {
  /**
   * Who this is, shown on the page and recorded as the actor of web actions: the WEB_USERS or SSO name as it is,
   * "token" for the bearer token, the name typed at sign-in followed by " (token)" (self-declared, so it can never
   * pass for a verified name), "local" on this machine with no sign-in configured.
   */
  name: string;
  /** How the viewer got in. */
  via: 'user' | 'proxy' | 'token' | 'session' | 'loopback';
  /** Sees every private incident (WEB_ADMINS, or this machine when no sign-in is configured). */
  admin: boolean;
  /** The session id, for a viewer signed in on /signin (binds the CSRF token to the session). */
  session?: string;
}

export type Access = { ok: true; viewer: Viewer } | { ok: false; status: 401 | 403 | 421; reason: string; challenge?: string };

export const SESSION_COOKIE = 'sitroom_session';

/** The longest display name taken at sign-in or from a proxy header. */
export const MAX_NAME_LENGTH = 60;

/** What a token sign-in is recorded as: the typed name marked as self-declared, or "token". */
export function tokenViewerName(typed: string): string {
  const name = normaliseUserText(typed, { multiline: false }).slice(0, MAX_NAME_LENGTH).trim();
  return name ? `${name} (token)` : 'token';
}

/** Names that always mean this machine, whatever the port. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Headers a proxy adds to say whom it forwards for (RFC 7239 Forwarded, RFC 9110 Via, and the de-facto ones
 * nginx, HAProxy, Cloudflare, Fastly, Akamai and Kubernetes ingresses set). Any x-forwarded-* counts too.
 */
const FORWARDING_HEADERS = ['forwarded', 'via', 'x-real-ip', 'x-client-ip', 'true-client-ip', 'cf-connecting-ip', 'fastly-client-ip', 'x-cluster-client-ip', 'x-original-forwarded-for'];

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Whether the request carries `Authorization: Bearer <token>` (compared in constant time). */
export function bearerIs(req: IncomingMessage, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  return given !== undefined && same(given, token);
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * Whether the request came through a proxy: it says so in a forwarding header, or it speaks HTTP/1.0. nginx's
 * proxy_pass adds no forwarding header unless configured to, rewrites Host to the upstream's address and speaks
 * HTTP/1.0 to it (proxy_http_version and proxy_set_header defaults,
 * https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_http_version), so with a bare `proxy_pass` the
 * version is all that tells an internet client from this machine; browsers and curl speak HTTP/1.1 or later.
 */
export function isForwarded(req: IncomingMessage): boolean {
  return req.httpVersion === '1.0' || Object.keys(req.headers).some((h) => h.startsWith('x-forwarded-') || FORWARDING_HEADERS.includes(h));
}

/** A cookie's value; a malformed percent-encoding (`%`, `%E0%A4%A`) means no such cookie, never a throw. */
export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at < 0 || part.slice(0, at).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export class WebAuth {
  private readonly config: WebConfig;
  private readonly sessions: Sessions;
  private readonly allowed: ReadonlySet<string>;
  private readonly trustedProxy: (address: string | undefined) => boolean;
  /**
   * The key of CSRF tokens, derived from the session secret every replica shares (SESSION_SECRET, or the one kept in
   * the database), so a form served by one replica is accepted by another and a restart keeps open forms valid.
   * Without a secret (tests), a per-process key.
   */
  private readonly csrfKey: Buffer;

  constructor(config: WebConfig, sessions: Sessions, sessionSecret?: string) {
    this.config = config;
    this.sessions = sessions;
    this.csrfKey = sessionSecret === undefined ? randomBytes(32) : createHmac('sha256', sessionSecret).update('sitroom csrf key').digest();
    this.allowed = new Set([...LOOPBACK_HOSTS, ...config.allowedHosts]);
    this.trustedProxy = config.proxyHeader ? sourceFilter(config.trustedProxies) : () => false;
  }

  private viewer(name: string, via: Viewer['via'], session?: string): Viewer {
    return { name, via, admin: this.config.admins.includes(name), ...(session !== undefined ? { session } : {}) };
  }

  /** The user a trusted SSO proxy names, if this request came from one and names someone. */
  private proxyUser(req: IncomingMessage): string | undefined {
    const header = this.config.proxyHeader;
    if (!header || !this.trustedProxy(req.socket.remoteAddress)) return undefined;
    const value = req.headers[header];
    const name = normaliseUserText(typeof value === 'string' ? value : '', { multiline: false }).trim();
    return name && name.length <= MAX_NAME_LENGTH ? name : undefined;
  }

  /** Whether any web authentication is configured (else: loopback only). */
  get configured(): boolean {
    return this.config.authToken !== undefined || this.config.users.size > 0 || this.config.proxyHeader !== undefined;
  }

  /** Whether WEB_AUTH_TOKEN is set, so /signin can start sessions. */
  get signInEnabled(): boolean {
    return this.config.authToken !== undefined;
  }

  /** Whether `host` (a Host header, or an origin's host) names this sitroom. */
  allowedHost(host: string | undefined): boolean {
    return host !== undefined && host !== '' && this.allowed.has(hostName(host));
  }

  /** Refuses a Host this sitroom does not answer to, whoever asks: the defence against DNS rebinding. */
  checkHost(req: IncomingMessage): { ok: false; status: 421; reason: string } | undefined {
    if (this.allowedHost(req.headers.host)) return undefined;
    return {
      ok: false,
      status: 421,
      reason: `This sitroom does not answer to the host name "${req.headers.host ?? ''}". If that is its address, add it to WEB_ALLOWED_HOSTS (or set PUBLIC_URL).`,
    };
  }

  /** Who is asking, or why they may not. */
  async check(req: IncomingMessage): Promise<Access> {
    const wrongHost = this.checkHost(req);
    if (wrongHost) return wrongHost;
    const proxied = this.proxyUser(req);
    if (proxied !== undefined) return { ok: true, viewer: this.viewer(proxied, 'proxy') };
    const header = req.headers.authorization ?? '';
    if (this.config.users.size > 0) {
      const basic = /^Basic (.+)$/i.exec(header)?.[1];
      if (basic) {
        const decoded = Buffer.from(basic, 'base64').toString('utf8');
        const at = decoded.indexOf(':');
        const name = decoded.slice(0, at);
        const password = this.config.users.get(name);
        if (at > 0 && password !== undefined && same(decoded.slice(at + 1), password)) return { ok: true, viewer: this.viewer(name, 'user') };
      }
    }
    const token = this.config.authToken;
    if (token !== undefined) {
      if (bearerIs(req, token)) return { ok: true, viewer: this.viewer('token', 'token') };
      const session = cookie(req, SESSION_COOKIE);
      const name = session === undefined ? undefined : await this.sessions.viewerOf(session);
      if (session !== undefined && name !== undefined) return { ok: true, viewer: this.viewer(name, 'session', session) };
    }
    if (this.configured) {
      return {
        ok: false,
        status: 401,
        reason: this.signInEnabled
          ? 'Sign in: this sitroom needs its access token (WEB_AUTH_TOKEN) on the sign-in page, or a user name and password (WEB_USERS).'
          : 'Sign in: this sitroom needs a user name and password (WEB_USERS).',
        ...(this.config.users.size > 0 ? { challenge: 'Basic realm="sitroom", charset="UTF-8"' } : {}),
      };
    }
    if (isLoopback(req.socket.remoteAddress)) {
      if (!isForwarded(req)) return { ok: true, viewer: { name: 'local', via: 'loopback', admin: true } };
      return {
        ok: false,
        status: 403,
        reason: 'This request came through a proxy, so it may not be from this machine, and this sitroom has no web sign-in configured. Set WEB_AUTH_TOKEN or WEB_USERS to use the board through a proxy.',
      };
    }
    return {
      ok: false,
      status: 403,
      reason: 'This sitroom has no web sign-in configured, so only its own machine may use the board. Set WEB_AUTH_TOKEN or WEB_USERS to open it up.',
    };
  }

  /** Whether WEB_AUTH_TOKEN is `given` (the sign-in form). */
  tokenMatches(given: string): boolean {
    return this.config.authToken !== undefined && same(given, this.config.authToken);
  }

  /**
   * Whether a state-changing request comes from one of our pages: Origin, else Referer, is this site.
   * Browsers send credentials (session cookie, basic auth) and loopback on their own, so for those a request
   * naming neither is refused; a bearer token is never sent by a browser on its own, so such a client may omit both.
   */
  fromOurPages(req: IncomingMessage, viewer?: Viewer): boolean {
    const origin = req.headers.origin;
    const source = origin !== undefined ? origin : req.headers.referer;
    if (source === undefined) return viewer?.via === 'token';
    // "null": a sandboxed frame, a data: URL, a cross-origin redirect: never our page.
    if (!URL.canParse(source)) return false;
    const url = new URL(source);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    // The very origin the request was sent to, or a configured name (behind a proxy the Host may be rewritten to
    // the upstream's 127.0.0.1:3000 while the browser's origin is PUBLIC_URL). A loopback name on another port is
    // another local program, not us.
    return url.host === req.headers.host || this.config.allowedHosts.includes(hostName(url.host));
  }

  /** A CSRF token for forms shown to `viewer` (and to no other session). */
  csrfToken(viewer: Viewer): string {
    return createHmac('sha256', this.csrfKey).update(`${viewer.via}:${viewer.name}:${viewer.session ?? ''}`).digest('base64url');
  }

  /** Whether a form came back with `viewer`'s CSRF token, from one of our pages. */
  csrfOk(req: IncomingMessage, viewer: Viewer, token: string | null): boolean {
    return this.fromOurPages(req, viewer) && token !== null && same(token, this.csrfToken(viewer));
  }

  /** Whether the session cookie must be marked Secure: PUBLIC_URL is https, or a proxy on this machine says so. */
  secure(req: IncomingMessage): boolean {
    return this.config.httpsPublicUrl || (isLoopback(req.socket.remoteAddress) && req.headers['x-forwarded-proto'] === 'https');
  }

  /** A session for the name typed on the sign-in form (see tokenViewerName); returns its Set-Cookie value. */
  async startSession(req: IncomingMessage, typedName = ''): Promise<string> {
    return this.sessionCookie(await this.sessions.start(tokenViewerName(typedName)), req, Math.floor(this.sessions.lifetime.maxMs / 1000));
  }

  async endSession(req: IncomingMessage, viewer: Viewer): Promise<string> {
    if (viewer.session !== undefined) await this.sessions.end(viewer.session);
    return this.sessionCookie('', req, 0);
  }

  private sessionCookie(value: string, req: IncomingMessage, maxAge: number): string {
    return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}${this.secure(req) ? '; Secure' : ''}`;
  }
}
