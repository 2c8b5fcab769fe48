/**
 * Issue 10.2, end to end: a title typed in Slack is stored as typed, shown as typed everywhere, and escaped exactly
 * once by each renderer. The slash command is built the way Slack sends it (escaped, link wrapped: see escapeAsSlack).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPostmortemFrontMatter } from '../../../src/incidents/postmortem.ts';
import { SlackDriver } from '../scenarios/slack-driver.ts';

const TYPED = 'R&D <db> down https://status.example.com';
const HTML_ONCE = 'R&amp;D &lt;db&gt; down https://status.example.com';

let chat: SlackDriver;
beforeEach(async () => {
  chat = await SlackDriver.start();
});
afterEach(async () => {
  await chat?.stop();
});

describe('a title typed in Slack', () => {
  it('appears exactly as typed in the API, the board, the status page and the postmortem, once-escaped in Slack, and names the room', async () => {
    expect(await chat.command(`declare sev2 ${TYPED}`)).toContain('Declared incident #1');
    await chat.settled();
    const incident = await chat.sitroom().service.get(1);
    expect(incident.title).toBe(TYPED);
    expect(incident.room?.channelName).toBe('inc-1-r-d-db-down-https-status-example-com');

    const api = (await (await fetch(`${chat.url}/api/incidents/1`)).json()) as { title: string };
    expect(api.title).toBe(TYPED);
    // The status page shows public wording only once published: publish under the same typed text.
    await chat.command(`publish ${TYPED}`, { in: incident.room?.channelId ?? '' });
    for (const page of ['/', '/incidents/1', '/status']) {
      const html = await (await fetch(`${chat.url}${page}`)).text();
      expect(html, page).toContain(HTML_ONCE);
      expect(html, page).not.toContain('&amp;amp;');
      expect(html, page).not.toContain('&amp;lt;');
    }

    // Slack: escaped once (Slack shows `&amp;` as `&`), never twice.
    const slackText = chat.raw(chat.announce).join('\n') + chat.raw(incident.room?.channelId ?? '').join('\n');
    expect(slackText).toContain('R&amp;D &lt;db&gt; down https://status.example.com');
    expect(slackText).not.toMatch(/&amp;(amp|lt|gt);/);

    const room = incident.room?.channelId ?? '';
    await chat.command('postmortem', { in: room });
    const markdown = chat.files(room).at(-1)?.content ?? '';
    expect(readPostmortemFrontMatter(markdown).title).toBe(TYPED);
    expect(markdown).toContain('# Incident #1: R\\&D \\<db\\> down https://status.example.com');
    const page = await (await fetch(`${chat.url}/incidents/1`)).text();
    const rendered = /<article class="markdown"[\s\S]*?<\/article>/.exec(page)?.[0] ?? '';
    expect(rendered).toContain(`<h2>Incident #1: ${HTML_ONCE}</h2>`);
    expect(rendered).toContain(`Declared SEV2: ${HTML_ONCE}</li>`);
  });
});
