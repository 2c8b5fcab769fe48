/** Paging from the web desk: the incident page's "Page a team" form, with the chat's rules and refusals. */
import { afterEach, describe, expect, it } from 'vitest';
import { SitroomUnderTest } from '../chat/scenarios/sitroom-under-test.ts';
import { FakeAlertmanagerApi } from '../fakes/fake-alertmanager-api.ts';
import { WebClient } from './web-client.ts';

let app: SitroomUnderTest | undefined;
let am: FakeAlertmanagerApi | undefined;
afterEach(async () => {
  await app?.stop();
  await am?.close();
  app = undefined;
  am = undefined;
});

async function start(env: Record<string, string>): Promise<WebClient> {
  app = new SitroomUnderTest(env);
  await app.start();
  return new WebClient(app);
}

describe('paging from the incident page', () => {
  it('offers the form while the incident is active, pages through it, and shows a refusal beside the team field', async () => {
    am = await FakeAlertmanagerApi.start();
    const web = await start({ ALERTMANAGER_URL: am.url });
    expect((await web.act('/incidents', { title: 'Checkout down', severity: 'sev1' })).status).toBe(303);
    expect((await web.get('/incidents/1')).text).toContain('action="/incidents/1/page"');

    expect((await web.act('/incidents/1/page', { team: 'db-oncall', message: 'primary refuses writes' })).status).toBe(303);
    await app?.sitroom.deliverDue();
    expect(am.received.map((a) => a.labels)).toEqual([{ alertname: 'SitroomPage', incident: '1', severity: 'sev1', team: 'db-oncall' }]);

    const refused = await web.act('/incidents/1/page', { team: 'db-oncall' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('db-oncall is already paged for incident #1');

    expect((await web.act('/incidents/1/phase', { action: 'mitigate' })).status).toBe(303);
    expect((await web.get('/incidents/1')).text).not.toContain('action="/incidents/1/page"');
  });

  it('offers no form without ALERTMANAGER_URL, and the API explains what to set', async () => {
    const web = await start({});
    expect((await web.act('/incidents', { title: 'Checkout down', severity: 'sev1' })).status).toBe(303);
    expect((await web.get('/incidents/1')).text).not.toContain('action="/incidents/1/page"');
    const refused = await web.act('/incidents/1/page', { team: 'db-oncall' });
    expect(refused.status, refused.text.slice(-1500)).toBe(409);
    expect(refused.text).toContain('Paging needs ALERTMANAGER_URL');
  });
});
