/** `/incident action … --issue` on both platforms: the reply, the issue opened in (fake) GitHub, its link in `actions` and in the war room. */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeGithubApi } from '../../fakes/fake-github-api.ts';
import type { ChatDriver } from './chat-driver.ts';
import { PLATFORMS } from './platforms.ts';

describe.each(PLATFORMS)('action items as GitHub issues on %s', (_name, start) => {
  let chat: ChatDriver | undefined;
  let github: FakeGithubApi | undefined;
  afterEach(async () => {
    await chat?.stop();
    await github?.stop();
  });

  it('opens the issue and links it; without GitHub configured, --issue is refused', async () => {
    github = await FakeGithubApi.start('github_pat_t', 'acme/follow-ups');
    chat = await start({ GITHUB_TOKEN: 'github_pat_t', GITHUB_REPO: 'acme/follow-ups', GITHUB_API_URL: github.url });
    await chat.command('declare sev2 Checkout latency spike');
    const room = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    expect(await chat.command('action add a canary stage --issue', { in: room })).toContain('Action item #1 added: add a canary stage — its GitHub issue is being opened');
    await chat.sitroom().deliverDue();
    expect(github.issues.map((i) => i.title)).toEqual(['add a canary stage (incident #1)']);
    expect(await chat.command('actions', { in: room })).toContain('issue #1');
    expect(chat.messages(room).map((m) => m.text).join('\n')).toContain('GitHub issue https://github.example/acme/follow-ups/issues/1');
    await chat.stop();

    chat = await start({});
    await chat.command('declare sev2 Checkout latency spike');
    const other = (await chat.sitroom().service.get(1)).room?.channelId ?? '';
    expect(await chat.command('action add a canary stage --issue', { in: other })).toContain('GitHub issues need GITHUB_TOKEN and GITHUB_REPO');
    expect(await chat.sitroom().followUps.actionItemsOf(1)).toEqual([]);
  });
});
