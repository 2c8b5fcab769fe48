/**
 * POSTs an answer to a request's response URL (Slack: https://api.slack.com/interactivity/handling#message_responses,
 * valid 30 minutes, up to 5 times; Mattermost: the command's `response_url`, server app/command.go, the same rules),
 * with a time-out, failing in a shape delivery-errors.ts reads: the HTTP status, and Retry-After when the answer
 * carries one. One JSON POST on a keep-alive connection: node:http costs a fraction of the CPU of Bolt's axios-based
 * respond() or fetch(), and every slash command pays for it once.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { retryAfterMs } from '../delivery/retry-after.ts';

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

export class ResponseUrlError extends Error {
  /** The HTTP status (the name Client4 errors use, so one rule classifies both); 0 when no answer came. */
  readonly status_code: number;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, status = 0, retryAfterMs?: number) {
    super(message);
    this.name = 'ResponseUrlError';
    this.status_code = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * POSTs `body` as JSON to `url`; resolves once the platform answered 2xx, rejects otherwise (or after `timeoutMs`).
 * The URL came in a verified request, but only http(s) is followed: Mattermost sends a bare path when its Site URL
 * is not set, and that must be a clear error rather than a request to this host.
 */
export function postToResponseUrl(url: string, body: object, timeoutMs = 10_000): Promise<void> {
  const secure = url.startsWith('https://');
  if (!secure && !url.startsWith('http://')) {
    // A refusal, not an outage: 400 so the outbox does not retry what can never work.
    return Promise.reject(new ResponseUrlError(`response_url ${JSON.stringify(url)} is not an absolute http(s) URL`, 400));
  }
  const payload = Buffer.from(JSON.stringify(body));
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': payload.length },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve();
          reject(new ResponseUrlError(`response_url answered ${status}`, status, retryAfterMs(res.headers['retry-after'])));
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new ResponseUrlError(`response_url did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
