/**
 * Who may use the board, incident pages, JSON API and web actions: basic-auth users (WEB_USERS), or anyone with
 * WEB_AUTH_TOKEN (as a bearer token, or once as ?token= which sets a cookie); with neither configured, only
 * clients on this machine (loopback), so a fresh `npm start` is safe. /status and /healthz stay public.
 * Forms carry a CSRF token bound to the viewer.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { WebConfig } from '../config.ts';

export interface Viewer {
  /** Shown on the page and recorded as the actor of web actions (prefixed web:). */
  name: string;
  /** How the viewer got in. */
  via: 'user' | 'token' | 'loopback';
}

export type Access = { ok: true; viewer: Viewer } | { ok: false; status: 401 | 403; reason: string; challenge?: string };

export const TOKEN_COOKIE = 'sitroom_token';

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

export class WebAuth {
  private readonly config: WebConfig;
  /** Per-process secret for CSRF tokens: a restart only makes open forms ask for a reload. */
  private readonly csrfKey = randomBytes(32);

  constructor(config: WebConfig) {
    this.config = config;
  }

  /** Whether any web authentication is configured (else: loopback only). */
  get configured(): boolean {
    return this.config.authToken !== undefined || this.config.users.size > 0;
  }

  /** Who is asking, or why they may not. */
  check(req: IncomingMessage, queryToken?: string | null): Access {
    const header = req.headers.authorization ?? '';
    if (this.config.users.size > 0) {
      const basic = /^Basic (.+)$/i.exec(header)?.[1];
      if (basic) {
        const decoded = Buffer.from(basic, 'base64').toString('utf8');
        const at = decoded.indexOf(':');
        const name = decoded.slice(0, at);
        const password = this.config.users.get(name);
        if (at > 0 && password !== undefined && same(decoded.slice(at + 1), password)) return { ok: true, viewer: { name, via: 'user' } };
      }
    }
    const token = this.config.authToken;
    if (token !== undefined) {
      const given = /^Bearer (.+)$/i.exec(header)?.[1] ?? queryToken ?? cookie(req, TOKEN_COOKIE);
      if (given !== undefined && given !== null && same(given, token)) return { ok: true, viewer: { name: 'web', via: 'token' } };
    }
    if (this.configured) {
      return {
        ok: false,
        status: 401,
        reason: 'Sign in: this sitroom needs a user name and password (WEB_USERS) or its access token (WEB_AUTH_TOKEN).',
        ...(this.config.users.size > 0 ? { challenge: 'Basic realm="sitroom", charset="UTF-8"' } : {}),
      };
    }
    if (isLoopback(req.socket.remoteAddress)) return { ok: true, viewer: { name: 'local', via: 'loopback' } };
    return {
      ok: false,
      status: 403,
      reason: 'This sitroom has no web sign-in configured, so only its own machine may use the board. Set WEB_AUTH_TOKEN or WEB_USERS to open it up.',
    };
  }

  /** A CSRF token for forms shown to `viewer`. */
  csrfToken(viewer: Viewer): string {
    return createHmac('sha256', this.csrfKey).update(`${viewer.via}:${viewer.name}`).digest('base64url');
  }

  /** Whether a form came back with `viewer`'s CSRF token, from this site (Origin, when the browser sends one). */
  csrfOk(req: IncomingMessage, viewer: Viewer, token: string | null): boolean {
    const origin = req.headers.origin;
    if (origin && origin !== 'null' && (!URL.canParse(origin) || new URL(origin).host !== req.headers.host)) return false;
    return token !== null && same(token, this.csrfToken(viewer));
  }
}
