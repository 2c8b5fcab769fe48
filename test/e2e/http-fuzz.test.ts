/**
 * A bounded, seeded HTTP fuzz of the real process (`node src/main.ts`, Slack over HTTP and Mattermost both on,
 * WEB_AUTH_TOKEN set): a few hundred requests per endpoint written byte for byte over node:net — random methods,
 * odd cookies (`sitroom_token=%`), malformed and conflicting Content-Length, declared lengths longer than the
 * body, odd content types, random bytes, JSON nulls and arrays, url-encoded garbage, Slack requests signed with
 * the configured secret but odd inside, Mattermost requests with the right token but odd inside.
 * The requirements: the process never exits, nothing answers 5xx, no stack trace in any answer, every request
 * gets an answer or a closed connection (never a hang), and the database holds only whole incidents.
 * Same seed, same requests (only Slack's signature timestamps follow the clock, as Slack's replay window demands).
 */
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fakeMattermostId } from '../fakes/fake-mattermost-api.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { signSlackRequest } from '../fakes/slack-requests.ts';
import type { BotProcess } from './bot-process.ts';
import { type BothPlatforms, startBothPlatforms } from './both-platforms.ts';
import { type Random, type RawAnswer, seededRandom, sendRaw } from './raw-socket.ts';

const SEED = 92_026;
const CASES_PER_ENDPOINT = 200;
const PARALLEL = 12;
/** Bolt answers a request no listener takes after 3 s (unhandledRequestTimeoutMillis); anything slower is a hang. */
const ANSWER_WITHIN_MS = 5000;
const SECRET = 'fuzz-slack-signing-secret';
const AM_TOKEN = 'fuzz-alertmanager-token';
const WEB_TOKEN = 'fuzz-web-token-of-24-chars';
const MM_COMMAND_TOKEN = 'fuzz-mm-command-token';

let slack: FakeSlackApi;
let bot: BotProcess;
let databasePath: string;
let port: number;
let both: BothPlatforms | undefined;
/** The board's CSRF token for the WEB_AUTH_TOKEN viewer, so part of the form cases get past the CSRF check. */
let csrfToken = '';

beforeAll(async () => {
  both = await startBothPlatforms({ slackSecret: SECRET, mmCommandToken: MM_COMMAND_TOKEN, env: { WEB_AUTH_TOKEN: WEB_TOKEN, ALERTMANAGER_WEBHOOK_TOKEN: AM_TOKEN } });
  ({ slack, bot, databasePath, port } = both);
});

afterAll(async () => {
  await both?.stop();
});

// ---- what the requests carry -------------------------------------------------------------------------------

const ODD_TEXT = ['', ' ', '\u0000', '\r## Summary\rforged', '\u2028', '\u200b', '%', '%zz', 'null', '[]', '{}', '<script>x</script>', 'declare sev1 \u0000', 'declare sev2 fuzz\r---', 'update \u0000', 'note a\rb', 'ic <@U1>', 'close --waive', 'x'.repeat(4000)];
const ODD_JSON = ['null', '[]', '{}', '"x"', '0', 'true', '[null]', '{"a":null}', '{"__proto__":{"x":1}}', '['.repeat(3000), '{"alerts":null}', '{"alerts":[null]}', '{"alerts":[{}]}', '{'];
const CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data', 'multipart/form-data; boundary=', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded; charset=latin1', '*/*', ';;;', 'application/json, text/html', '\u00ff'];
const COOKIES = ['sitroom_token=%', 'sitroom_token=%E0%A4%A', 'sitroom_token=%ZZ', `sitroom_token=${WEB_TOKEN}`, 'sitroom_token', '=;=;sitroom_token==', 'a=b; sitroom_token=%; c', `sitroom_token=${encodeURIComponent(WEB_TOKEN)}; sitroom_token=%`, ';'.repeat(200)];
const alertFixture = readFileSync(new URL('../fixtures/alertmanager/alertmanager-firing.json', import.meta.url), 'utf8');

const urlEncoded = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

