/**
 * The write API against a real sitroom over HTTP: /api/openapi.json validates as OpenAPI 3.1 (a real validator), and
 * every operation the document lists is called — the test walks the document's paths, so an operation added to the
 * API without a call here fails — and answers as its response schema says. Then the refusals (400 with the field,
 * 409 with the chat's wording, 415, 401, 403) and who is who: WEB_USERS names, token sign-in names, an SSO proxy's
 * header only from WEB_TRUSTED_PROXIES, and private incidents only for participants and WEB_ADMINS.
 */
import { createServer, type Server } from 'node:http';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { alertGroupSchema, alertListSchema, errorSchema, incidentDetailSchema, incidentListSchema } from '../../src/web/api-schema.ts';
import { SitroomUnderTest } from '../chat/scenarios/sitroom-under-test.ts';
import { rawAlert, rawPayload } from '../fakes/alert-fixtures.ts';
import { closeServer, listenOnLoopback } from '../fakes/local-server.ts';
import { basic, signIn, WebClient } from './web-client.ts';

const TOKEN = 'a-web-token-of-24-chars!';
const BEARER = { authorization: `Bearer ${TOKEN}` };

let app: SitroomUnderTest | undefined;
let alertmanager: Server | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
  if (alertmanager) await closeServer(alertmanager);
  alertmanager = undefined;
});

async function start(env: Record<string, string>): Promise<SitroomUnderTest> {
  app = new SitroomUnderTest(env);
  await app.start();
  return app;
}

/** Alertmanager's silence API, as far as sitroom uses it: POST /api/v2/silences answers a silenceID. */
async function fakeAlertmanager(): Promise<string> {
  let n = 0;
  alertmanager = createServer((req, res) => {
    req.resume();
    n += 1;
    res.writeHead(req.method === 'POST' && req.url === '/api/v2/silences' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ silenceID: `silence-${n}` }));
  });
  return listenOnLoopback(alertmanager);
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = BEARER): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${app?.url}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined, headers: res.headers };
}

let groups = 0;
/** A fresh alert group (its own groupKey), delivered through the webhook; its id. */
async function alertGroup(): Promise<number> {
  groups += 1;
  const key = `{}:{alertname="Test${groups}"}`;
  await app?.webhook(rawPayload([rawAlert(groups, { labels: { alertname: `Test${groups}`, instance: 'web-1:9100', severity: 'critical' } })], { groupKey: key }));
  const found = (await app!.sitroom.alerts.recent(0, 500)).find((v) => v.group.groupKey === key);
  if (!found) throw new Error('the delivery made no group');
  return found.group.id;
}

/** A fresh incident (declared as alice); its number. */
const anIncident = async () => (await app!.sitroom.service.declare({ title: 'Checkout down', severity: 'sev2', isPrivate: false, platform: 'web', declaredBy: 'alice' })).incident.number;
/** A fresh incident published on the status page; its number. */
const aPublished = async () => {
  const number = await anIncident();
  await app!.sitroom.publishing.publish(number, 'Checkout is slow for some customers', 'alice');
  return number;
};
const anItem = async (n: number) => (await app!.sitroom.followUps.addActionItem(n, { text: 'Add a canary', owner: null, due: null }, 'alice')).id;

