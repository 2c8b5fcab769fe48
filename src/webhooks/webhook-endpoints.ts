/**
 * WEBHOOK_URLS and WEBHOOK_SECRET, parsed (config.ts calls these; every problem is a sentence naming the entry).
 *
 * WEBHOOK_URLS holds one or more entries separated by spaces or new lines (a URL never contains raw whitespace).
 * An entry is a URL, optionally followed by `|` and a comma-separated filter:
 *
 *   https://ops.example.com/sitroom                               every event of public incidents
 *   https://tickets.example.com/hook|incident.declared,incident.closed
 *   https://audit.example.com/hook|*,private                      every event, private incidents included
 *
 * A filter item is an event type, a family (`incident.*`, `action_item.*`, `alert_group.*`), `*` (all), or
 * `private` (also send private incidents, which are otherwise kept among their participants).
 */
import { WEBHOOK_EVENT_TYPES, type WebhookEndpoint, type WebhookEventType } from '../incidents/webhook-events.ts';

/** The Standard Webhooks specification asks for keys of 24 to 64 bytes (https://www.standardwebhooks.com/, "Signature scheme"). */
const KEY_BYTES = { min: 24, max: 64 } as const;

export const WEBHOOK_SECRET_HELP = 'must be whsec_ followed by a base64 key of 24 to 64 bytes, e.g. the output of: echo "whsec_$(openssl rand -base64 32)"';

/** The HMAC key of a `whsec_…` secret, or a problem. */
export function parseWebhookSecret(secret: string): { key: Buffer } | { error: string } {
  const body = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : undefined;
  if (body === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) return { error: WEBHOOK_SECRET_HELP };
  const key = Buffer.from(body, 'base64');
  if (key.length < KEY_BYTES.min || key.length > KEY_BYTES.max) return { error: `${WEBHOOK_SECRET_HELP} (this key is ${key.length} bytes)` };
  return { key };
}

function filterOf(entry: string, filter: string): { events: WebhookEventType[]; includePrivate: boolean } | { error: string } {
  const events = new Set<WebhookEventType>();
  let includePrivate = false;
  const items = filter.split(',').map((i) => i.trim()).filter(Boolean);
  if (items.length === 0) return { error: `${entry}: the filter after "|" is empty (leave out "|" to get every event)` };
  for (const item of items) {
    if (item === 'private') {
      includePrivate = true;
      continue;
    }
    const matching = item === '*' ? WEBHOOK_EVENT_TYPES : WEBHOOK_EVENT_TYPES.filter((t) => t === item || (item.endsWith('.*') && t.startsWith(item.slice(0, -1))));
    if (matching.length === 0) return { error: `${entry}: unknown event "${item}" (known: ${WEBHOOK_EVENT_TYPES.join(', ')}, a family such as incident.*, * or private)` };
    for (const t of matching) events.add(t);
  }
  // `private` alone means every event, private incidents included.
  return { events: events.size > 0 ? WEBHOOK_EVENT_TYPES.filter((t) => events.has(t)) : [...WEBHOOK_EVENT_TYPES], includePrivate };
}

/** The endpoints of WEBHOOK_URLS, or the problems with its entries. */
export function parseWebhookUrls(value: string): { endpoints: WebhookEndpoint[] } | { errors: string[] } {
  const endpoints: WebhookEndpoint[] = [];
  const errors: string[] = [];
  const entries = value.split(/\s+/).filter(Boolean);
  entries.forEach((raw, i) => {
    const bar = raw.indexOf('|');
    const url = bar === -1 ? raw : raw.slice(0, bar);
    const entry = `entry ${i + 1} (${url})`;
    if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) {
      errors.push(`${entry}: must be an http(s) URL such as https://ops.example.com/sitroom, optionally followed by |incident.declared,incident.closed`);
      return;
    }
    const filter = bar === -1 ? { events: [...WEBHOOK_EVENT_TYPES], includePrivate: false } : filterOf(entry, raw.slice(bar + 1));
    if ('error' in filter) errors.push(filter.error);
    else if (endpoints.some((e) => e.url === url)) errors.push(`${entry}: listed twice (give one entry per URL, with every event it wants)`);
    else endpoints.push({ url, ...filter });
  });
  return errors.length > 0 ? { errors } : { endpoints };
}