function junkBody(r: Random): Buffer {
  switch (r.int(6)) {
    case 0:
      return Buffer.alloc(0);
    case 1:
      return r.bytes(r.int(2000));
    case 2:
      return Buffer.from(r.pick(ODD_JSON));
    case 3:
      return Buffer.from(r.pick(['payload=null', 'payload=%', 'payload=[]', 'payload={}', 'payload=', 'a=%zz&&&=&%', 'csrf=&title=%00', `payload=${encodeURIComponent(r.pick(ODD_JSON))}`]));
    case 4:
      return Buffer.from(urlEncoded({ csrf: r.pick([csrfToken, csrfToken, '', 'x', '%']), title: r.pick(ODD_TEXT), text: r.pick(ODD_TEXT), note: r.pick(ODD_TEXT), waiver: r.pick(ODD_TEXT), role: r.pick(['ic', 'x', '\u0000']), token: r.pick([WEB_TOKEN, '', '%', 'x'.repeat(3000)]), name: r.pick(ODD_TEXT), action: r.pick(['close', 'reopen', 'mitigate', 'x']), severity: r.pick(['sev1', 'x']) }));
    default:
      return Buffer.from(r.pick(ODD_TEXT));
  }
}

/** A Slack slash command or interaction, signed with the configured secret, with odd contents. */
function signedSlack(r: Random): { body: Buffer; headers: Record<string, string> } {
  const user = { id: 'UALICE', username: 'alice', name: 'alice', team_id: 'T0FAKE' };
  const payloads: unknown[] = [null, [], {}, 'x', { type: 'block_actions' }, { type: 'block_actions', user, actions: null }, { type: 'block_actions', user, actions: [{ action_id: 'sitroom:claim_commander', value: r.pick(['1', 'x', '', '-1', '99999999999']) }] }, { type: 'view_submission', user, view: null }, { type: 'view_submission', user, view: { callback_id: 'sitroom_declare', state: { values: r.pick([null, [], {}, { title: { title: { value: r.pick(ODD_TEXT) } } }]) } } }, { type: 'shortcut' }, { type: r.pick(ODD_TEXT) }];
  const body = r.chance(0.5)
    ? urlEncoded({ command: '/incident', text: r.pick(ODD_TEXT), user_id: r.pick(['UALICE', '', '\u0000']), channel_id: r.pick(['CGENERAL', '', 'C%']), team_id: 'T0FAKE', response_url: `${slack.url}/response/fuzz`, trigger_id: `1.${r.int(1e9)}.ab` })
    : r.chance(0.8)
      ? `payload=${encodeURIComponent(JSON.stringify(r.pick(payloads)))}`
      : r.pick(['payload=%', 'payload=', 'payload={', '']);
  const at = r.chance(0.9) ? undefined : r.pick([0, -1, 1e12, Math.floor(Date.now() / 1000) - 3600]);
  return { body: Buffer.from(body), headers: { ...signSlackRequest(SECRET, body, at), 'content-type': 'application/x-www-form-urlencoded' } };
}

