/** The integrations' variables through loadConfig (webhooks, GitHub): the syntax, and a specific problem for each mistake. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startupBanner } from '../src/startup-banner.ts';
import { configProblems } from './fakes/config-problems.ts';
import { WEBHOOK_EVENT_TYPES } from '../src/incidents/webhook-events.ts';

const SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;

const problems = configProblems;

describe('webhook configuration', () => {
  it('reads entries separated by spaces or lines, each with an optional |filter', () => {
    const c = loadConfig({
      WEBHOOK_URLS: 'https://ops.example.com/sitroom\n  https://tickets.example.com/hook?team=a|incident.declared,incident.closed https://audit.example.com/h|action_item.*,private',
      WEBHOOK_SECRET: SECRET,
    });
    expect(c.webhooks.endpoints).toEqual([
      { url: 'https://ops.example.com/sitroom', events: [...WEBHOOK_EVENT_TYPES], includePrivate: false },
      { url: 'https://tickets.example.com/hook?team=a', events: ['incident.declared', 'incident.closed'], includePrivate: false },
      { url: 'https://audit.example.com/h', events: ['action_item.created', 'action_item.completed'], includePrivate: true },
    ]);
    expect(c.webhooks.key).toEqual(Buffer.alloc(32, 1));
    expect(c.webhooks.timeoutMs).toBe(10_000);
    expect(loadConfig({}).webhooks.endpoints).toEqual([]);
    expect(loadConfig({ WEBHOOK_URLS: 'http://127.0.0.1:9/h|private', WEBHOOK_SECRET: SECRET }).webhooks.endpoints[0]).toMatchObject({ events: [...WEBHOOK_EVENT_TYPES], includePrivate: true });
  });

  it('names the entry and the mistake', () => {
    expect(problems({ WEBHOOK_URLS: 'ops.example.com/hook', WEBHOOK_SECRET: SECRET })).toEqual([
      'WEBHOOK_URLS: entry 1 (ops.example.com/hook): must be an http(s) URL such as https://ops.example.com/sitroom, optionally followed by |incident.declared,incident.closed',
    ]);
    expect(problems({ WEBHOOK_URLS: 'https://a.example/h https://b.example/h|incident.opened', WEBHOOK_SECRET: SECRET })).toEqual([
      `WEBHOOK_URLS: entry 2 (https://b.example/h): unknown event "incident.opened" (known: ${WEBHOOK_EVENT_TYPES.join(', ')}, a family such as incident.*, * or private)`,
    ]);
    expect(problems({ WEBHOOK_URLS: 'https://a.example/h|', WEBHOOK_SECRET: SECRET })[0]).toContain('the filter after "|" is empty');
    expect(problems({ WEBHOOK_URLS: 'https://a.example/h https://a.example/h|incident.closed', WEBHOOK_SECRET: SECRET })[0]).toContain('listed twice');
  });

  it('requires a whsec_ secret of 24 to 64 bytes with any URL', () => {
    expect(problems({ WEBHOOK_URLS: 'https://a.example/h' })).toEqual([
      'WEBHOOK_SECRET: required with WEBHOOK_URLS: the key every webhook is signed with (whsec_…, e.g. echo "whsec_$(openssl rand -base64 32)")',
    ]);
    expect(problems({ WEBHOOK_URLS: 'https://a.example/h', WEBHOOK_SECRET: 'hunter2' })[0]).toMatch(/^WEBHOOK_SECRET: must be whsec_ followed by a base64 key/);
    expect(problems({ WEBHOOK_URLS: 'https://a.example/h', WEBHOOK_SECRET: `whsec_${Buffer.alloc(8).toString('base64')}` })[0]).toContain('(this key is 8 bytes)');
    expect(problems({ WEBHOOK_TIMEOUT_SECONDS: '0' })).toEqual(['WEBHOOK_TIMEOUT_SECONDS: must be a number of seconds from 1 to 60']);
  });
});

describe('GitHub configuration', () => {
  const github = { GITHUB_TOKEN: 'github_pat_x', GITHUB_REPO: 'acme/follow-ups' };

  it('reads the repository, API URL, mode and check interval', () => {
    expect(loadConfig({}).github).toBeUndefined();
    expect(loadConfig(github).github).toEqual({
      token: 'github_pat_x',
      repo: 'acme/follow-ups',
      apiUrl: 'https://api.github.com',
      timeoutMs: 15_000,
      allItems: false,
      webhookSecret: undefined,
      checkEveryMs: 5 * 60_000,
    });
    expect(loadConfig({ ...github, GITHUB_API_URL: 'https://ghe.example.com/api/v3', ACTION_ITEMS_TO_GITHUB: 'true', GITHUB_WEBHOOK_SECRET: 's' }).github).toMatchObject({
      apiUrl: 'https://ghe.example.com/api/v3',
      allItems: true,
      webhookSecret: 's',
    });
  });

  it('names what is missing or wrong', () => {
    expect(problems({ GITHUB_TOKEN: 'x' })).toEqual(['GITHUB_REPO: required with GITHUB_TOKEN: the repository issues are opened in, owner/name']);
    expect(problems({ GITHUB_REPO: 'acme/x' })).toEqual(['GITHUB_TOKEN: required with GITHUB_REPO: a token that may create issues in it (fine-grained: Issues read and write)']);
    expect(problems({ ...github, GITHUB_REPO: 'https://github.com/acme/x' })).toEqual(['GITHUB_REPO: must be owner/name of a GitHub repository, e.g. acme/follow-ups']);
    expect(problems({ ACTION_ITEMS_TO_GITHUB: 'true' })).toEqual(['ACTION_ITEMS_TO_GITHUB: needs GITHUB_TOKEN and GITHUB_REPO']);
    expect(problems({ ...github, ACTION_ITEMS_TO_GITHUB: 'yes' })).toEqual(['ACTION_ITEMS_TO_GITHUB: must be true or false']);
    expect(problems({ GITHUB_WEBHOOK_SECRET: 's' })).toEqual(['GITHUB_WEBHOOK_SECRET: needs GITHUB_TOKEN and GITHUB_REPO']);
  });
});

describe('the start-up summary', () => {
  it('names the configured integrations', () => {
    const quiet = startupBanner(loadConfig({}), 3000);
    expect(quiet).not.toContain('webhooks:');
    expect(quiet).not.toContain('GitHub:');
    const banner = startupBanner(loadConfig({ WEBHOOK_URLS: 'https://a.example/h https://b.example/h', WEBHOOK_SECRET: SECRET, GITHUB_TOKEN: 't', GITHUB_REPO: 'acme/x' }), 3000);
    expect(banner).toContain('  webhooks:     2 receivers (WEBHOOK_URLS)');
    expect(banner).toContain('  GitHub:       issues in acme/x (closed issues checked periodically)');
    expect(startupBanner(loadConfig({ GITHUB_TOKEN: 't', GITHUB_REPO: 'acme/x', GITHUB_WEBHOOK_SECRET: 's' }), 3000)).toContain('closed via http://localhost:3000/github/webhook, checked hourly');
  });

  it('says whether stakeholder e-mail is on (never the SMTP password) and how people sign in behind an SSO proxy', () => {
    const quiet = startupBanner(loadConfig({}), 3000);
    expect(quiet).not.toContain('e-mail:');
    const banner = startupBanner(
      loadConfig({ SMTP_URL: 'smtp://sitroom:s3cr3t-pw@mail.example.com:587', STAKEHOLDER_EMAILS: 'ops@example.com,vp@example.org', WEB_AUTH_PROXY_HEADER: 'X-Forwarded-User', WEB_TRUSTED_PROXIES: '127.0.0.1/32' }),
      3000,
    );
    expect(banner).toContain('  e-mail:       2 stakeholder addresses via mail.example.com:587 (SMTP_URL)');
    expect(banner).not.toContain('s3cr3t-pw');
    expect(banner).toContain('board:        http://localhost:3000/  (the x-forwarded-user header from 127.0.0.1/32 (WEB_AUTH_PROXY_HEADER))');
    expect(startupBanner(loadConfig({ SMTP_URL: 'smtps://mail.example.com' }), 3000)).toContain('  e-mail:       no stakeholder addresses (STAKEHOLDER_EMAILS); overdue reminders only, via mail.example.com (SMTP_URL)');
  });
});
