/** The Web API's wire: how WebClient encodes arguments and how Slack answers (JSON, `ok` and `error`). */
import type { ServerResponse } from 'node:http';
import type { SlackAnswer, SlackArgs } from './types.ts';

/** Form fields that WebClient sends JSON-encoded (it stringifies every non-scalar argument). */
export const JSON_FORM_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'unfurls', 'user_auth_blocks', 'files']);
export const fail = (error: string, extra: SlackArgs = {}): SlackAnswer => ({ ok: false, error, ...extra });
export const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
/** Slack accepts true/1 in both JSON and form encodings. */
export const bool = (value: unknown): boolean => value === true || value === 'true' || value === '1' || value === 1;
export const list = (value: unknown): unknown[] | undefined => (Array.isArray(value) ? value : undefined);
export const csv = (value: unknown): string[] => (str(value) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
export const summarize = (value: unknown, max = 160): string => {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > max ? `${json.slice(0, max)}…` : json;
};



export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

export function parseJsonOr(raw: string, fallback: unknown): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return fallback;
  }
}

/** Decodes a Web API request body the two ways Slack accepts it (multipart, used by the legacy files.upload, is not supported). */
export function decodeArgs(contentType: string | undefined, raw: string): { ok: true; args: SlackArgs } | { ok: false; error: string } {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (raw === '') return { ok: true, args: {} };
  if (type === 'application/json') {
    const parsed = parseJsonOr(raw, undefined);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? { ok: true, args: parsed as SlackArgs }
      : { ok: false, error: 'invalid_json' };
  }
  if (type === 'application/x-www-form-urlencoded') {
    const args: SlackArgs = {};
    for (const [key, value] of new URLSearchParams(raw)) {
      args[key] = JSON_FORM_FIELDS.has(key) ? parseJsonOr(value, value) : value;
    }
    return { ok: true, args };
  }
  return { ok: false, error: type ? 'invalid_post_type' : 'missing_post_type' };
}