/** How to call each operation: the path's parameters and a valid body. An operation missing here fails the walk. */
const CALLS: Record<string, () => Promise<{ params: Record<string, number>; body?: unknown; query?: string }>> = {
  listIncidents: async () => ({ params: {}, query: `?limit=5&before=${(await anIncident()) + 1}` }),
  getIncident: async () => ({ params: { number: await anIncident() } }),
  listAlerts: async () => (await alertGroup(), { params: {} }),
  declareIncident: () => Promise.resolve({ params: {}, body: { title: 'Payments failing', severity: 'sev1', private: false } }),
  postUpdate: async () => ({ params: { number: await anIncident() }, body: { text: 'Rolled back' } }),
  addNote: async () => ({ params: { number: await anIncident() }, body: { text: 'Looking at the canary' } }),
  assignRole: async () => ({ params: { number: await anIncident() }, body: { role: 'commander', person: 'bob' } }),
  changeSeverity: async () => ({ params: { number: await anIncident() }, body: { severity: 'sev1' } }),
  changePhase: async () => ({ params: { number: await anIncident() }, body: { action: 'mitigate', note: 'rolled back' } }),
  setCadence: async () => ({ params: { number: await anIncident() }, body: { cadence: '45m' } }),
  snoozeReminder: async () => ({ params: { number: await anIncident() }, body: {} }),
  publishIncident: async () => ({ params: { number: await anIncident() }, body: { title: 'Checkout is slow for some customers' } }),
  postPublicUpdate: async () => ({ params: { number: await aPublished() }, body: { text: 'We are investigating slow checkouts.' } }),
  setPublicImpact: async () => ({ params: { number: await aPublished() }, body: { impact: 'major' } }),
  setPublicComponents: async () => ({ params: { number: await aPublished() }, body: { components: 'checkout' } }),
  unpublishIncident: async () => ({ params: { number: await aPublished() }, body: {} }),
  pageTeam: async () => ({ params: { number: await anIncident() }, body: { team: 'db-oncall', message: 'primary refuses writes' } }),
  renameIncident: async () => ({ params: { number: await anIncident() }, body: { title: 'Checkout 5xx in eu-west' } }),
  setVisibility: async () => ({ params: { number: await anIncident() }, body: { private: true } }),
  addActionItem: async () => ({ params: { number: await anIncident() }, body: { text: 'Alert on 5xx rate', owner: 'carol', due: '2025-04-01' } }),
  changeActionItem: async () => {
    const number = await anIncident();
    return { params: { number }, body: { item: await anItem(number), owner: 'dave', due: null } };
  },
  completeActionItem: async () => {
    const number = await anIncident();
    return { params: { number }, body: { item: await anItem(number) } };
  },
  editPostmortem: async () => ({ params: { number: await anIncident() }, body: { summary: 'A bad deploy.', wentWell: 'Rollback took 2 minutes.' } }),
  writePostmortem: async () => ({ params: { number: await anIncident() }, body: {} }),
  acknowledgeAlert: async () => ({ params: { id: await alertGroup() }, body: {} }),
  declareFromAlert: async () => ({ params: { id: await alertGroup() }, body: {} }),
  silenceAlert: async () => ({ params: { id: await alertGroup() }, body: { hours: 4 } }),
  markAlertNotActionable: async () => ({ params: { id: await alertGroup() }, body: {} }),
};

const SCHEMAS: Record<string, z.ZodType> = {
  IncidentList: incidentListSchema,
  IncidentDetail: incidentDetailSchema,
  AlertList: alertListSchema,
  AlertGroup: alertGroupSchema,
};

interface Operation {
  operationId: string;
  responses: Record<string, { content?: { 'application/json': { schema: { $ref?: string } } } }>;
}

describe('/api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document, public, generated from the schemas', async () => {
    await start({ WEB_AUTH_TOKEN: TOKEN });
    const answer = await call('GET', '/api/openapi.json', undefined, {});
    expect(answer.status).toBe(200);
    const validator = new Validator();
    const result = await validator.validate(answer.body as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const doc = answer.body as { openapi: string; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
    expect(doc.openapi).toBe('3.1.0');
    // Generated, not hand-written: the detail's fields are the zod schema's.
    expect(Object.keys(doc.components.schemas['IncidentDetail']?.properties ?? {}).sort()).toEqual(Object.keys(incidentDetailSchema.shape).sort());
  });

  it('lists only operations that work: every one is called and answers as its response schema says', async () => {
    await start({ WEB_AUTH_TOKEN: TOKEN, ALERTMANAGER_URL: await fakeAlertmanager(), STATUS_COMPONENTS: 'api,checkout' });
    const doc = (await call('GET', '/api/openapi.json', undefined, {})).body as { paths: Record<string, Record<string, Operation>> };
    const called: string[] = [];
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const how = CALLS[op.operationId];
        if (!how) throw new Error(`the test has no call for ${op.operationId}: add one to CALLS`);
        const { params, body, query } = await how();
        const path = template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name]));
        const answer = await call(method.toUpperCase(), `${path}${query ?? ''}`, body);
        const [expected, response] = Object.entries(op.responses).find(([status]) => status.startsWith('2')) ?? [];
        expect(answer.status, `${op.operationId}: ${JSON.stringify(answer.body)}`).toBe(Number(expected));
        const ref = response?.content?.['application/json'].schema.$ref?.split('/').pop() ?? '';
        const schema = SCHEMAS[ref];
        if (!schema) throw new Error(`no schema for ${ref}`);
        schema.parse(answer.body);
        called.push(op.operationId);
      }
    }
    expect(called.sort()).toEqual(Object.keys(CALLS).sort());
  });

  it('changes what each write says, as the same rules as the chat record it', async () => {
    await start({ WEB_AUTH_TOKEN: TOKEN });
    const number = await anIncident();
    const detail = async () => incidentDetailSchema.parse((await call('GET', `/api/incidents/${number}`)).body);
    await call('POST', `/api/incidents/${number}/rename`, { title: 'Checkout 5xx' });
    await call('POST', `/api/incidents/${number}/cadence`, { cadence: 'off' });
    await call('POST', `/api/incidents/${number}/role`, { role: 'comms', person: 'erin' });
    await call('POST', `/api/incidents/${number}/action-items`, { text: 'Canary stage', owner: 'erin' });
    await call('POST', `/api/incidents/${number}/postmortem`, { impact: 'Checkout failed for 20 minutes.' });
    const d = await detail();
    expect(d).toMatchObject({ title: 'Checkout 5xx', cadenceSeconds: null, roles: { comms: 'erin' }, postmortemSections: { impact: 'Checkout failed for 20 minutes.', summary: '' } });
    expect(d.actionItems.map((a) => [a.text, a.owner])).toEqual([['Canary stage', 'erin']]);
    expect(d.timeline.map((e) => e.actor)).toContain('token');
    expect(d.timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['renamed', 'cadence_changed', 'role_assigned', 'action_added', 'postmortem_edited']));
  });
});

