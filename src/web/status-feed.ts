/**
 * GET /status/feed.atom: the status page as an Atom 1.0 feed (RFC 4287), one entry per published incident, built
 * only from the public StatusDocument. Required elements: feed id, title, updated, author (§4.1.1); entry id,
 * title, updated (§4.1.2). Entry ids are the publications' random public ids, so they never change and reveal
 * nothing about the incident's number.
 */
import type { PublicIncident, StatusDocument } from './public-status.ts';
import { PUBLIC_STATUS_TEXT } from './public-status.ts';

/** XML 1.0 text: the five escapes, and characters XML does not allow dropped (RFC 4287 content is XML). */
function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function entryText(i: PublicIncident): string {
  const lines = [
    `${PUBLIC_STATUS_TEXT[i.status]} — ${i.impactLabel}.`,
    ...(i.components.length ? [`Affected: ${i.components.join(', ')}.`] : []),
    ...(i.resolvedAt ? [`Resolved at ${i.resolvedAt}.`] : []),
    ...i.updates.map((u) => `${u.at}: ${u.text}`),
  ];
  return lines.join('\n');
}

/** The feed; `base` is PUBLIC_URL (absolute links and the feed id), or undefined (relative links, a URN id). */
export function statusFeed(doc: StatusDocument, base: string | undefined): string {
  const root = base ?? '';
  const updated = [doc.updatedAt, ...doc.incidents.map((i) => i.updatedAt)].sort().at(-1) ?? doc.updatedAt;
  const entries = doc.incidents.map(
    (i) => `  <entry>
    <id>urn:sitroom:status:incident:${xml(i.id)}</id>
    <title type="text">${xml(`${i.title} (${i.status === 'resolved' ? 'resolved' : i.impactLabel.toLowerCase()})`)}</title>
    <updated>${i.updatedAt}</updated>
    <published>${i.startedAt}</published>
    <link rel="alternate" type="text/html" href="${xml(`${root}/status#incident-${i.id}`)}"/>
${i.components.map((c) => `    <category term="${xml(c)}"/>\n`).join('')}    <content type="text">${xml(entryText(i))}</content>
  </entry>
`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${xml(base ? `${base}/status` : 'urn:sitroom:status')}</id>
  <title type="text">Status</title>
  <subtitle type="text">${xml(doc.overallLabel)}</subtitle>
  <updated>${updated}</updated>
  <author><name>Status</name></author>
  <link rel="self" type="application/atom+xml" href="${xml(`${root}/status/feed.atom`)}"/>
  <link rel="alternate" type="text/html" href="${xml(`${root}/status`)}"/>
${entries.join('')}</feed>
`;
}
