/**
 * The sign-in page: a display name (kept with the session, marked as the signer's own word) and WEB_AUTH_TOKEN, posted to /signin (never in a URL, where it would land in
 * history and proxy logs). Signing in starts a session; the cookie holds its random id, not the token.
 */
import { html } from './html.ts';
import { layout } from './layout.ts';
import { MAX_NAME_LENGTH } from '../web-auth.ts';

export function signInPage({ error, status, name = '' }: { error?: string; status?: number; name?: string } = {}): string {
  return layout({
    title: 'Sign in',
    body: html`<h1>Sign in</h1>
${status && html`<p class="error" role="alert">${error ?? 'Sign in to use the board.'}</p>`}
<form method="post" action="/signin" class="signin">
<p><label for="name">Your name <span class="hint">(shown on the timeline as “name (token)”; empty: “token”)</span></label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="${MAX_NAME_LENGTH}" value="${name}"></p>
<p><label for="token">Access token (WEB_AUTH_TOKEN)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form>
<p>The public <a href="/status">status page</a> needs no sign-in.</p>`,
  });
}
