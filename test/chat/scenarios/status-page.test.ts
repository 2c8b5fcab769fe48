/** The public status page from chat, on both platforms: publish, public updates, impact, components, unpublish, and refusals (private incidents, drills). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatDriver } from './chat-driver.ts';
import { PLATFORMS } from './platforms.ts';

describe.each(PLATFORMS)('the status page from %s', (_name, start) => {
  let chat: ChatDriver;
  let room: string;
  beforeEach(async () => {
    chat = await start({ STATUS_COMPONENTS: 'api,checkout' });
    await chat.command('declare sev2 Primary DB failover stuck');
    room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
  });
  afterEach(async () => {
    await chat?.stop();
  });
  const here = () => ({ in: room });
  const status = async () => (await fetch(`${chat.url}/status.json`)).text();

  it('publishes under public wording, posts a public update, sets impact and components, and takes it down', async () => {
    expect(await chat.command('public Looking into it', here())).toContain('is not on the status page. Publish it first: `/incident publish <public title>`.');
    expect(await status()).not.toContain('Primary DB');

    expect(await chat.command('publish Checkout is slow for some customers', here())).toContain('On the status page as “Checkout is slow for some customers”.');
    expect(chat.messages(room).at(-1)?.text).toContain('Published on the status page as: Checkout is slow for some customers');
    expect(await chat.command('public We have found the cause', here())).toContain('Public update posted on the status page.');
    expect(await chat.command('impact major', here())).toContain('Public impact set: Major outage.');
    expect(await chat.command('impact apocalyptic', here())).toContain('`apocalyptic` is not an impact level; use degraded, partial or major.');
    expect(await chat.command('components checkout', here())).toContain('Affected components: checkout.');
    expect(await chat.command('components payments', here())).toContain('Unknown component payments; known: api, checkout (or none).');

    const json = await status();
    expect(json).toContain('Checkout is slow for some customers');
    expect(json).toContain('We have found the cause');
    expect(json).toContain('"impact":"major"');
    expect(json).not.toContain('Primary DB');

    expect(await chat.command('unpublish', here())).toContain('Taken off the status page.');
    expect(await status()).not.toContain('Checkout is slow');
    expect(await chat.command('unpublish', here())).toContain('is not on the status page');
    expect(await chat.command('publish', here())).toContain('`publish` needs the title the public will see.');
  });

  it('refuses to publish a private incident', async () => {
    await chat.command('declare sev1 --private Suspicious admin logins');
    const privateRoom = (await chat.sitroom().service.get(2)).room?.channelId ?? '';
    expect(await chat.command('publish Login trouble', { in: privateRoom })).toContain('Incident #2 is private: private incidents never go on the public status page.');
    expect(await status()).not.toContain('Login trouble');
  });

  it('refuses to publish a drill', async () => {
    await chat.command('declare sev2 --drill Failover practice');
    const drillRoom = (await chat.sitroom().service.get(2)).room?.channelId ?? '';
    expect(await chat.command('publish Checkout is down', { in: drillRoom })).toContain('Incident #2 is a drill: drills are practice and never go on the public status page.');
    expect(await status()).not.toContain('Checkout is down');
  });
});