describe('write API refusals', () => {
  it('400 names the field, 409 gives the chat’s wording and field, 415 wants JSON, 401 wants credentials, 403 another site', async () => {
    await start({ WEB_AUTH_TOKEN: TOKEN });
    const number = await anIncident();
    const bad = await call('POST', `/api/incidents/${number}/update`, { text: 42 });
    expect(bad.status).toBe(400);
    expect(errorSchema.parse(bad.body)).toMatchObject({ field: 'text', issues: [{ field: 'text' }] });

    const skip = await call('POST', `/api/incidents/${number}/phase`, { action: 'resolve' });
    expect(skip.status).toBe(409);
    expect(errorSchema.parse(skip.body)).toMatchObject({ field: 'action', error: expect.stringContaining('phases are never skipped') });

    const due = await call('POST', `/api/incidents/${number}/action-items`, { text: 'x', due: '2025-02-30' });
    expect(due.status).toBe(409);
    expect(errorSchema.parse(due.body).field).toBe('due');

    // Over a limit: the chat's words for it, naming the field (of several).
    const long = await call('POST', `/api/incidents/${number}/postmortem`, { summary: 'ok', impact: 'x'.repeat(10_001) });
    expect(long.status).toBe(409);
    expect(errorSchema.parse(long.body)).toMatchObject({ field: 'impact', error: expect.stringContaining('10000') });

    const form = await fetch(`${app?.url}/api/incidents/${number}/note`, { method: 'POST', headers: { ...BEARER, 'content-type': 'application/x-www-form-urlencoded' }, body: 'text=hi' });
    expect(form.status).toBe(415);
    expect((await call('POST', `/api/incidents/${number}/note`, { text: 'hi' }, {})).status).toBe(401);
    const foreign = await call('POST', `/api/incidents/${number}/note`, { text: 'hi' }, { ...BEARER, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect((await call('POST', '/api/incidents/999/note', { text: 'hi' })).status).toBe(404);
    expect((await app!.sitroom.service.timeline(number)).filter((e) => e.kind === 'note')).toEqual([]);
  });
});

describe('who is who, and private incidents', () => {
  const USERS = 'alice:wonder-land,bob:builder-b,carol:carol-pw';

  it('records WEB_USERS names, and shows a private incident only to its participants and WEB_ADMINS', async () => {
    await start({ WEB_USERS: USERS, WEB_ADMINS: 'carol' });
    const as = (name: string, pw: string) => ({ authorization: basic(name, pw) });
    const alice = as('alice', 'wonder-land');
    const bob = as('bob', 'builder-b');
    const carol = as('carol', 'carol-pw');
    const declared = await call('POST', '/api/incidents', { title: 'Suspicious admin logins', severity: 'sev2', private: true }, alice);
    expect(declared.status).toBe(201);
    const number = incidentDetailSchema.parse(declared.body).number;
    expect((await app!.sitroom.service.get(number)).declaredBy).toBe('alice');

    const listed = async (who: Record<string, string>) => incidentListSchema.parse((await call('GET', '/api/incidents', undefined, who)).body).incidents.map((i) => i.number);
    expect(await listed(alice)).toEqual([number]);
    expect(await listed(bob)).toEqual([]);
    expect(await listed(carol)).toEqual([number]);
    expect((await call('GET', `/api/incidents/${number}`, undefined, bob)).status).toBe(404);
    expect((await call('POST', `/api/incidents/${number}/note`, { text: 'peek' }, bob)).status).toBe(404);
    const page = new WebClient(app!, bob);
    expect((await page.get(`/incidents/${number}`)).status).toBe(404);
    expect((await page.get('/')).text).not.toContain('Suspicious admin logins');

    // Given a role, bob takes part: now he sees it.
    await call('POST', `/api/incidents/${number}/role`, { role: 'tech', person: 'bob' }, alice);
    expect(await listed(bob)).toEqual([number]);
    expect((await page.get('/')).text).toContain('Suspicious admin logins');
    const note = await call('POST', `/api/incidents/${number}/note`, { text: 'on it' }, bob);
    expect(incidentDetailSchema.parse(note.body).timeline.at(-1)).toMatchObject({ actor: 'bob', text: 'on it' });
  });

  it('hides a private incident behind an alert from those who may not see it', async () => {
    await start({ WEB_USERS: USERS });
    const alice = { authorization: basic('alice', 'wonder-land') };
    const bob = { authorization: basic('bob', 'builder-b') };
    const id = await alertGroup();
    const declared = await call('POST', `/api/alerts/${id}/declare`, {}, alice);
    expect(declared.status).toBe(201);
    const number = incidentDetailSchema.parse(declared.body).number;
    await call('POST', `/api/incidents/${number}/visibility`, { private: true }, alice);
    const seen = async (who: Record<string, string>) => alertListSchema.parse((await call('GET', '/api/alerts', undefined, who)).body).alerts.find((a) => a.id === id);
    expect(await seen(alice)).toMatchObject({ incident: number, linkedToPrivate: false, acknowledged: { by: 'alice' } });
    expect(await seen(bob)).toMatchObject({ incident: null, linkedToPrivate: true });
    const inbox = await new WebClient(app!, bob).get('/alerts');
    expect(inbox.text).toContain('linked to a private incident');
    expect(inbox.text).not.toContain(`/incidents/${number}`);
  });

  it('names a token sign-in by what was typed, marked as the signer’s own word', async () => {
    await start({ WEB_AUTH_TOKEN: TOKEN });
    const answer = await new WebClient(app!).post('/signin', { token: TOKEN, name: 'Dana' });
    expect(answer.status).toBe(303);
    const web = new WebClient(app!, { cookie: (answer.headers.get('set-cookie') ?? '').split(';')[0] ?? '' });
    expect((await web.act('/incidents', { title: 'Checkout down', severity: 'sev2' })).status).toBe(303);
    expect((await app!.sitroom.service.get(1)).declaredBy).toBe('Dana (token)');
    expect((await web.get('/incidents/1')).text).toContain('You are <strong>Dana (token)</strong>');
    // No name: "token".
    const anonymous = new WebClient(app!, { cookie: await signIn(app!, TOKEN) });
    await anonymous.act('/incidents/1/note', { text: 'hello' });
    expect((await app!.sitroom.service.timeline(1)).at(-1)?.actor).toBe('token');
  });

  it('takes the SSO proxy’s user header only from WEB_TRUSTED_PROXIES', async () => {
    await start({ WEB_AUTH_PROXY_HEADER: 'X-Forwarded-User', WEB_TRUSTED_PROXIES: '127.0.0.1/32' });
    const sso = await call('POST', '/api/incidents', { title: 'From SSO', severity: 'sev3' }, { 'x-forwarded-user': 'frank@example.com' });
    expect(sso.status).toBe(201);
    expect(incidentDetailSchema.parse(sso.body).declaredBy).toBe('frank@example.com');
    await app?.stop();

    await start({ WEB_AUTH_PROXY_HEADER: 'X-Forwarded-User', WEB_TRUSTED_PROXIES: '10.0.0.0/8' });
    const forged = await call('POST', '/api/incidents', { title: 'Forged', severity: 'sev3' }, { 'x-forwarded-user': 'frank@example.com' });
    expect(forged.status).toBe(401);
    expect(await app!.sitroom.service.listOpen()).toEqual([]);
  });
});
