/**
 * E-mail addresses as sitroom takes them from its configuration: a bare address (no display name, no comments),
 * so that nothing a person configures can add a header or a second recipient to a mail.
 */

/** local@domain: a dot-atom local part (RFC 5322 §3.2.3, without quoted strings) and a host name with a dot. */
const ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export const isEmailAddress = (s: string): boolean => s.length <= 254 && ADDRESS.test(s);

/** A comma-separated list of addresses, or the first entry that is not one. */
export function parseAddressList(s: string): { ok: string[] } | { bad: string } {
  const addresses = s.split(',').map((a) => a.trim()).filter(Boolean);
  const bad = addresses.find((a) => !isEmailAddress(a));
  return bad === undefined ? { ok: [...new Set(addresses)] } : { bad };
}

/** `name=address` pairs separated by commas (WEB_USER_EMAILS), or the first entry that is not one. */
export function parseAddressBook(s: string): { ok: Map<string, string> } | { bad: string } {
  const book = new Map<string, string>();
  for (const pair of s.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = pair.lastIndexOf('=');
    const name = pair.slice(0, at).trim();
    const address = pair.slice(at + 1).trim();
    if (at < 1 || !isEmailAddress(address)) return { bad: pair };
    book.set(name, address);
  }
  return { ok: book };
}
