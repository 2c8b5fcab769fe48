/** Mattermost ids and trigger ids as the fake server makes and checks them (model/utils.go NewId, IsValidId; model/integration_action.go trigger ids). */
import { createHash, createHmac, randomBytes } from 'node:crypto';


/** The alphabet of Mattermost's model.NewId() (base32 with its own ordering). */
const ID_ALPHABET = 'ybndrfg8ejkmcpqxot1uwisza345h769';
const VALID_ID = /^[a-z0-9]{26}$/;

/**
 * A valid, deterministic Mattermost id for a label: up to 12 readable characters of the label, then a tail derived
 * from a hash of the whole label. `fakeMattermostId('alice')` → 'alice' + 21 characters, the same every run.
 */
export function fakeMattermostId(label: string): string {
  const readable = label.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 12);
  let tail = '';
  for (const byte of createHash('sha256').update(label).digest()) tail += ID_ALPHABET.charAt(byte % 32);
  return (readable + tail).slice(0, 26);
}

/** Mattermost's model.IsValidId: exactly 26 lowercase letters or digits. */
export function isValidMattermostId(id: unknown): id is string {
  return typeof id === 'string' && VALID_ID.test(id);
}

export function randomMattermostId(): string {
  let id = '';
  for (const byte of randomBytes(26)) id += ID_ALPHABET.charAt(byte % 32);
  return id;
}

/** Who the fake server, its team and its bot are; requests built in mattermost-requests.ts use the same identity. */
export const FAKE_MATTERMOST = {
  teamId: fakeMattermostId('team1id'),
  teamName: 'sitroom-test',
  teamDisplayName: 'Sitroom Test',
  botUserId: fakeMattermostId('sitroombot'),
  botUsername: 'sitroom',
  /** Sent as X-Version-Id (Client4 stores it as serverVersion). */
  serverVersion: '10.11.0.0.fake.false',
} as const;

// ---- Trigger ids ------------------------------------------------------------------------------------------------

/** Mattermost signs trigger ids with the server's ECDSA key; the fake signs them with an HMAC of its own. */
const TRIGGER_KEY = 'sitroom-fake-mattermost-trigger-signing-key';
/** ServiceSettings.OutgoingIntegrationRequestsTimeout defaults to 30 s; trigger ids older than that are refused. */
export const DEFAULT_TRIGGER_TIMEOUT_MS = 30_000;

/**
 * A trigger id shaped like the server's model.GenerateTriggerId: base64("<clientTriggerId>:<userId>:<millis>:<sig>").
 * The fake's /actions/dialogs/open accepts only ids made here (or by mattermost-requests.ts, which uses this).
 */
export function makeTriggerId(userId: string, issuedAtMs = Date.now()): string {
  const data = `${randomMattermostId()}:${userId}:${issuedAtMs}:`;
  const signature = createHmac('sha256', TRIGGER_KEY).update(data).digest('base64');
  return Buffer.from(data + signature).toString('base64');
}

export type TriggerCheck = { ok: true; userId: string; issuedAtMs: number } | { ok: false; errorId: string; params?: Record<string, unknown> };

/** model.DecodeAndVerifyTriggerId, with the same error ids. */
export function decodeTriggerId(triggerId: string, timeoutMs: number): TriggerCheck {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(triggerId) || triggerId.length % 4 !== 0) {
    return { ok: false, errorId: 'interactive_message.decode_trigger_id.base64_decode_failed' };
  }
  const parts = Buffer.from(triggerId, 'base64').toString('utf8').split(':');
  if (parts.length !== 4) return { ok: false, errorId: 'interactive_message.decode_trigger_id.missing_data' };
  const [clientTriggerId = '', userId = '', millis = '', signature = ''] = parts;
  const issuedAtMs = Number(millis);
  if (!Number.isFinite(issuedAtMs) || Date.now() - issuedAtMs > timeoutMs) {
    return { ok: false, errorId: 'interactive_message.decode_trigger_id.expired', params: { Duration: `${timeoutMs / 1000}s` } };
  }
  const expected = createHmac('sha256', TRIGGER_KEY).update(`${clientTriggerId}:${userId}:${millis}:`).digest('base64');
  if (signature !== expected) return { ok: false, errorId: 'interactive_message.decode_trigger_id.verify_signature_failed' };
  return { ok: true, userId, issuedAtMs };
}