/** A Mattermost request with the right command token (or none), odd inside. */
function mattermost(r: Random, path: string): { body: Buffer; headers: Record<string, string> } {
  if (path === '/mattermost/command') {
    const body = urlEncoded({ token: r.chance(0.8) ? MM_COMMAND_TOKEN : r.pick(['', 'x']), text: r.pick(ODD_TEXT), user_id: r.pick([fakeMattermostId('alice'), '', 'x']), user_name: 'alice', channel_id: r.pick(['', 'x', fakeMattermostId('x')]), response_url: r.pick(['', 'http://127.0.0.1:1/x', '%', 'file:///etc/passwd']), trigger_id: 'x' });
    return { body: Buffer.from(body), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  }
  const shapes: unknown[] = [null, [], {}, { context: null }, { context: { button: 'claim_commander', value: r.pick([1, '1', null, -1, 1e20]), sig: 'x' } }, { callback_id: r.pick(['sitroom_declare', 'sitroom_update', '', null]), state: r.pick([null, '', '{', '{"form":"update","incident":1,"sig":"x"}']), submission: r.pick([null, [], { title: r.pick(ODD_TEXT) }]) }, { user_id: null, channel_id: [] }];
  return { body: Buffer.from(JSON.stringify(r.pick(shapes))), headers: { 'content-type': r.pick(['application/json', 'text/plain']) } };
}

function alertmanager(r: Random): { body: Buffer; headers: Record<string, string> } {
  const fixture = JSON.parse(alertFixture) as Record<string, unknown>;
  const mutations: (() => unknown)[] = [
    () => fixture,
    () => ({ ...fixture, alerts: r.pick([null, [], [null], [{}], 'x']) }),
    () => ({ ...fixture, version: r.pick(['3', '5', null]) }),
    () => ({ ...fixture, groupKey: r.pick(['', '\u0000', 'x'.repeat(5000), null]) }),
    () => ({ ...fixture, status: r.pick(['firing', 'resolved', 'x', null]) }),
    () => r.pick(ODD_JSON),
  ];
  const value = r.pick(mutations)();
  const body = typeof value === 'string' ? value : JSON.stringify(value);
  const auth = r.pick([`Bearer ${AM_TOKEN}`, `Bearer ${AM_TOKEN}`, 'Bearer x', '', 'Basic %%%']);
  return { body: Buffer.from(body), headers: { 'content-type': r.pick(['application/json', 'application/json', 'text/plain', 'application/json; charset=utf-8']), ...(auth ? { authorization: auth } : {}) } };
}

// ---- the endpoints -----------------------------------------------------------------------------------------

interface Endpoint {
  method: string;
  path: string;
  /** A body and headers shaped for this endpoint (signed, tokened), used for part of the cases. */
  shaped?: (r: Random) => { body: Buffer; headers: Record<string, string> };
}

const ENDPOINTS: Endpoint[] = [
  { method: 'GET', path: '/healthz' },
  { method: 'GET', path: '/metrics' },
  { method: 'GET', path: '/status' },
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/signin' },
  { method: 'POST', path: '/signin' },
  { method: 'POST', path: '/signout' },
  { method: 'GET', path: '/status.json' },
  { method: 'GET', path: '/status/feed.atom' },
  { method: 'GET', path: '/api/alerts' },
  { method: 'POST', path: '/alerts/1/declare' },
  { method: 'POST', path: '/api/alerts/1/silence' },
  { method: 'POST', path: '/incidents/1/status/publish' },
  { method: 'GET', path: '/incidents/1' },
  { method: 'GET', path: '/api/incidents' },
  { method: 'GET', path: '/api/incidents/1' },
  { method: 'POST', path: '/incidents' },
  { method: 'POST', path: '/incidents/1/role' },
  { method: 'POST', path: '/incidents/1/update' },
  { method: 'POST', path: '/incidents/1/severity' },
  { method: 'POST', path: '/incidents/1/phase' },
  { method: 'POST', path: '/incidents/1/note' },
  { method: 'GET', path: '/assets/board.js' },
  { method: 'POST', path: '/incidents/1/action-items' },
  { method: 'POST', path: '/incidents/1/postmortem' },
  { method: 'GET', path: '/alerts' },
  { method: 'POST', path: '/alerts/1/acknowledge' },
  { method: 'POST', path: '/api/incidents' },
  { method: 'POST', path: '/api/incidents/1/note' },
  { method: 'POST', path: '/api/incidents/1/action-items/change' },
  { method: 'GET', path: '/api/openapi.json' },
  { method: 'GET', path: '/no/such/path' },
  { method: 'POST', path: '/alertmanager', shaped: alertmanager },
  { method: 'POST', path: '/slack/events', shaped: signedSlack },
  { method: 'POST', path: '/mattermost/command', shaped: (r) => mattermost(r, '/mattermost/command') },
  { method: 'POST', path: '/mattermost/actions', shaped: (r) => mattermost(r, '/mattermost/actions') },
  { method: 'POST', path: '/mattermost/dialogs', shaped: (r) => mattermost(r, '/mattermost/dialogs') },
];

const QUERIES = ['', '', '', '?token=%', `?token=${WEB_TOKEN}`, '?fragment=columns', '?limit=abc&phase=x&before=-1', '?limit=99999999999999999999', '?%%%', `?token=${'x'.repeat(3000)}`];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'FOO', 'GET\u0000'];

