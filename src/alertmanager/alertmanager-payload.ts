/**
 * Alertmanager's webhook payload (version 4), as captured from Alertmanager 0.25 (test/fixtures/alertmanager).
 * Validated with zod; times become epoch milliseconds, Alertmanager's zero time (`0001-01-01T00:00:00Z`) null.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

const labels = z.record(z.string(), z.string());

/** Epoch ms, or null for Alertmanager's "not set" zero time. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const timestamp = z.string().transform((s, ctx) => {
  const ms = RFC3339.test(s) ? Date.parse(s) : Number.NaN;
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `not a timestamp: "${s.slice(0, 40)}"` });
    return z.NEVER;
  }
  return ms <= 0 ? null : ms;
});

const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels.default({}),
  startsAt: timestamp,
  endsAt: timestamp.default(null),
  generatorURL: z.string().default(''),
  fingerprint: z.string().min(1),
});

export const webhookPayloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string().min(1),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labels,
  commonLabels: labels.default({}),
  commonAnnotations: labels.default({}),
  externalURL: z.string().default(''),
  alerts: z.array(alertSchema),
});

export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;
export type WebhookAlert = WebhookPayload['alerts'][number];

export type ParseResult = { ok: true; payload: WebhookPayload } | { ok: false; issues: string[] };

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
/** A label set exactly as the schema's record of strings takes it (a `__proto__` key is left to zod). */
const isLabels = (x: unknown): x is Record<string, string> => {
  if (!isObject(x)) return false;
  for (const k in x) if (typeof x[k] !== 'string' || k === '__proto__') return false;
  return true;
};
const isState = (x: unknown): x is 'firing' | 'resolved' => x === 'firing' || x === 'resolved';
/** timestamp's transform, or undefined where it would refuse the value. */
function fastTime(x: unknown): number | null | undefined {
  if (typeof x !== 'string' || !RFC3339.test(x)) return undefined;
  const ms = Date.parse(x);
  return Number.isNaN(ms) ? undefined : ms <= 0 ? null : ms;
}

/**
 * The schema's result for a body it accepts as Alertmanager sends it, without zod: validating a 10-alert delivery
 * with zod was ~0.3 ms, the largest single cost of a webhook request. Undefined for anything else (a missing or
 * unexpected value, a zero start), which then goes through the schema for its issues, so what is accepted and
 * refused, and the payload produced, do not change (test/alerts/alertmanager-payload.test.ts compares the two).
 */
export function acceptPlainPayload(body: unknown): WebhookPayload | undefined {
  if (!isObject(body)) return undefined;
  const { version, groupKey, truncatedAlerts = 0, status, receiver, groupLabels, commonLabels = {}, commonAnnotations = {}, externalURL = '', alerts } = body;
  if (version !== '4' || typeof groupKey !== 'string' || groupKey.length < 1 || !isState(status) || typeof receiver !== 'string' || typeof externalURL !== 'string') return undefined;
  if (typeof truncatedAlerts !== 'number' || !Number.isSafeInteger(truncatedAlerts) || truncatedAlerts < 0) return undefined;
  if (!isLabels(groupLabels) || !isLabels(commonLabels) || !isLabels(commonAnnotations) || !Array.isArray(alerts)) return undefined;
  const out: WebhookAlert[] = [];
  for (const a of alerts as unknown[]) {
    if (!isObject(a)) return undefined;
    const { status: state, labels: alertLabels, annotations = {}, startsAt, endsAt, generatorURL = '', fingerprint } = a;
    if (!isState(state) || !isLabels(alertLabels) || !isLabels(annotations) || typeof generatorURL !== 'string' || typeof fingerprint !== 'string' || fingerprint.length < 1) return undefined;
    const starts = fastTime(startsAt);
    const ends = endsAt === undefined ? null : fastTime(endsAt);
    // A zero start is refused by parseWebhookPayload with its own issue: leave it to the schema path.
    if (starts === undefined || starts === null || ends === undefined) return undefined;
    out.push({ status: state, labels: alertLabels, annotations, startsAt: starts, endsAt: ends, generatorURL, fingerprint });
  }
  return { version, groupKey, truncatedAlerts, status, receiver, groupLabels, commonLabels, commonAnnotations, externalURL, alerts: out };
}

