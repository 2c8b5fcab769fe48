import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { configProblems } from './fakes/config-problems.ts';

const slack = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret', SLACK_ANNOUNCE_CHANNEL: 'C1' };

const problems = configProblems;

describe('loadConfig', () => {
  it('reads a Slack setup with defaults', () => {
    const c = loadConfig(slack);
    expect(c).toMatchObject({ port: 3000, databasePath: './data/sitroom.db', timeZone: 'UTC', tickSeconds: 5 });
    expect(c.slack).toMatchObject({ botToken: 'xoxb-1', signingSecret: 'secret', announceChannel: 'C1', alertsChannel: undefined });
    expect(c.mattermost).toBeUndefined();
    expect(c.cadenceDefaults).toEqual({ sev1: 1800, sev2: 3600, sev3: 14400, sev4: null, sev5: null });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('runs web-only when no chat platform is configured', () => {
    const c = loadConfig({});
    expect(c.slack).toBeUndefined();
    expect(c.mattermost).toBeUndefined();
    expect(c.web.users.size).toBe(0);
  });

  it('lists every problem at once, naming the variable, with no stack trace in the message', () => {
    const listed = problems({ SLACK_BOT_TOKEN: 'nope', PORT: 'abc', TZ: 'Mars/Base', CADENCE_SEV1: 'soon', MATTERMOST_URL: 'https://chat.example.com' });
    expect(listed).toEqual([
      'PORT: must be a whole number from 0 to 65535 (0 picks a free port)',
      'TZ: must be an IANA time zone such as UTC or Europe/Berlin',
      'CADENCE_SEV1: must be a duration such as 30m, 1h, 90s (30s to 7d) or "off" (got "soon")',
      'SLACK_BOT_TOKEN: must be a bot token starting with xoxb-',
      'MATTERMOST_BOT_TOKEN: required to use Mattermost: the bot account’s access token (System Console → Integrations → Bot Accounts)',
      'MATTERMOST_TEAM: required to use Mattermost: the team (name or id) where war rooms are created',
      'MATTERMOST_COMMAND_TOKEN: required to use Mattermost: the token of the /incident slash command (Integrations → Slash Commands)',
      'MATTERMOST_ANNOUNCE_CHANNEL: required to use Mattermost: the channel (name or id) where incidents are announced',
      'PUBLIC_URL: required to use Mattermost: sitroom’s URL as Mattermost reaches it, for buttons and dialogs',
      'SLACK_SIGNING_SECRET: required for Slack over HTTP (Basic Information → Signing Secret); or set SLACK_APP_TOKEN for Socket Mode',
      'SLACK_ANNOUNCE_CHANNEL: required: the channel (ID or name) where incidents are announced',
    ]);
    try {
      loadConfig({ PORT: 'abc' });
    } catch (e) {
      expect((e as Error).message).toBe('sitroom cannot start: 1 problem in the configuration\n  - PORT: must be a whole number from 0 to 65535 (0 picks a free port)');
    }
  });

  it('takes Socket Mode instead of a signing secret', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_ANNOUNCE_CHANNEL: 'C1' }).slack?.appToken).toBe('xapp-1');
  });

  it('reads cadences, custom roles, the severity map, digest and web users', () => {
    const c = loadConfig({
      ...slack,
      CADENCE_SEV4: '2h',
      CADENCE_SEV1: 'off',
      CUSTOM_ROLES: 'partner-comms, Social-Comms',
      ALERT_SEVERITY_MAP: 'page=sev2',
      DIGEST_DAY: 'Friday',
      DIGEST_TIME: '16:30',
      DIGEST_TIMEZONE: 'Europe/Berlin',
      WEB_USERS: 'alice:s3cret:with:colons,bob:pw',
    });
    expect(c.cadenceDefaults).toMatchObject({ sev1: null, sev4: 7200 });
    expect(c.customRoles).toEqual(['partner-comms', 'social-comms']);
    expect(c.alertmanager.severityMap['page']).toBe('sev2');
    expect(c.alertmanager.severityMap['critical']).toBe('sev1');
    expect(c.digest).toEqual({ weekday: 'friday', hour: 16, minute: 30, timeZone: 'Europe/Berlin' });
    expect([...c.web.users]).toEqual([['alice', 's3cret:with:colons'], ['bob', 'pw']]);
  });

  it('refuses malformed custom roles, severity maps, digest settings and web settings', () => {
    expect(problems({ ...slack, CUSTOM_ROLES: 'ic,Bad Role' })[0]).toMatch(/^CUSTOM_ROLES: /);
    expect(problems({ ...slack, ALERT_SEVERITY_MAP: 'critical=sev9' })[0]).toMatch(/^ALERT_SEVERITY_MAP: /);
    expect(problems({ ...slack, DIGEST_DAY: 'someday', DIGEST_TIME: '25:00' })).toEqual([
      'DIGEST_DAY: must be a weekday such as monday',
      'DIGEST_TIME: must be a time of day HH:MM, e.g. 09:00',
    ]);
    expect(problems({ ...slack, WEB_AUTH_TOKEN: 'short', WEB_USERS: 'nopassword' })).toEqual([
      'WEB_AUTH_TOKEN: must be at least 16 characters',
      'WEB_USERS: must be name:password pairs separated by commas (got an entry without both)',
    ]);
    expect(problems({ ...slack, WEB_ALLOWED_HOSTS: 'https://sitroom.example.com/', METRICS_TOKEN: 'short', HTTP_MAX_CONNECTIONS: '0', HTTP_IDLE_TIMEOUT_SECONDS: 'soon' })).toEqual([
      'WEB_ALLOWED_HOSTS: must be a comma-separated list of host names such as sitroom.example.com,10.0.0.5 (no scheme or path)',
      'METRICS_TOKEN: must be at least 16 characters',
      'HTTP_MAX_CONNECTIONS: must be a whole number from 1 to 100000',
      'HTTP_IDLE_TIMEOUT_SECONDS: must be a number of seconds from 0.5 to 3600',
    ]);
  });

  it('reads the web hosts, Secure cookies, metrics token and connection limits', () => {
    const defaults = loadConfig(slack);
    expect(defaults.web.allowedHosts).toEqual([]);
    expect(defaults.web.httpsPublicUrl).toBe(false);
    expect(defaults.http).toEqual({ maxConnections: 512, idleTimeoutMs: 30_000, requestTimeoutMs: 120_000 });
    expect(defaults.metricsToken).toBeUndefined();
    const c = loadConfig({
      ...slack,
      PUBLIC_URL: 'https://Sitroom.example.com:8443/base',
      WEB_ALLOWED_HOSTS: 'board.example.com:3000, 10.0.0.5,[fd00::1]:80,sitroom.example.com',
      METRICS_TOKEN: 'a-metrics-token-of-24ch',
      HTTP_MAX_CONNECTIONS: '64',
      HTTP_IDLE_TIMEOUT_SECONDS: '2.5',
    });
    expect(c.web.allowedHosts).toEqual(['sitroom.example.com', 'board.example.com', '10.0.0.5', '[fd00::1]']);
    expect(c.web.httpsPublicUrl).toBe(true);
    expect(c.metricsToken).toBe('a-metrics-token-of-24ch');
    expect(c.http).toEqual({ maxConnections: 64, idleTimeoutMs: 2500, requestTimeoutMs: 120_000 });
  });

  it('reads MATTERMOST_ALLOWED_SOURCES as CIDR blocks and refuses anything else', () => {
    const mattermost = {
      MATTERMOST_URL: 'https://chat.example.com',
      MATTERMOST_BOT_TOKEN: 't',
      MATTERMOST_TEAM: 'eng',
      MATTERMOST_COMMAND_TOKEN: 'c',
      MATTERMOST_ANNOUNCE_CHANNEL: 'incidents',
      PUBLIC_URL: 'https://sitroom.example.com',
    };
    expect(loadConfig({ ...mattermost, MATTERMOST_ALLOWED_SOURCES: '10.0.0.0/8, fd00::/8' }).mattermost?.allowedSources).toEqual(['10.0.0.0/8', 'fd00::/8']);
    expect(loadConfig(mattermost).mattermost?.allowedSources).toBeUndefined();
    for (const bad of ['10.0.0.0', '10.0.0.0/33', 'chat.example.com/24', ',']) {
      expect(problems({ ...mattermost, MATTERMOST_ALLOWED_SOURCES: bad })[0]).toMatch(/^MATTERMOST_ALLOWED_SOURCES: must be CIDR blocks/);
    }
  });

  it('reads the SSO proxy header, its trusted proxies and WEB_ADMINS; one without the other is a problem', () => {
    const web = loadConfig({ WEB_AUTH_PROXY_HEADER: 'X-Forwarded-User', WEB_TRUSTED_PROXIES: '127.0.0.1/32, 10.0.0.0/8', WEB_ADMINS: 'alice, token' }).web;
    expect(web).toMatchObject({ proxyHeader: 'x-forwarded-user', trustedProxies: ['127.0.0.1/32', '10.0.0.0/8'], admins: ['alice', 'token'] });
    expect(loadConfig({}).web).toMatchObject({ proxyHeader: undefined, trustedProxies: [], admins: [] });
    expect(problems({ WEB_AUTH_PROXY_HEADER: 'X-Forwarded-User' })).toEqual([expect.stringMatching(/^WEB_TRUSTED_PROXIES: required with WEB_AUTH_PROXY_HEADER/)]);
    expect(problems({ WEB_TRUSTED_PROXIES: '127.0.0.1/32' })).toEqual([expect.stringMatching(/^WEB_AUTH_PROXY_HEADER: required with WEB_TRUSTED_PROXIES/)]);
    expect(problems({ WEB_AUTH_PROXY_HEADER: 'X Forwarded: User', WEB_TRUSTED_PROXIES: '127.0.0.1' })).toEqual([
      expect.stringMatching(/^WEB_AUTH_PROXY_HEADER: must be an HTTP header name/),
      expect.stringMatching(/^WEB_TRUSTED_PROXIES: must be CIDR blocks/),
    ]);
  });
});

