/**
 * A WEBHOOK_URLS entry as the request is made and as the logs name it. Receivers often carry their secret in the URL
 * (basic-auth credentials, a token in the path or query), so neither the request's errors nor the logs may show it.
 */

/**
 * The URL to POST to and the Authorization for credentials written into it (`https://user:pass@host/hook`): fetch
 * refuses a URL with credentials (https://fetch.spec.whatwg.org/#dom-request: "includes credentials" throws), so
 * they are sent as HTTP Basic authorization instead (RFC 7617: base64 of user-id ":" password, percent-decoded).
 */
export function endpointRequest(url: string): { url: string; authorization?: string } {
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { url };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` };
}

/** The endpoint as logs show it: scheme, host and port, then `/…` for any path or query (which may hold a token). */
export function redactedEndpoint(url: string): string {
  if (!URL.canParse(url)) return '(an unparsable URL)';
  const { protocol, host, pathname, search } = new URL(url);
  return `${protocol}//${host}${pathname !== '/' || search ? '/…' : '/'}`;
}
