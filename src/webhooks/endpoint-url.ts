/**
 * A WEBHOOK_URLS entry as the logs name it. Receivers often carry their secret in the URL (basic-auth credentials, a
 * token in the path or query), which the logs must not show (the request itself: delivery/url-credentials.ts).
 */

/** The endpoint as logs show it: scheme, host and port, then `/…` for any path or query (which may hold a token). */
export function redactedEndpoint(url: string): string {
  if (!URL.canParse(url)) return '(an unparsable URL)';
  const { protocol, host, pathname, search } = new URL(url);
  return `${protocol}//${host}${pathname !== '/' || search ? '/…' : '/'}`;
}