describe('status page, log format and live streams', () => {
  it('reads STATUS_COMPONENTS (lowercased, deduplicated), LOG_FORMAT and WEB_LIVE_MAX_CLIENTS, with defaults', () => {
    const c = loadConfig({ STATUS_COMPONENTS: 'API, checkout,api ,search', LOG_FORMAT: 'pretty', WEB_LIVE_MAX_CLIENTS: '5', PUBLIC_URL: 'https://status.example.com/' });
    expect(c.status).toEqual({ components: ['api', 'checkout', 'search'], publicUrl: 'https://status.example.com' });
    expect(c.logFormat).toBe('pretty');
    expect(c.liveMaxClients).toBe(5);
    expect(loadConfig({})).toMatchObject({ status: { components: [], publicUrl: undefined }, logFormat: 'auto', liveMaxClients: 200 });
  });

  it('names every bad value at once', () => {
    const found = problems({ STATUS_COMPONENTS: 'api,none,bad name', LOG_FORMAT: 'xml', WEB_LIVE_MAX_CLIENTS: '0' });
    expect(found.some((p) => p.includes('STATUS_COMPONENTS') && p.includes('component names'))).toBe(true);
    expect(found.some((p) => p.includes('LOG_FORMAT') && p.includes('json, pretty or auto'))).toBe(true);
    expect(found.some((p) => p.includes('WEB_LIVE_MAX_CLIENTS'))).toBe(true);
  });
});

