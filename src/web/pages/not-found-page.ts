/** The small pages for a missing page and for an error. */
import { html } from './html.ts';
import { layout } from './layout.ts';

/** 404: e.g. `notFoundPage('There is no incident #42.')`. */
export function notFoundPage(message = 'There is nothing at this address.'): string {
  return layout({
    title: 'Not found',
    body: html`<h1>Not found</h1>
<p>${message}</p>
<p><a href="/">Back to the board</a></p>`,
  });
}

/** Any other error: the status code and a message safe to show (never a stack trace). */
export function errorPage({ status, message = 'Something went wrong. Please try again.' }: { status: number; message?: string }): string {
  return layout({
    title: `Error ${status}`,
    body: html`<h1>Error ${status}</h1>
<p class="error" role="alert">${message}</p>
<p><a href="/">Back to the board</a></p>`,
  });
}
