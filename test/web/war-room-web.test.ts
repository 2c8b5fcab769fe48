/** The web side of checklists, types and drills: the declare form, the board, the incident page, /status. */
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentDetailSchema } from '../../src/web/api-schema.ts';
import { boardPage } from '../../src/web/pages/board-page.ts';
import { isPublic, type Publication } from '../../src/incidents/publication.ts';
import { anIncident } from '../fakes/incident-builder.ts';
import { rejectionOf } from '../fakes/catch-incident-error.ts';
import { SitroomUnderTest } from '../chat/scenarios/sitroom-under-test.ts';
import { aBoardView, aSummary, columnsOf } from './pages/views.ts';
import { WebClient } from './web-client.ts';

let app: SitroomUnderTest | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function start(): Promise<WebClient> {
  app = new SitroomUnderTest({ CHECKLISTS_FILE: resolve('deploy/checklists.example.yml'), INCIDENT_TYPES: 'security,database' });
  await app.start();
  return new WebClient(app);
}

describe('pages', () => {
  it('the status page never counts a drill as public, even one published before it was marked', () => {
    const publication = { incidentNumber: 9, publicId: 'p1', title: 'Failover practice', live: true } as unknown as Publication;
    expect(isPublic(anIncident({ number: 9, drill: true }), publication)).toBe(false);
    expect(isPublic(anIncident({ number: 9 }), publication)).toBe(true);
  });

  it('the board shows checklist progress, the type and DRILL on a card', () => {
    const page = boardPage(aBoardView({ columns: columnsOf([aSummary({ number: 1, drill: true, type: 'database', checklist: { done: 3, total: 7 } })]) }));
    expect(page).toContain('<dt>Checklist</dt><dd>3/7</dd>');
    expect(page).toContain('<span class="tag">DRILL</span> <span class="tag">database</span>');
    expect(boardPage(aBoardView({ columns: columnsOf([aSummary({ number: 2 })]) }))).not.toContain('<dt>Checklist</dt>');
  });
});

describe('routes', () => {
  it('declares a drill of a type from the form: on the board with its checklist, never on /status', async () => {
    const web = await start();
    const board = (await web.get('/')).text;
    expect(board).toContain('<input type="checkbox" id="declare-drill" name="drill" value="on">');
    expect(board).toContain('<option value="security">security</option>');

    expect((await web.act('/incidents', { title: 'Key leak practice', severity: 'sev2', type: 'security', drill: 'on' })).headers.get('location')).toBe('/incidents/1');
    expect(await app?.sitroom.service.get(1)).toMatchObject({ drill: true, type: 'security' });
    expect((await web.get('/status')).text).not.toContain('Key leak practice');
    const refused = await rejectionOf(() => app?.sitroom.publishing.publish(1, 'Key leak practice', 'alice') ?? Promise.resolve());
    expect(refused.code).toBe('drill_not_publishable');

    await app?.sitroom.checklists.check(1, 1, 'alice');
    const detail = incidentDetailSchema.parse((await web.json('/api/incidents/1')).body);
    expect(detail).toMatchObject({ drill: true, type: 'security', checklist: { done: 1, total: 5 } });
    expect(detail.checklistItems[0]).toMatchObject({ position: 1, checkedBy: 'alice' });
    const page = (await web.get('/incidents/1')).text;
    expect(page).toContain('Checklist (1/5)');
    expect(page).toContain('Preserve logs and snapshots before changing anything');
    // No publish form for a drill: the page says why instead.
    expect(page).toContain('Drills are practice: they never go on the public status page.');
    expect(page).not.toContain('action="/incidents/1/status/publish"');
  });

  it('the board shows a tick at once (its cached columns notice checklist changes)', async () => {
    const web = await start();
    await web.act('/incidents', { title: 'Replica lag', severity: 'sev2', type: 'database' });
    expect((await web.get('/?fragment=columns')).text).toContain('<dt>Checklist</dt><dd>0/4</dd>');
    await app?.sitroom.checklists.check(1, 1, 'alice');
    expect((await web.get('/?fragment=columns')).text).toContain('<dt>Checklist</dt><dd>1/4</dd>');
  });

  it('the write API and its OpenAPI document take the type and the drill flag, as the form does (one catalogue)', async () => {
    const token = 'a-web-token-of-24-chars!';
    app = new SitroomUnderTest({ INCIDENT_TYPES: 'security,database', WEB_AUTH_TOKEN: token });
    await app.start();
    const res = await fetch(`${app.url}/api/incidents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Failover practice', severity: 'sev2', type: 'database', drill: true }),
    });
    expect(res.status).toBe(201);
    expect(await app.sitroom.service.get(1)).toMatchObject({ drill: true, type: 'database' });
    type Doc = { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }>> };
    const doc = (await (await fetch(`${app.url}/api/openapi.json`)).json()) as Doc;
    const declare = doc.paths['/api/incidents']?.['post']?.requestBody?.content['application/json']?.schema;
    expect(Object.keys(declare?.properties ?? {})).toEqual(expect.arrayContaining(['title', 'type', 'drill']));
  });

  it('refuses an unknown type from the form, declaring nothing', async () => {
    const web = await start();
    const answer = await web.act('/incidents', { title: 'x', type: 'network' });
    // A refusal of the desk (desk-actions.ts): the board again, the error beside the Type field.
    expect(answer.status).toBe(409);
    expect(answer.text).toContain('<p class="field-error" id="declare-type-error" role="alert">`network` is not an incident type here. Types: security, database.</p>');
    expect(await app?.sitroom.service.listOpen()).toEqual([]);
  });
});
