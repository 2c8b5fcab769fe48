/**
 * The public status routes over real HTTP against a real sitroom: nothing is public until published, and then only
 * the public wording — on /status, in /status.json and in the Atom feed (parsed with a real XML parser and checked
 * for RFC 4287's required elements). Distinctive internal titles and updates of private, drill, unpublished and taken-down
 * incidents are searched for on every public route.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/database.ts';
import { SqliteIncidentStore } from '../../src/storage/sqlite-incident-store.ts';
import { statusDocumentSchema } from '../../src/web/public-status.ts';
import { SitroomUnderTest } from '../chat/scenarios/sitroom-under-test.ts';
import { HOUR, MINUTE } from '../fakes/fixed-clock.ts';
import { declared, WebClient } from './web-client.ts';

const PUBLIC_ROUTES = ['/status', '/status.json', '/status/feed.atom'];
const ATOM = 'http://www.w3.org/2005/Atom';

let app: SitroomUnderTest;
async function start(env: Record<string, string> = {}): Promise<WebClient> {
  app = new SitroomUnderTest({ STATUS_COMPONENTS: 'api,checkout,search', ...env });
  await app.start();
  return new WebClient(app);
}
afterEach(async () => {
  await app?.stop();
});

async function everyPublicRoute(web: WebClient): Promise<string> {
  const bodies = await Promise.all(PUBLIC_ROUTES.map(async (path) => (await web.get(path)).text));
  return bodies.join('\n');
}

/** The feed parsed strictly: any well-formedness error throws. */
function parseAtom(text: string) {
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`feed is not well-formed XML: ${message}`);
    },
  }).parseFromString(text, 'application/xml');
  const feed = doc.documentElement;
  if (!feed || feed.localName !== 'feed' || feed.namespaceURI !== ATOM) throw new Error('not an Atom feed');
  const child = (el: Element, name: string) => Array.from(el.childNodes).filter((n): n is Element => n.nodeType === 1 && (n as Element).localName === name && (n as Element).namespaceURI === ATOM);
  const text1 = (el: Element, name: string) => child(el, name)[0]?.textContent ?? undefined;
  return { feed, child, text: text1, entries: child(feed, 'entry') };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