/** Validates a parsed JSON body; issues name the path, e.g. `alerts.0.fingerprint: expected string`. */
export function parseWebhookPayload(body: unknown): ParseResult {
  const plain = acceptPlainPayload(body);
  if (plain) return { ok: true, payload: plain };
  const parsed = webhookPayloadSchema.safeParse(body);
  if (parsed.success) {
    const startless = parsed.data.alerts.findIndex((a) => a.startsAt === null);
    if (startless >= 0) return { ok: false, issues: [`alerts.${startless}.startsAt: must be set`] };
    return { ok: true, payload: parsed.data };
  }
  return { ok: false, issues: parsed.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`) };
}

/**
 * Labels as a string that does not depend on key order. Alertmanager sends them sorted (Go's encoding/json sorts map
 * keys), so most are written as they are; others are rebuilt in sorted order first. (An object lists integer-like
 * keys first whatever their order of insertion; a set whose keys already come out sorted is listed the same way
 * rebuilt, so both paths give one string per set.)
 */
function canonical(labels: Readonly<Record<string, string>>): string {
  let previous: string | undefined;
  for (const key in labels) {
    if (previous !== undefined && !(previous < key)) {
      return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
    }
    previous = key;
  }
  return JSON.stringify(labels);
}

/**
 * The key of a payload not received as bytes (built in code; the webhook uses bodyKey). Identifies a delivery by what
 * it says, not by when it came: Alertmanager re-sends the same notification after timeouts and 4xx answers, and a
 * re-sent delivery must change nothing. Everything a card shows is part of it: Prometheus re-renders annotations on
 * every evaluation, so the same alerts with a new summary are a new delivery.
 */
export function deliveryKey(p: WebhookPayload): string {
  const hash = createHash('sha256');
  let text = `${p.groupKey}\n${p.status}\n${p.truncatedAlerts}\n${p.receiver}\n${p.externalURL}\n`;
  text += `${canonical(p.groupLabels)}\n${canonical(p.commonLabels)}\n${canonical(p.commonAnnotations)}\n`;
  // Handed to the hash in pieces of ~64 KB: one call per alert cost more than the hashing (a call into C++ each).
  for (const a of p.alerts) {
    text += `${a.fingerprint} ${a.status} ${a.startsAt} ${a.endsAt} ${a.generatorURL}\n${canonical(a.labels)}\n${canonical(a.annotations)}\n`;
    if (text.length < 65_536) continue;
    hash.update(text);
    text = '';
  }
  return hash.update(text).digest('base64url');
}

/** A request body read as a delivery: its payload and key, or why it is refused (400). */
export type DeliveryParse = { ok: true; payload: WebhookPayload; key: string } | { ok: false; notJson: boolean; issues: string[] };

/**
 * The key of a delivery received as `body`: its bytes' hash. Alertmanager's re-send of a notification is the same bytes
 * (notify/webhook/webhook.go encodes the same message again, and Go's encoding/json writes map keys sorted), and any
 * other difference is a new delivery, stored as one (a delivery that repeats the stored state writes nothing). Hashing
 * the bytes costs a third of deliveryKey's walk over the parsed payload.
 */
export function bodyKey(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('base64url');
}

/** Parses and validates a body (JSON.parse, then the schema). Pure, so it can run in a worker thread. */
export function parseDelivery(body: Buffer): DeliveryParse {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return { ok: false, notJson: true, issues: [`(body): ${e instanceof Error ? e.message : String(e)}`] };
  }
  const parsed = parseWebhookPayload(json);
  return parsed.ok ? { ok: true, payload: parsed.payload, key: bodyKey(body) } : { ok: false, notJson: false, issues: parsed.issues };
}
