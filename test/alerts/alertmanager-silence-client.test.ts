/**
 * The silence client against a local stand-in for Alertmanager's API v2 (POST /api/v2/silences answers
 * {"silenceID": …}, DELETE /api/v2/silence/{id}): ALERTMANAGER_URL with credentials (Alertmanager's basic_auth_users
 * web config, or a proxy) sends them as Basic authorization, which fetch would refuse to do from the URL itself.
 */
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertmanagerSilenceClient } from '../../src/alertmanager/alertmanager-silence-client.ts';
import { T0 } from '../fakes/fixed-clock.ts';
import { closeServer, listenOnLoopback, readText } from '../fakes/local-server.ts';

const seen: { method: string; path: string; authorization: string | undefined }[] = [];
const server = createServer((req, res) => {
  void readText(req).then(() => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization });
    if (req.method === 'POST') res.writeHead(200, { 'content-type': 'application/json' }).end('{"silenceID":"s-1"}');
    else res.writeHead(200).end();
  });
});
afterEach(async () => {
  if (server.listening) await closeServer(server);
  seen.length = 0;
});

describe('the Alertmanager silence client', () => {
  it('sends the credentials of ALERTMANAGER_URL as Basic authorization', async () => {
    const url = await listenOnLoopback(server);
    const client = new AlertmanagerSilenceClient(url.replace('http://', 'http://ops:pa%3Ass@'));
    const id = await client.create({ matchers: [{ name: 'alertname', value: 'HighErrorRate', isRegex: false, isEqual: true }], startsAt: T0, endsAt: T0 + 3_600_000, createdBy: 'sitroom (alice)', comment: 'x' });
    await client.expire(id);
    const basic = `Basic ${Buffer.from('ops:pa:ss').toString('base64')}`;
    expect(seen).toEqual([
      { method: 'POST', path: '/api/v2/silences', authorization: basic },
      { method: 'DELETE', path: '/api/v2/silence/s-1', authorization: basic },
    ]);
  });
});