describe('e-mail', () => {
  it('reads SMTP_URL, SMTP_FROM (default sitroom@ the server), STAKEHOLDER_EMAILS and WEB_USER_EMAILS', () => {
    expect(loadConfig({}).email).toBeUndefined();
    expect(loadConfig({ SMTP_URL: 'smtp://user:pw@mail.example.com:587' }).email).toEqual({
      smtpUrl: 'smtp://user:pw@mail.example.com:587',
      from: 'sitroom@mail.example.com',
      stakeholders: [],
      addresses: new Map(),
    });
    const email = loadConfig({
      SMTP_URL: 'smtps://mail.example.com',
      SMTP_FROM: 'incidents@example.com',
      STAKEHOLDER_EMAILS: ' ops@example.com, vp@example.org,ops@example.com ',
      WEB_USER_EMAILS: 'alice=alice@example.com, U024BE7LH = bob@example.com',
    }).email;
    expect(email).toMatchObject({ from: 'incidents@example.com', stakeholders: ['ops@example.com', 'vp@example.org'] });
    expect([...(email?.addresses ?? [])]).toEqual([['alice', 'alice@example.com'], ['U024BE7LH', 'bob@example.com']]);
  });

  it('refuses anything that is not a bare address (no second recipient or header can be smuggled in), and addresses without SMTP_URL', () => {
    expect(problems({ SMTP_URL: 'http://mail.example.com', SMTP_FROM: 'Sitroom <s@example.com>', STAKEHOLDER_EMAILS: 'ops@example.com,vp@example.org\r\nBcc: x@evil.test', WEB_USER_EMAILS: 'alice' })).toEqual([
      expect.stringMatching(/^SMTP_URL: must be smtp:\/\//),
      'SMTP_FROM: must be one e-mail address, e.g. sitroom@example.com',
      'STAKEHOLDER_EMAILS: must be e-mail addresses separated by commas (got "vp@example.org\\r\\nBcc: x@evil.test")',
      'WEB_USER_EMAILS: must be name=address pairs separated by commas, e.g. alice=alice@example.com (got "alice")',
    ]);
    expect(problems({ STAKEHOLDER_EMAILS: 'ops@example.com' })).toEqual(['SMTP_URL: required with STAKEHOLDER_EMAILS: the mail server, e.g. smtp://user:password@mail.example.com:587']);
  });
});

describe('DATABASE_URL and SESSION_SECRET', () => {
  it('selects PostgreSQL by URL and keeps SQLite when unset or empty', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://sitroom:pw@db:5432/sitroom' }).databaseUrl).toBe('postgres://sitroom:pw@db:5432/sitroom');
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/sitroom' }).databaseUrl).toBe('postgresql://db/sitroom');
    expect(loadConfig({ DATABASE_URL: '' }).databaseUrl).toBeUndefined();
    expect(loadConfig({}).databaseUrl).toBeUndefined();
  });

  it.each(['mysql://u:s3cret-pw@db/x', 'postgres://', 'u:s3cret-pw@db:5432/x', 'sqlite:./data.db s3cret-pw'])('refuses %s, naming the variable and never echoing the value', (value) => {
    const listed = problems({ DATABASE_URL: value });
    expect(listed).toEqual([expect.stringMatching(/^DATABASE_URL: must be a PostgreSQL URL such as postgres:\/\//)]);
    expect(listed.join('')).not.toContain('s3cret-pw');
  });

  it('takes a SESSION_SECRET of 32 characters or more, never echoing a short one', () => {
    expect(loadConfig({ SESSION_SECRET: 'k'.repeat(32) }).sessionSecret).toBe('k'.repeat(32));
    expect(loadConfig({}).sessionSecret).toBeUndefined();
    const listed = problems({ SESSION_SECRET: 'tooshort-secret' });
    expect(listed).toEqual([expect.stringMatching(/^SESSION_SECRET: must be at least 32 characters/)]);
    expect(listed.join('')).not.toContain('tooshort-secret');
  });
});
