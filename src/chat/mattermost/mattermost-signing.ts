/**
 * Mattermost does not sign integration-action or dialog requests, so sitroom signs what it sends out (button
 * context, dialog state) with an HMAC and refuses requests that come back without a valid signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export class Signer {
  private readonly key: Buffer;

  /** The key is derived from a secret only sitroom and its operator know (the bot token). */
  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('sitroom mattermost callbacks').digest();
  }

  sign(...parts: readonly (string | number)[]): string {
    return createHmac('sha256', this.key).update(parts.join('\n')).digest('base64url');
  }

  verify(signature: unknown, ...parts: readonly (string | number)[]): boolean {
    if (typeof signature !== 'string') return false;
    const given = Buffer.from(signature);
    const wanted = Buffer.from(this.sign(...parts));
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  }
}

/** Constant-time comparison of a presented token with the configured one. */
export function tokenMatches(given: string | undefined, wanted: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(wanted);
  return a.length === b.length && timingSafeEqual(a, b);
}
