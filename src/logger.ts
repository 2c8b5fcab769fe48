/** Structured JSON logs (pino). Modules get a logger passed in; per-incident work binds `{ incident }`. */
import { pino, type Logger } from 'pino';

export type { Logger };

interface PlatformError {
  name?: string;
  message?: string;
  code?: unknown;
  stack?: string;
  /** Slack Web API errors: `{ error: 'channel_not_found' }`. */
  data?: { error?: unknown };
  /** Mattermost Client4 errors. */
  server_error_id?: unknown;
  status_code?: unknown;
  statusCode?: unknown;
}

/**
 * Errors are logged by name, message, code and the platform's own error id only: SDK errors carry the whole
 * HTTP request (including `Authorization: Bearer …`), which must never reach the logs.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error) && (typeof err !== 'object' || err === null)) return { message: String(err) };
  const e = err as PlatformError;
  const out: Record<string, unknown> = { type: e.name ?? 'Error', message: e.message };
  if (e.code !== undefined) out['code'] = e.code;
  if (e.data?.error !== undefined) out['platformError'] = e.data.error;
  if (e.server_error_id !== undefined) out['platformError'] = e.server_error_id;
  const status = e.status_code ?? e.statusCode;
  if (status !== undefined) out['status'] = status;
  if (e.stack) out['stack'] = e.stack;
  return out;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'sitroom' }, timestamp: pino.stdTimeFunctions.isoTime, serializers: { err: serializeError } }, destination);
}
