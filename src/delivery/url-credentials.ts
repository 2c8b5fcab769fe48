/**
 * Credentials written into a configured URL (`https://user:pass@host/…`: WEBHOOK_URLS entries, ALERTMANAGER_URL behind
 * basic auth). fetch refuses such a URL (https://fetch.spec.whatwg.org/#dom-request: a URL that "includes
 * credentials" throws), and its error message repeats the URL, secret included; so the credentials are taken out and
 * sent as HTTP Basic authorization instead (RFC 7617: base64 of user-id ":" password, each percent-decoded).
 */
export function withoutCredentials(url: string): { url: string; headers: { authorization?: string } } {
  if (!URL.canParse(url)) return { url, headers: {} };
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { url, headers: {} };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), headers: { authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` } };
}
