/**
 * Posting a command's reply to the response_url the platform sent with it (Slack:
 * https://api.slack.com/interactivity/handling#message_responses; Mattermost: the command's `response_url`,
 * server app/command.go). One JSON POST on a keep-alive connection: node:http costs a fraction of the CPU of
 * Bolt's axios-based respond() or fetch(), and every slash command pays for it once.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

export class ResponseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResponseUrlError';
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
    return Promise.reject(new ResponseUrlError(`response_url ${JSON.stringify(url)} is not an absolute http(s) URL`));
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
          if (status >= 200 && status < 300) resolve();
          else reject(new ResponseUrlError(`response_url answered ${status}`));
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new ResponseUrlError(`response_url did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
