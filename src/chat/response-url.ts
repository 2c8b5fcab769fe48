/**
 * POSTs an answer to a request's response URL (Slack: https://api.slack.com/interactivity/handling#message_responses,
 * valid 30 minutes, up to 5 times; Mattermost: app/command.go, the same rules), with a time-out, failing in a shape
 * delivery-errors.ts reads: the HTTP status, and Retry-After when the answer carries one.
 */

export class ResponseUrlError extends Error {
  /** The HTTP status (the name Client4 errors use, so one rule classifies both). */
  readonly status_code: number;
  readonly retryAfterMs: number | undefined;
  constructor(status: number, retryAfterMs: number | undefined) {
    super(`response_url answered ${status}`);
    this.name = 'ResponseUrlError';
    this.status_code = status;
    this.retryAfterMs = retryAfterMs;
  }
}

export async function postToResponseUrl(url: string, body: object, timeoutMs: number): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer();
  if (res.ok) return;
  const seconds = Number(res.headers.get('retry-after'));
  throw new ResponseUrlError(res.status, Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined);
}
