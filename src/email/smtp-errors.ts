/**
 * What a failed SMTP attempt means for the outbox. A 4xx reply is temporary by definition (RFC 5321 §4.2.1:
 * "Transient Negative Completion"), as is a connection that was refused, dropped or timed out: try again. A 5xx
 * reply is permanent ("Permanent Negative Completion": the same mail will be refused again): give up at once.
 */
import type { DeliveryFailure } from '../delivery/retry-policy.ts';

interface SmtpErrorShape {
  message?: string;
  /** nodemailer: the reply code when the server answered (smtp-connection `_formatError`). */
  responseCode?: number;
  /** nodemailer: the server's reply line. */
  response?: string;
  /** nodemailer error code (nodemailer errors.js), e.g. ECONNECTION, ETIMEDOUT, EENVELOPE, EAUTH. */
  code?: string;
}

/** Mistakes in sitroom's own settings: retrying cannot fix them. */
const CONFIG_ERRORS = new Set(['ECONFIG', 'ENOAUTH', 'EREQUIRETLS']);

export function classifySmtpError(error: unknown): DeliveryFailure {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SmtpErrorShape;
  const reply = e.response?.replace(/\s+/g, ' ').trim();
  if (typeof e.responseCode === 'number' && e.responseCode >= 400) {
    return { retry: e.responseCode < 500, message: `SMTP ${e.responseCode}: ${reply ?? e.message ?? 'refused'}` };
  }
  if (e.code && CONFIG_ERRORS.has(e.code)) return { retry: false, message: `${e.code}: ${e.message ?? ''}`.trim() };
  // Refused or dropped connections, time-outs, TLS hiccups, DNS: the server may be back soon (bounded by give-up).
  return { retry: true, message: [e.code, e.message].filter(Boolean).join(': ') || String(error) };
}
