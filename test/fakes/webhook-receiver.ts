/**
 * A Standard Webhooks receiver on 127.0.0.1 that checks every delivery with its OWN implementation of the
 * specification (https://www.standardwebhooks.com/, spec/standard-webhooks.md in github.com/standard-webhooks/
 * standard-webhooks), written from the text and sharing nothing with src/webhooks:
 * - the three headers webhook-id, webhook-timestamp (integer Unix seconds) and webhook-signature must be present;
 * - the key is the base64 after the `whsec_` prefix of the secret;
 * - the signed content is `${webhook-id}.${webhook-timestamp}.${raw body}`, HMAC-SHA256, base64;
 * - webhook-signature is a space-delimited list of `v1,<base64>`; one match (compared in constant time) suffices;
 * - a timestamp more than 5 minutes from the receiver's clock is refused (the spec's replay protection).
 * Answers are scripted: a list of statuses used one per request (then 200), or `hang` to never answer.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { closeServer, listenOnLoopback, readText } from './local-server.ts';
import { Waiters } from './waiters.ts';

export interface ReceivedWebhook {
  id: string;
  timestamp: number;
  /** The signature checked out under the independent implementation (and the timestamp was fresh). */
  verified: boolean;
  status: number;
  raw: string;
  body: { type: string; timestamp: string; data: Record<string, unknown> & { number: number; drill: boolean }; event: { kind: string; text: string }; truncated?: true };
}

const TOLERANCE_SECONDS = 5 * 60;

/** The receiver side of the specification, from its text: true when one of the header's v1 signatures matches. */
export function verifyStandardWebhook(secret: string, headers: Record<string, string | undefined>, raw: string, nowSeconds: number): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  if (!secret.startsWith('whsec_')) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${raw}`, 'utf8').digest();
  return signatures.split(' ').some((entry) => {
    const comma = entry.indexOf(',');
    if (comma === -1 || entry.slice(0, comma) !== 'v1') return false;
    const given = Buffer.from(entry.slice(comma + 1), 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Statuses to answer, one per request, before answering 200. */
  script: number[] = [];
  /** Never answer (the connection stays open until the sender gives up). */
  hang = false;
  /** Answer 503 to everything (after the script). */
  down = false;
  private readonly waiters = new Waiters('webhook receiver');
  private readonly server: Server;
  url = '';

  private constructor(secret: string, now: () => number) {
    this.server = createServer((req, res) => {
      void readText(req).then((raw) => {
        if (this.hang) return;
        const headers = req.headers as Record<string, string | undefined>;
        const verified = verifyStandardWebhook(secret, headers, raw, Math.floor(now() / 1000));
        const status = verified ? (this.script.shift() ?? (this.down ? 503 : 200)) : 401;
        this.received.push({ id: headers['webhook-id'] ?? '', timestamp: Number(headers['webhook-timestamp']), verified, status, raw, body: JSON.parse(raw) as ReceivedWebhook['body'] });
        this.waiters.notify();
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no');
      });
    });
  }

  static async start(secret: string, now: () => number = () => Date.now()): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(secret, now);
    receiver.url = `${await listenOnLoopback(receiver.server)}/hook`;
    return receiver;
  }

  /** The deliveries it accepted (answered 2xx), in order. */
  get accepted(): ReceivedWebhook[] {
    return this.received.filter((r) => r.status >= 200 && r.status < 300);
  }

  /** Resolves once `count` deliveries were accepted. */
  waitForAccepted(count: number, timeoutMs: number): Promise<ReceivedWebhook[]> {
    return this.waiters.until(
      () => (this.accepted.length >= count ? this.accepted : undefined),
      timeoutMs,
      () => `${count} accepted webhooks; got ${this.received.map((r) => `${r.status} ${r.body.type}`).join(', ') || 'none'}`,
    );
  }

  /** Resolves once any delivery arrived (accepted or not). */
  waitForAny(timeoutMs: number): Promise<ReceivedWebhook> {
    return this.waiters.until(() => this.received[0], timeoutMs, () => 'a webhook delivery');
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}
