/**
 * Property: every web form (declare, role, update, severity, phase, note — and every other action of the desk
 * catalogue, src/web/desk-actions.ts, as a form and as its JSON API route) given any fields — or any url-encoded
 * garbage — answers with a redirect or a specific 4xx, never a 5xx or a stack trace, and leaves only whole
 * incidents behind (each with its declaration on the timeline, a visible one-line title, no control characters).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESK_ACTIONS } from '../../src/web/desk-actions.ts';
import { SitroomUnderTest } from '../chat/scenarios/sitroom-under-test.ts';
import { WebClient } from '../web/web-client.ts';

let app: SitroomUnderTest;
let web: WebClient;
let csrf: string;

beforeAll(async () => {
  app = new SitroomUnderTest({});
  await app.start();
  web = new WebClient(app);
  csrf = await web.csrf();
  await web.post('/incidents', { csrf, title: 'Checkout down', severity: 'sev2' });
});
afterAll(async () => {
  await app?.stop();
});

const ODD = ['', ' ', '\u0000', '\u0000\u0000', '\r', '\r\n## Summary', '\u2028', '\u200b', '\u202e', 'sev0', 'sev1', 'SEV5', 'on', 'true', 'mitigate', 'resolve', 'close', 'reopen', 'commander', 'ic', 'nope', '%', '%zz', '<script>', 'x'.repeat(3001)];
/** Mostly the odd values above, alone or glued to ordinary text, sometimes any code points at all. */
const value = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ODD) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...ODD), fc.string({ maxLength: 10 }), fc.constantFrom(...ODD)).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);
const FIELDS = ['title', 'severity', 'private', 'role', 'text', 'action', 'note', 'waiver', 'x'] as const;
const form = fc.record(Object.fromEntries(FIELDS.map((f) => [f, value])) as Record<(typeof FIELDS)[number], fc.Arbitrary<string>>, { requiredKeys: [] });
const path = fc.oneof(
  fc.constant('/incidents'),
  fc.tuple(fc.constantFrom('1', '2', '999999999', '0'), fc.constantFrom('role', 'update', 'severity', 'phase', 'note')).map(([n, a]) => `/incidents/${n}/${a}`),
);
const STACK = /\n\s+at [^\n]+:\d+:\d+|Error: [^\n]*\n\s+at /;

/** Every incident is whole: declared first on its timeline, with a title someone can read. */
async function expectWholeIncidents(): Promise<void> {
  for (let n = 1, incident = await tryGet(1); incident; n += 1, incident = await tryGet(n)) {
    expect((await app.sitroom.service.timeline(n))[0]?.kind).toBe('declared');
    // eslint-disable-next-line no-control-regex -- the property is that none are stored
    expect(incident.title).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(incident.title.trim()).toBe(incident.title);
  }
}
async function tryGet(n: number) {
  try {
    return await app.sitroom.service.get(n);
  } catch {
    return undefined; // unknown_incident: numbers are dense, so this is the end
  }
}

describe('the web forms under any fields', () => {
  it('answer a redirect or a specific 4xx, and keep every incident whole', async () => {
    await fc.assert(
      fc.asyncProperty(path, form, fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, fc.constant(false)), async (to, fields, withCsrf) => {
        const answer = await web.post(to, { ...(withCsrf ? { csrf } : {}), ...fields } as Record<string, string>);
        expect([303, 400, 403, 404, 409, 413]).toContain(answer.status);
        expect(answer.text).not.toMatch(STACK);
        await app.sitroom.settled();
        await expectWholeIncidents();
      }),
      { numRuns: 250 },
    );
  });

  it('answer url-encoded garbage the same way', async () => {
    await fc.assert(
      fc.asyncProperty(path, fc.string({ unit: 'binary', maxLength: 200 }), async (to, body) => {
        const res = await fetch(`${app.url}${to}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `csrf=${encodeURIComponent(csrf)}&${body}`,
          redirect: 'manual',
        });
        const text = await res.text();
        expect([303, 400, 403, 404, 409, 413]).toContain(res.status);
        expect(text).not.toMatch(STACK);
        await expectWholeIncidents();
      }),
      { numRuns: 150 },
    );
  });
});

/** Every desk action's form and API paths, on a real target, a missing one and an out-of-range one. */
const deskPath = (api: boolean) =>
  fc.tuple(fc.constantFrom(...DESK_ACTIONS), fc.constantFrom('1', '2', '999999999', '0')).map(([a, n]) => {
    const base = api ? '/api' : '';
    return a.scope === 'new' ? `${base}/incidents` : `${base}/${a.scope === 'incident' ? 'incidents' : 'alerts'}/${n}/${a.path}`;
  });
/** Every field any desk action reads, so each action meets its own field names with odd values. */
const DESK_FIELDS = [...new Set(DESK_ACTIONS.flatMap((a) => Object.keys(a.input.shape)))];
const deskForm = fc.dictionary(fc.constantFrom(...DESK_FIELDS, 'x'), value, { maxKeys: 6 });
/** What the JSON routes meet: the same fields as any JSON value (strings, numbers, nulls, lists, objects). */
const deskJson = fc.dictionary(fc.constantFrom(...DESK_FIELDS, 'x', '__proto__'), fc.oneof(value, fc.jsonValue({ maxDepth: 2 })), { maxKeys: 6 });

describe('every desk action under any fields', () => {
  it('as a form: a redirect or a specific 4xx, every incident whole', async () => {
    await fc.assert(
      fc.asyncProperty(deskPath(false), deskForm, async (to, fields) => {
        const answer = await web.post(to, { csrf, ...fields });
        expect([303, 400, 403, 404, 409, 413], `${to} ${JSON.stringify(fields)} -> ${answer.text.slice(0, 200)}`).toContain(answer.status);
        expect(answer.text).not.toMatch(STACK);
        await app.sitroom.settled();
        await expectWholeIncidents();
      }),
      { numRuns: 300 },
    );
  });

  it('as JSON under /api: a 2xx or a specific 4xx, every incident whole', async () => {
    await fc.assert(
      fc.asyncProperty(deskPath(true), fc.oneof({ weight: 4, arbitrary: deskJson }, fc.jsonValue({ maxDepth: 2 })), async (to, body) => {
        const res = await fetch(`${app.url}${to}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: app.url }, body: JSON.stringify(body) });
        const text = await res.text();
        expect([200, 201, 400, 403, 404, 409, 413, 422], `${to} ${JSON.stringify(body)} -> ${text.slice(0, 200)}`).toContain(res.status);
        expect(text).not.toMatch(STACK);
        await app.sitroom.settled();
        await expectWholeIncidents();
      }),
      { numRuns: 300 },
    );
  });
});