describe('publishing', () => {
  it('shows nothing until published, then only the public title, impact and public updates, on every public route', async () => {
    const web = await start();
    const n = await declared(app, { title: 'Primary DB failover stuck in eu-west-1b', severity: 'sev2' });
    await app.sitroom.service.postUpdate(n, 'Internal: the replica lag is 40 minutes', 'alice');
    const before = await everyPublicRoute(web);
    expect(before).not.toContain('Primary DB failover');
    expect(before).not.toContain('replica lag');
    expect(statusDocumentSchema.parse((await web.json('/status.json')).body)).toMatchObject({ overall: 'operational', incidents: [] });

    expect((await web.act(`/incidents/${n}/status/publish`, { title: 'Checkout is slow for some customers' })).status).toBe(303);
    await web.act(`/incidents/${n}/status/update`, { text: 'We have found the cause and are rolling out a fix' });

    const page = (await web.get('/status')).text;
    expect(page).toContain('<h3>Checkout is slow for some customers</h3>');
    expect(page).toContain('Partial outage');
    expect(page).toContain('We have found the cause and are rolling out a fix');

    const json = statusDocumentSchema.parse((await web.json('/status.json')).body);
    expect(json.overall).toBe('partial');
    expect(json.incidents).toHaveLength(1);
    expect(json.incidents[0]).toMatchObject({ title: 'Checkout is slow for some customers', impact: 'partial', status: 'investigating', resolvedAt: null });
    expect(json.incidents[0]?.updates.map((u) => u.text)).toEqual(['We have found the cause and are rolling out a fix']);

    const all = await everyPublicRoute(web);
    for (const secret of ['Primary DB failover', 'replica lag', 'alice', 'web:local', `/incidents/${n}`]) expect(all, secret).not.toContain(secret);

    // The timeline says who published and who posted the public update.
    const kinds = (await app.sitroom.service.timeline(n)).filter((e) => e.kind.startsWith('publi'));
    expect(kinds.map((e) => [e.kind, e.actor])).toEqual([
      ['published', 'local'],
      ['public_update_posted', 'local'],
    ]);
  });

  it('serves a valid Atom 1.0 feed with the required feed and entry elements', async () => {
    const web = await start({ PUBLIC_URL: 'https://status.example.com' });
    const n = await declared(app, { title: 'Internal codename Bluebird', severity: 'sev1' });
    await app.sitroom.publishing.publish(n, 'Payments are failing & <retrying>', 'alice');
    await app.sitroom.publishing.postPublicUpdate(n, 'Card payments fail; we are on it', 'alice');
    const res = await web.get('/status/feed.atom');
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const atom = parseAtom(res.text);
    expect(atom.text(atom.feed, 'id')).toBe('https://status.example.com/status');
    expect(atom.text(atom.feed, 'title')).toBe('Status');
    expect(atom.text(atom.feed, 'updated')).toMatch(RFC3339);
    expect(atom.child(atom.feed, 'author')).toHaveLength(1);
    expect(atom.child(atom.feed, 'link').map((l) => l.getAttribute('rel'))).toContain('self');
    expect(atom.entries).toHaveLength(1);
    const entry = atom.entries[0] as Element;
    expect(atom.text(entry, 'id')).toMatch(/^urn:sitroom:status:incident:[0-9a-f]{16}$/);
    expect(atom.text(entry, 'title')).toBe('Payments are failing & <retrying> (major outage)');
    expect(atom.text(entry, 'updated')).toMatch(RFC3339);
    expect(atom.text(entry, 'content')).toContain('Card payments fail; we are on it');
    expect(res.text).not.toContain('Bluebird');
  });

  it('takes it down with unpublish; resolving shows when, and the impact follows the severity until set', async () => {
    const web = await start();
    const n = await declared(app, { title: 'Search cluster rebalancing', severity: 'sev3' });
    await app.sitroom.publishing.publish(n, 'Search results may be incomplete', 'alice');
    expect(statusDocumentSchema.parse((await web.json('/status.json')).body).incidents[0]?.impact).toBe('degraded');
    await app.sitroom.service.changeSeverity(n, 'sev1', 'alice');
    expect(statusDocumentSchema.parse((await web.json('/status.json')).body).incidents[0]?.impact).toBe('major');
    await web.act(`/incidents/${n}/status/impact`, { impact: 'partial' });
    await web.act(`/incidents/${n}/status/components`, { components: 'search, api' });
    let doc = statusDocumentSchema.parse((await web.json('/status.json')).body);
    expect(doc.incidents[0]).toMatchObject({ impact: 'partial', components: ['search', 'api'] });
    expect(doc.components).toEqual([
      { name: 'api', status: 'partial' },
      { name: 'checkout', status: 'operational' },
      { name: 'search', status: 'partial' },
    ]);

    const refused = await web.act(`/incidents/${n}/status/components`, { components: 'payments' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('Unknown component payments; known: api, checkout, search (or none).');

    app.clock.advance(HOUR);
    await app.sitroom.service.transition(n, 'mitigate', '', 'alice');
    await app.sitroom.service.transition(n, 'resolve', '', 'alice');
    doc = statusDocumentSchema.parse((await web.json('/status.json')).body);
    expect(doc.overall).toBe('operational');
    expect(doc.incidents[0]).toMatchObject({ status: 'resolved', resolvedAt: new Date(app.clock.now()).toISOString() });
    expect((await web.get('/status')).text).toContain('Recently resolved');

    await web.act(`/incidents/${n}/status/unpublish`, {});
    expect(await everyPublicRoute(web)).not.toContain('Search results may be incomplete');
    expect((await app.sitroom.service.timeline(n)).map((e) => e.kind)).toContain('unpublished');
  });
});

describe('the latest public change (the feed entry’s <updated>)', () => {
  it('moves with a re-title, an impact or components change and the move to monitoring, as with a public update', async () => {
    const web = await start();
    const n = await declared(app, { title: 'Primary DB failover stuck', severity: 'sev2' });
    await app.sitroom.publishing.publish(n, 'Checkout is slow', 'alice');
    const updated = async () => {
      const doc = statusDocumentSchema.parse((await web.json('/status.json')).body);
      const entry = parseAtom((await web.get('/status/feed.atom')).text).entries[0] as Element;
      const inFeed = parseAtom((await web.get('/status/feed.atom')).text).text(entry, 'updated');
      expect(inFeed).toBe(doc.incidents[0]?.updatedAt);
      return doc.incidents[0]?.updatedAt;
    };
    const changes: [string, () => Promise<unknown>][] = [
      ['re-title', () => web.act(`/incidents/${n}/status/publish`, { title: 'Checkout fails for some customers' })],
      ['impact', () => web.act(`/incidents/${n}/status/impact`, { impact: 'major' })],
      ['components', () => web.act(`/incidents/${n}/status/components`, { components: 'checkout' })],
      ['public update', () => web.act(`/incidents/${n}/status/update`, { text: 'We are rolling back' })],
      ['monitoring', () => app.sitroom.service.transition(n, 'mitigate', '', 'alice')],
    ];
    const seen: Record<string, string | undefined> = {};
    const expected: Record<string, string> = {};
    for (const [what, change] of changes) {
      app.clock.advance(10 * MINUTE);
      await change();
      seen[what] = await updated();
      expected[what] = new Date(app.clock.now()).toISOString();
    }
    expect(seen).toEqual(expected);
  });
});

describe('what never reaches a public route', () => {
  it('a private incident and a drill (each refused with a clear error), an unpublished one, and one taken down', async () => {
    const web = await start();
    const priv = await declared(app, { title: 'ZQX-PRIVATE credential leak', isPrivate: true, severity: 'sev1' });
    await app.sitroom.service.postUpdate(priv, 'ZQX-PRIVATE-UPDATE rotating keys', 'alice');
    const refused = await web.act(`/incidents/${priv}/status/publish`, { title: 'ZQX-PRIVATE-PUBLIC-TITLE' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain(`Incident #${priv} is private: private incidents never go on the public status page.`);
    await expect(app.sitroom.publishing.publish(priv, 'ZQX-PRIVATE-PUBLIC-TITLE', 'alice')).rejects.toMatchObject({ code: 'private_not_publishable' });

    const drill = await declared(app, { title: 'ZQX-DRILL failover practice', drill: true, severity: 'sev1' });
    await app.sitroom.service.postUpdate(drill, 'ZQX-DRILL-UPDATE practising', 'alice');
    const refusedDrill = await web.act(`/incidents/${drill}/status/publish`, { title: 'ZQX-DRILL-PUBLIC-TITLE' });
    expect(refusedDrill.status).toBe(409);
    expect(refusedDrill.text).toContain('never go on the public status page');
    await expect(app.sitroom.publishing.publish(drill, 'ZQX-DRILL-PUBLIC-TITLE', 'alice')).rejects.toMatchObject({ code: 'drill_not_publishable' });

    const unpublished = await declared(app, { title: 'ZQX-UNPUBLISHED internal wording', severity: 'sev1' });
    await app.sitroom.service.postUpdate(unpublished, 'ZQX-UNPUBLISHED-UPDATE', 'alice');

    const down = await declared(app, { title: 'ZQX-DOWN internal', severity: 'sev2' });
    await app.sitroom.publishing.publish(down, 'ZQX-DOWN-PUBLIC', 'alice');
    await app.sitroom.publishing.postPublicUpdate(down, 'ZQX-DOWN-PUBLIC-UPDATE', 'alice');
    await app.sitroom.publishing.unpublish(down, 'alice');

    const shown = await declared(app, { title: 'ZQX-SHOWN-INTERNAL', severity: 'sev3' });
    await app.sitroom.publishing.publish(shown, 'Emails are delayed', 'alice');

    const all = await everyPublicRoute(web);
    expect(all).toContain('Emails are delayed');
    expect(all.match(/ZQX[-A-Z]*/g) ?? []).toEqual([]);
  });

  it('an incident made private, or a drill, after it was published disappears from every public route', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sitroom-status-'));
    const web = await start({ DATABASE_PATH: join(dir, 'sitroom.db') });
    const n = await declared(app, { title: 'Turns out to be a breach', severity: 'sev2' });
    await app.sitroom.publishing.publish(n, 'ZQX-LATER-PRIVATE login problems', 'alice');
    expect(await everyPublicRoute(web)).toContain('ZQX-LATER-PRIVATE');
    // From the desk ("Make private")…
    expect((await web.act(`/incidents/${n}/visibility`, { private: 'on' })).status).toBe(303);
    expect(await everyPublicRoute(web)).not.toContain('ZQX-LATER-PRIVATE');

    // …or from another process on the database, which could also mark a published incident a drill.
    const drill = await declared(app, { title: 'Failover', severity: 'sev2' });
    await app.sitroom.publishing.publish(drill, 'ZQX-LATER-DRILL failover', 'alice');
    expect(await everyPublicRoute(web)).toContain('ZQX-LATER-DRILL');
    const db = openDatabase(join(dir, 'sitroom.db'));
    await new SqliteIncidentStore(db).mutate(drill, (i) => ({ incident: { ...i, drill: true }, events: [] }));
    db.$client.close();
    expect(await everyPublicRoute(web)).not.toContain('ZQX-LATER-DRILL');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('the live stream (/events)', () => {
  it('is behind the same sign-in as the board, and shutdown ends open streams', async () => {
    await start({ WEB_AUTH_TOKEN: 'a-web-token-of-24-chars!' });
    const refused = await fetch(`${app.url}/events`);
    expect(refused.status).toBe(401);
    const opened = await fetch(`${app.url}/events`, { headers: { authorization: 'Bearer a-web-token-of-24-chars!' } });
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(opened.headers.get('content-security-policy')).toContain("default-src 'none'");
    const reader = opened.body?.getReader();
    expect(new TextDecoder().decode((await reader?.read())?.value)).toContain(': connected');
    expect(app.sitroom.live.clients).toBe(1);
    await app.sitroom.stop();
    expect((await reader?.read())?.done).toBe(true);
    // Already stopped: the afterEach stop must not stop it twice.
    app = new SitroomUnderTest({});
  });
});
