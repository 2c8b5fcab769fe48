/**
 * Signing as the Standard Webhooks specification asks (https://www.standardwebhooks.com/,
 * github.com/standard-webhooks/standard-webhooks spec/standard-webhooks.md, "Signature scheme"): the signed content
 * is `<webhook-id>.<webhook-timestamp>.<body>`, signed with HMAC-SHA256 under the secret's key (the base64 after
 * `whsec_`), sent as `v1,<base64 signature>` in `webhook-signature`.
 */
import { createHmac } from 'node:crypto';

/** `v1,` + the base64 HMAC-SHA256 of `id.timestamp.body` under `key`. */
export function sign(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** The three headers of one delivery attempt (the timestamp is the attempt's: receivers refuse old ones). */
export function webhookHeaders(key: Buffer, id: string, timestampSeconds: number, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': sign(key, id, timestampSeconds, body),
  };
}