type Framing = 'exact' | 'bad-length' | 'two-lengths' | 'short-body' | 'chunked' | 'bad-chunked';
/** Bodies that stop early (shorter than declared, a chunk cut off): the client then gives up (FIN), as a real one would. */
const INCOMPLETE: readonly Framing[] = ['short-body', 'bad-chunked'];

interface Case {
  endpoint: Endpoint;
  method: string;
  framing: Framing;
  bytes: Buffer;
  /** One line saying what was sent, for the failure report. */
  summary: string;
}

function makeCase(endpoint: Endpoint, r: Random): Case {
  const method = r.chance(0.75) ? endpoint.method : r.pick(METHODS);
  const target = `${endpoint.path}${r.pick(QUERIES)}`;
  const shaped = endpoint.shaped && r.chance(0.5) ? endpoint.shaped(r) : undefined;
  const body = shaped?.body ?? (method === 'GET' && r.chance(0.7) ? Buffer.alloc(0) : junkBody(r));
  const headers: Record<string, string> = { host: r.chance(0.9) ? `127.0.0.1:${port}` : r.pick(['evil.example', '', '[::1]', 'x'.repeat(300)]), connection: 'close' };
  if (r.chance(0.5)) headers['authorization'] = r.pick([`Bearer ${WEB_TOKEN}`, `Bearer ${WEB_TOKEN}`, 'Bearer %', 'Basic !!!', 'Basic ' + Buffer.from(':').toString('base64'), 'Token x']);
  if (r.chance(0.4)) headers['cookie'] = r.pick(COOKIES);
  if (r.chance(0.2)) headers['origin'] = r.pick(['null', 'http://evil.example', `http://127.0.0.1:${port}`, '%']);
  headers['content-type'] = r.chance(0.7) ? (shaped?.headers['content-type'] ?? r.pick(CONTENT_TYPES)) : r.pick(CONTENT_TYPES);
  for (const [k, v] of Object.entries(shaped?.headers ?? {})) if (k !== 'content-type') headers[k] = v;
  const framing: Framing = r.chance(0.75) ? 'exact' : r.pick(['bad-length', 'two-lengths', 'short-body', 'chunked', 'bad-chunked']);
  let payload = body;
  if (framing === 'exact') headers['content-length'] = String(body.length);
  if (framing === 'bad-length') headers['content-length'] = r.pick(['abc', '-1', '1.5', '0x10', ' ', '١٢', '99999999999999999999']);
  if (framing === 'short-body') headers['content-length'] = String(body.length + 1 + r.int(1e9));
  if (framing === 'chunked' || framing === 'bad-chunked') {
    headers['transfer-encoding'] = 'chunked';
    payload = framing === 'chunked' ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]) : Buffer.concat([Buffer.from(r.pick(['zz\r\n', 'ffffffffffff\r\n', '5\r\nab'])), body]);
  }
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  if (framing === 'two-lengths') head.push(`content-length: ${body.length}`, `content-length: ${body.length + 1}`);
  const bytes = Buffer.concat([Buffer.from(`${method} ${target} HTTP/1.1\r\n${head.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
  const summary = `${JSON.stringify(method)} ${target.slice(0, 60)} framing=${framing} ct=${JSON.stringify(headers['content-type'])} cookie=${JSON.stringify(headers['cookie'] ?? '')} body=${JSON.stringify(body.toString('latin1').slice(0, 60))}`;
  return { endpoint, method, framing, bytes, summary };
}

// ---- the checks --------------------------------------------------------------------------------------------

const STACK = /\n\s+at [^\n]*(?:\.ts|\.js|node:)[^\n]*:\d+:\d+|\bat (?:async )?[\w$.<>]+ \((?:file:\/\/|\/|node:)/;

function problemOf(c: Case, answer: RawAnswer): string | undefined {
  if (answer.timedOut) return 'no answer and no close (hangs)';
  if (answer.status !== null && answer.status >= 500) return `answered ${answer.status}`;
  if (STACK.test(answer.raw)) return 'stack trace in the answer';
  // A request framed correctly deserves an answer; a broken one may be answered 400 or simply closed.
  if (answer.status === null && c.framing === 'exact' && c.method === c.endpoint.method) return 'closed without an answer';
  return undefined;
}

interface DbFacts {
  incidents: number;
  withoutDeclaration: number[];
  orphanEvents: number;
}

function dbFacts(): DbFacts {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    const incidents = (db.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number }).n;
    const withoutDeclaration = (
      db
        .prepare(
          `SELECT i.number AS number FROM incidents i WHERE NOT EXISTS (
             SELECT 1 FROM timeline_events e WHERE e.incident_number = i.number AND e.kind = 'declared'
             AND e.id = (SELECT min(id) FROM timeline_events WHERE incident_number = i.number))`,
        )
        .all() as { number: number }[]
    ).map((row) => row.number);
    const orphanEvents = (db.prepare('SELECT count(*) AS n FROM timeline_events e WHERE NOT EXISTS (SELECT 1 FROM incidents i WHERE i.number = e.incident_number)').get() as { n: number }).n;
    return { incidents, withoutDeclaration, orphanEvents };
  } finally {
    db.close();
  }
}

/** Runs `work` over `items`, `parallel` at a time. */
async function inParallel<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < items.length) await work(items[next++] as T);
  }));
}

it(`survives ${CASES_PER_ENDPOINT} seeded odd requests on each of ${ENDPOINTS.length} endpoints (seed ${SEED})`, async () => {
  // Two whole incidents to aim at, declared through the web form as a person would.
  const board = await fetch(`${bot.url}/`, { headers: { authorization: `Bearer ${WEB_TOKEN}` } });
  csrfToken = /name="csrf" value="([^"]+)"/.exec(await board.text())?.[1] ?? '';
  for (const title of ['Fuzz target one', 'Fuzz target two']) {
    const res = await fetch(`${bot.url}/incidents`, { method: 'POST', redirect: 'manual', headers: { authorization: `Bearer ${WEB_TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' }, body: urlEncoded({ csrf: csrfToken, title }) });
    expect(res.status).toBe(303);
  }
  const before = dbFacts();
  expect(before.incidents).toBe(2);

  const r = seededRandom(SEED);
  const cases = ENDPOINTS.flatMap((endpoint) => Array.from({ length: CASES_PER_ENDPOINT }, () => makeCase(endpoint, r)));
  const problems = new Map<string, { count: number; example: string }>();
  let unsent = 0;
  await inParallel(cases, PARALLEL, async (c) => {
    // Once the process is gone every answer is a refused connection: count those instead of reporting each.
    if (bot.child.exitCode !== null) {
      unsent += 1;
      return;
    }
    const problem = problemOf(c, await sendRaw(port, c.bytes, ANSWER_WITHIN_MS, INCOMPLETE.includes(c.framing)));
    if (!problem) return;
    const key = `${c.endpoint.method} ${c.endpoint.path}: ${problem}`;
    const seen = problems.get(key);
    if (seen) seen.count += 1;
    else problems.set(key, { count: 1, example: c.summary });
  });

  // Everything that went wrong, in one list, so one run tells the whole story.
  const failures = [...problems].map(([key, { count, example }]) => `${key} (${count}×), e.g. ${example}`);
  if (bot.child.exitCode !== null) {
    failures.unshift(`the process exited with ${bot.child.exitCode} (${unsent} of ${cases.length} requests not sent): ${bot.stderr.split('\n').slice(0, 8).join(' | ')}`);
  } else {
    const health = await fetch(`${bot.url}/healthz`);
    if (health.status !== 200) failures.push(`/healthz answered ${health.status} afterwards`);
  }
  const after = dbFacts();
  if (after.incidents < before.incidents) failures.push(`incidents went from ${before.incidents} to ${after.incidents}`);
  if (after.withoutDeclaration.length) failures.push(`incidents whose timeline does not start with their declaration: ${after.withoutDeclaration.join(', ')}`);
  if (after.orphanEvents) failures.push(`${after.orphanEvents} timeline rows without their incident`);
  expect(failures, `seed ${SEED}`).toEqual([]);
}, 60_000);
