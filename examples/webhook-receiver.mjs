// A minimal receiver for sitroom's outbound webhooks, with no dependencies (Node 20+).
// It checks each delivery as the Standard Webhooks specification says (https://www.standardwebhooks.com/) and
// answers 204 to a genuine one, 401 to anything else. Run it with:
//
//   WEBHOOK_SECRET=whsec_... PORT=8787 node examples/webhook-receiver.mjs
//
// and point sitroom at it: WEBHOOK_URLS=http://this-host:8787/sitroom (same WEBHOOK_SECRET).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const secret = process.env.WEBHOOK_SECRET ?? '';
if (!secret.startsWith('whsec_')) throw new Error('set WEBHOOK_SECRET to the same whsec_... value sitroom has');
// The key is the base64 after "whsec_".
const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
// Deliveries older (or newer) than this are refused, so a captured request cannot be replayed later.
const TOLERANCE_SECONDS = 5 * 60;
// sitroom never sends more than 256 KiB; anything much larger is not from it.
const MAX_BODY_BYTES = 1024 * 1024;

/** True when one of the `v1,<base64>` signatures is the HMAC-SHA256 of `id.timestamp.body` under the key. */
export function verify(headers, body, nowSeconds = Math.floor(Date.now() / 1000)) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((signature) => {
    const [version, value = ''] = signature.split(',');
    const given = Buffer.from(value, 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

// The same webhook-id arrives again when sitroom retries (your answer got lost): handle each id once.
const seen = new Set();

createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) req.destroy();
    else chunks.push(chunk);
  });
  req.on('end', () => {
    // Verify the raw bytes as received, before parsing: re-serialised JSON would not match the signature.
    const body = Buffer.concat(chunks).toString('utf8');
    if (req.method !== 'POST' || !verify(req.headers, body)) return res.writeHead(401).end();
    const id = req.headers['webhook-id'];
    if (!seen.has(id)) {
      seen.add(id);
      const { type, data } = JSON.parse(body);
      console.log(`${type}: #${data.number} ${data.title} (${data.severity}, ${data.phase})${data.drill ? ' [drill]' : ''}`);
    }
    res.writeHead(204).end();
  });
}).listen(Number(process.env.PORT ?? 8787), process.env.HOST ?? '127.0.0.1');
