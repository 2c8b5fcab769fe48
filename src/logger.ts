/**
 * Structured JSON logs (pino). Modules get a logger passed in; per-incident work binds `{ incident }`.
 * On a terminal (or LOG_FORMAT=pretty) the same records are written as one human line each instead.
 */
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

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every record has, left out of the human line's key=value tail. */
const BASE_FIELDS = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

/** One pino JSON record as a human line: `14:02:07 WARN  message key=value …` (an error's stack indented below). */
export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof record['time'] === 'string' ? record['time'].slice(11, 19) : '';
  const level = (LEVEL_NAMES[Number(record['level'])] ?? 'LOG').padEnd(5);
  const err = record['err'] as { message?: unknown; stack?: unknown } | undefined;
  const rest = Object.entries(record)
    .filter(([k]) => !BASE_FIELDS.has(k) && k !== 'err')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const error = err ? ` — ${String(err.message ?? '')}${typeof err.stack === 'string' ? `\n    ${err.stack.split('\n').slice(1).join('\n    ').trim()}` : ''}` : '';
  return `${time} ${level} ${String(record['msg'] ?? '')}${rest.length ? ` ${rest.join(' ')}` : ''}${error}\n`;
}

/** A destination that writes each record to `out` as a human line (pino hands a destination one JSON line per write). */
export function prettyDestination(out: { write(text: string): unknown }): pino.DestinationStream {
  return { write: (line: string) => void out.write(prettyLine(line)) };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'sitroom' }, timestamp: pino.stdTimeFunctions.isoTime, serializers: { err: serializeError } }, destination);
}
