/**
 * What `npm start` says on a terminal once sitroom listens: the address to open and what is configured, in a few
 * human lines (the JSON log's "sitroom started" record says the same for machines).
 */
import type { Config } from './config.ts';
import { redactDatabaseUrl } from './storage/database-url.ts';

/** The address a person on this machine opens: localhost for a wildcard or loopback bind, else the bound host. */
export function localUrl(host: string, port: number): string {
  const local = host === '0.0.0.0' || host === '::' || host === '127.0.0.1' || host === '::1' || host === 'localhost';
  return `http://${local ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function startupBanner(config: Config, port: number): string {
  const url = localUrl(config.host, port);
  const chat = [config.slack ? `Slack (${config.slack.appToken ? 'Socket Mode' : 'HTTP'})` : '', config.mattermost ? `Mattermost (${config.mattermost.url})` : ''].filter(Boolean);
  const web = config.web;
  const ways = [
    web.authToken ? `sign in at ${url}/signin with WEB_AUTH_TOKEN` : '',
    web.users.size ? 'WEB_USERS (basic auth)' : '',
    web.proxyHeader ? `the ${web.proxyHeader} header from ${web.trustedProxies.join(', ')} (WEB_AUTH_PROXY_HEADER)` : '',
  ].filter(Boolean);
  const signIn = ways.length ? ways.join('; ') : 'this machine only (set WEB_AUTH_TOKEN to let others in)';
  const lines = [
    `sitroom is running — open ${url}`,
    `  board:        ${url}/  (${signIn})`,
    `  status page:  ${url}/status  (public; shows only what you publish)`,
    `  chat:         ${chat.length ? chat.join(' + ') : 'none — web-only; see README "Slack setup" or "Mattermost setup"'}`,
    `  database:     ${databaseName(config)}`,
    ...(config.status.publicUrl ? [`  public URL:   ${config.status.publicUrl}`] : []),
    ...(config.email ? [`  e-mail:       ${emailSummary(config.email)}`] : []),
    ...(config.webhooks.endpoints.length ? [`  webhooks:     ${config.webhooks.endpoints.length} receiver${config.webhooks.endpoints.length === 1 ? '' : 's'} (WEBHOOK_URLS)`] : []),
    ...(config.github ? [`  GitHub:       issues in ${config.github.repo} (${config.github.webhookSecret ? `closed via ${url}/github/webhook, checked hourly` : 'closed issues checked periodically'})`] : []),
    '  stop with Ctrl+C',
  ];
  return `${lines.join('\n')}\n`;
}

/** Who is mailed, through which server: the host and port only (SMTP_URL may hold a password). */
function emailSummary(email: NonNullable<Config['email']>): string {
  const server = new URL(email.smtpUrl).host;
  const n = email.stakeholders.length;
  const who = n === 0 ? 'no stakeholder addresses (STAKEHOLDER_EMAILS); overdue reminders only,' : `${n} stakeholder address${n === 1 ? '' : 'es'}`;
  return `${who} via ${server} (SMTP_URL)`;
}

/** The database in logs and the banner: the SQLite file, or the PostgreSQL URL without its password. */
export function databaseName(config: Pick<Config, 'databaseUrl' | 'databasePath'>): string {
  return config.databaseUrl !== undefined ? redactDatabaseUrl(config.databaseUrl) : config.databasePath;
}
