/**
 * The configuration: one zod schema over the environment (and an optional `.env` file), parsed once and
 * frozen. The only module that reads process.env. Every problem is reported at once, naming the variable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isCidr } from './cidr.ts';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { type Cadence, type CadenceDefaults, DEFAULT_CADENCE, parseCadence } from './incidents/cadence.ts';
import { BUILT_IN_ROLES, CUSTOM_ROLE_PATTERN } from './incidents/roles.ts';
import { SEVERITIES } from './incidents/severity.ts';
import { type DigestSchedule, WEEKDAYS } from './incidents/digest.ts';
import { DEFAULT_SEVERITY_MAP, parseSeverityMap, type SeverityMap } from './alerts/alert-rules.ts';
import type { ServerLimits } from './http/http-server.ts';
import { NO_CHECKLISTS, type ChecklistTemplates } from './incidents/checklists.ts';
import { parseChecklists } from './checklists-file.ts';
import { isEmailAddress, parseAddressBook, parseAddressList } from './email/email-address.ts';
import type { WebhookEndpoint } from './incidents/webhook-events.ts';
import { parseWebhookSecret, parseWebhookUrls } from './webhooks/webhook-endpoints.ts';
import type { GithubConfig } from './github/github-client.ts';

export interface SlackConfig {
  botToken: string;
  /** HTTP mode: requests to /slack/events are verified with this. */
  signingSecret: string | undefined;
  /** Socket Mode when set (no public URL needed). */
  appToken: string | undefined;
  apiUrl: string | undefined;
  announceChannel: string;
  alertsChannel: string | undefined;
}

export interface Config {
  port: number;
  host: string;
  databasePath: string;
  /** PostgreSQL (postgres://…) instead of the SQLite file at databasePath; see storage/open-database.ts. */
  databaseUrl: string | undefined;
  /** The key every replica signs with (CSRF tokens); unset: generated once and kept in the database. */
  sessionSecret: string | undefined;
  timeZone: string;
  logLevel: string;
  conferenceUrlTemplate: string;
  cadenceDefaults: CadenceDefaults;
  customRoles: readonly string[];
  /** The incident types `declare --type` accepts (INCIDENT_TYPES). */
  incidentTypes: readonly string[];
  /** The war-room checklists read from CHECKLISTS_FILE (none when unset). */
  checklists: ChecklistTemplates;
  /** How often the scheduler asks the database what is due. */
  tickSeconds: number;
  /** How long the outbox keeps retrying a chat effect before giving up on it. */
  outboxGiveUpHours: number;
  /** How long one chat API call may take before it counts as failed (and is retried). */
  chatCallTimeoutMs: number;
  alertmanager: AlertmanagerConfig;
  /** When the weekly digest of open action items goes out. */
  digest: DigestSchedule;
  slack: SlackConfig | undefined;
  mattermost: MattermostConfig | undefined;
  web: WebConfig;
  /** Limits of the HTTP server: connections, idle and request timeouts. */
  http: ServerLimits;
  /** Bearer token GET /metrics requires; undefined leaves /metrics open. */
  metricsToken: string | undefined;
  /** The public status page. */
  status: StatusConfig;
  /** `json` (pino lines), `pretty` (human lines), or `auto`: pretty on a terminal, JSON otherwise. */
  logFormat: 'json' | 'pretty' | 'auto';
  /** Live pages (GET /events): at most this many open streams; more are refused with 503. */
  liveMaxClients: number;
  /** Incident windows on Grafana dashboards (GRAFANA_URL, GRAFANA_TOKEN); undefined when not set. */
  grafana: GrafanaConfig | undefined;
  /** E-mail to stakeholders and overdue people: undefined without SMTP_URL. */
  email: EmailConfig | undefined;
  /** Outbound webhooks (WEBHOOK_URLS): none when unset. */
  webhooks: WebhooksConfig;
  /** Follow-ups as GitHub issues (GITHUB_TOKEN and GITHUB_REPO), or undefined. */
  github: GithubIntegrationConfig | undefined;
}

export interface GrafanaConfig {
  url: string;
  token: string;
}

export interface EmailConfig {
  /** SMTP_URL: smtp:// (STARTTLS when offered) or smtps:// (TLS from the start), credentials in the URL. */
  smtpUrl: string;
  /** SMTP_FROM, else sitroom@ the mail server's domain. */
  from: string;
  /** STAKEHOLDER_EMAILS: told what the announcement channel is told (never private incidents or drills). */
  stakeholders: readonly string[];
  /** WEB_USER_EMAILS: a person's address by the name sitroom records (web users, SSO names). */
  addresses: ReadonlyMap<string, string>;
}

export interface StatusConfig {
  /** STATUS_COMPONENTS: what a published incident may be said to affect (lowercase names). */
  components: readonly string[];
  /** PUBLIC_URL without a trailing slash, for the feed's links and ids; undefined when not set. */
  publicUrl: string | undefined;
}

export interface WebConfig {
  /** Opens the board, incident pages and API: as a bearer token, or once on /signin for a session cookie. */
  authToken: string | undefined;
  /** Basic-auth users: name -> password. */
  users: ReadonlyMap<string, string>;
  /**
   * Host names (lowercase, no port) the board answers to besides localhost, 127.0.0.1 and [::1]: PUBLIC_URL's
   * host and WEB_ALLOWED_HOSTS. Any other Host header is refused (DNS rebinding).
   */
  allowedHosts: readonly string[];
  /** PUBLIC_URL is https: session cookies are marked Secure. */
  httpsPublicUrl: boolean;
  /** A header naming the signed-in user, set by an SSO proxy (lowercase), honoured only from `trustedProxies`. */
  proxyHeader: string | undefined;
  /** CIDR blocks whose socket address may set `proxyHeader`. */
  trustedProxies: readonly string[];
  /** Names that see every private incident on the web. */
  admins: readonly string[];
}

/** Said at start-up when no chat platform is configured: sitroom runs as a web-only incident desk. */
export const WEB_ONLY_WARNING =
  'no chat platform is configured: sitroom runs web-only (the board at /). To add Slack set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN) and SLACK_ANNOUNCE_CHANNEL; for Mattermost set MATTERMOST_URL, MATTERMOST_BOT_TOKEN, MATTERMOST_TEAM, MATTERMOST_COMMAND_TOKEN, MATTERMOST_ANNOUNCE_CHANNEL and PUBLIC_URL.';

export interface MattermostConfig {
  /** The Mattermost server, e.g. https://chat.example.com. */
  url: string;
  botToken: string;
  /** Team name or id where war rooms are created. */
  team: string;
  /** The slash command's token: every /mattermost/command request must carry it. */
  commandToken: string;
  announceChannel: string;
  alertsChannel: string | undefined;
  /** sitroom's own base URL as Mattermost reaches it (buttons and dialogs call back here). */
  publicUrl: string;
  /** CIDR blocks allowed to call /mattermost/* (by socket address); undefined allows any. */
  allowedSources: readonly string[] | undefined;
}

export interface AlertmanagerConfig {
  /** Alertmanager's own URL, for silences; undefined hides the Silence buttons. */
  url: string | undefined;
  /** Bearer token required on POST /alertmanager; undefined accepts any caller. */
  webhookToken: string | undefined;
  severityMap: SeverityMap;
  maxBodyBytes: number;
}

export interface WebhooksConfig {
  endpoints: readonly WebhookEndpoint[];
  /** The HMAC key of WEBHOOK_SECRET (whsec_… decoded); set whenever an endpoint is. */
  key: Buffer | undefined;
  /** Each call to an endpoint is abandoned (and retried later) after this long. */
  timeoutMs: number;
}

export interface GithubIntegrationConfig extends GithubConfig {
  /** Every action item gets an issue (ACTION_ITEMS_TO_GITHUB), not only those asked with --issue. */
  allItems: boolean;
  /** Verifies deliveries to POST /github/webhook; without it closed issues are found by a periodic check. */
  webhookSecret: string | undefined;
  checkEveryMs: number;
}

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`sitroom cannot start: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const optional = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s ? s : undefined));

/** A comma-separated variable read by `parse` (empty by default), or an issue naming its first bad entry. */
const parsedEntries = <T>(parse: (s: string) => { ok: T } | { bad: string }, expected: string) =>
  z
    .string()
    .default('')
    .transform((s, ctx) => {
      const parsed = parse(s);
      if ('ok' in parsed) return parsed.ok;
      ctx.addIssue({ code: 'custom', message: `must be ${expected} (got ${JSON.stringify(parsed.bad)})` });
      return z.NEVER;
    });

const cadence = z
  .string()
  .optional()
  .transform((s, ctx): Cadence | undefined => {
    if (s === undefined || s.trim() === '') return undefined;
    try {
      return parseCadence(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be a duration such as 30m, 1h, 90s (30s to 7d) or "off" (got "${s}")` });
      return z.NEVER;
    }
  });

const validTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** postgres:// or postgresql:// with a host (what node-postgres connects to). */
function isPostgresUrl(s: string): boolean {
  try {
    const url = new URL(s);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const schema = z
  .object({
    PORT: z.coerce.number({ message: 'must be a whole number from 0 to 65535 (0 picks a free port)' }).int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATABASE_PATH: z.string().min(1).default('./data/sitroom.db'),
    // The value is never echoed back: it usually holds a password.
    DATABASE_URL: z
      .string()
      .optional()
      .transform((s) => (s === '' ? undefined : s))
      .refine((s) => s === undefined || isPostgresUrl(s), {
        message: 'must be a PostgreSQL URL such as postgres://sitroom:PASSWORD@db.example.com:5432/sitroom (unset: SQLite at DATABASE_PATH)',
      }),
    SESSION_SECRET: z
      .string()
      .optional()
      .transform((s) => (s === '' ? undefined : s))
      .refine((s) => s === undefined || s.length >= 32, {
        message: 'must be at least 32 characters, e.g. the output of `openssl rand -base64 48` (unset: generated once and kept in the database)',
      }),
    TZ: z.string().default('UTC').refine(validTimeZone, { message: 'must be an IANA time zone such as UTC or Europe/Berlin' }),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    CONFERENCE_URL_TEMPLATE: z
      .string()
      .default('')
      .refine((s) => s === '' || /^https?:\/\/\S+$/.test(s), { message: 'must be an http(s) URL, e.g. https://meet.example.com/inc-{number}' }),
    CADENCE_SEV1: cadence,
    CADENCE_SEV2: cadence,
    CADENCE_SEV3: cadence,
    CADENCE_SEV4: cadence,
    CADENCE_SEV5: cadence,
    CUSTOM_ROLES: z
      .string()
      .default('')
      .transform((s) => s.split(',').map((r) => r.trim().toLowerCase()).filter(Boolean))
      .refine((roles) => roles.every((r) => CUSTOM_ROLE_PATTERN.test(r) && !(BUILT_IN_ROLES as readonly string[]).includes(r)), {
        message: 'must be a comma-separated list of lowercase names like partner-comms,social-comms (not a built-in role)',
      }),
    INCIDENT_TYPES: z
      .string()
      .default('')
      .transform((s) => [...new Set(s.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean))])
      .refine((types) => types.every((t) => /^[a-z][a-z0-9-]{0,29}$/.test(t)), {
        message: 'must be a comma-separated list of lowercase names like security,database (letters, digits, dashes; at most 30 characters)',
      }),
    CHECKLISTS_FILE: optional,
    STATUS_COMPONENTS: z
      .string()
      .default('')
      .transform((s) => [...new Set(s.split(',').map((c) => c.trim().toLowerCase()).filter(Boolean))])
      .refine((names) => names.every((n) => /^[a-z0-9][a-z0-9._-]{0,39}$/.test(n) && n !== 'none'), {
        message: 'must be a comma-separated list of component names like api,checkout,search (a-z, 0-9, . _ -; not "none")',
      }),
    LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], { message: 'must be json, pretty or auto (pretty on a terminal)' }).default('auto'),
    WEB_LIVE_MAX_CLIENTS: z.coerce.number({ message: 'must be a whole number from 1 to 10000' }).int().min(1).max(10_000).default(200),
    SCHEDULER_TICK_SECONDS: z.coerce.number({ message: 'must be a whole number of seconds from 1 to 59' }).int().min(1).max(59).default(5),
    OUTBOX_GIVE_UP_HOURS: z.coerce.number({ message: 'must be a number of hours from 0.1 to 168' }).min(0.1).max(168).default(24),
    CHAT_CALL_TIMEOUT_SECONDS: z.coerce.number({ message: 'must be a number of seconds from 1 to 120' }).min(1).max(120).default(15),
    DIGEST_DAY: z
      .string()
      .default('monday')
      .transform((s) => s.trim().toLowerCase())
      .pipe(z.enum(WEEKDAYS, { message: 'must be a weekday such as monday' })),
    DIGEST_TIME: z
      .string()
      .default('09:00')
      .refine((s) => /^([01]\d|2[0-3]):[0-5]\d$/.test(s.trim()), { message: 'must be a time of day HH:MM, e.g. 09:00' }),
    DIGEST_TIMEZONE: optional.refine((s) => s === undefined || validTimeZone(s), { message: 'must be an IANA time zone such as UTC or Europe/Berlin' }),
    ALERTMANAGER_URL: optional.refine((s) => s === undefined || /^https?:\/\/\S+$/.test(s), { message: 'must be Alertmanager’s http(s) URL, e.g. http://alertmanager:9093' }),
    ALERTMANAGER_WEBHOOK_TOKEN: optional,
    GRAFANA_URL: optional.refine((s) => s === undefined || /^https?:\/\/\S+$/.test(s), { message: 'must be Grafana’s http(s) URL, e.g. https://grafana.example.com' }),
    GRAFANA_TOKEN: optional,
    ALERT_SEVERITY_MAP: z
      .string()
      .optional()
      .transform((s, ctx): SeverityMap => {
        if (!s?.trim()) return DEFAULT_SEVERITY_MAP;
        const parsed = parseSeverityMap(s);
        if ('map' in parsed) return { ...DEFAULT_SEVERITY_MAP, ...parsed.map };
        ctx.addIssue({ code: 'custom', message: `must be label=sevN pairs such as critical=sev1,warning=sev3 (${parsed.error})` });
        return z.NEVER;
      }),
    ALERTMANAGER_MAX_BODY_MB: z.coerce.number({ message: 'must be a number of megabytes from 1 to 1024' }).min(1).max(1024).default(64),
    WEB_AUTH_TOKEN: optional.refine((s) => s === undefined || s.length >= 16, { message: 'must be at least 16 characters' }),
    WEB_USERS: z
      .string()
      .default('')
      .transform((s, ctx) => {
        const users = new Map<string, string>();
        for (const pair of s.split(',').map((p) => p.trim()).filter(Boolean)) {
          const at = pair.indexOf(':');
          if (at < 1 || at === pair.length - 1) {
            ctx.addIssue({ code: 'custom', message: `must be name:password pairs separated by commas (got an entry without both)` });
            return z.NEVER;
          }
          users.set(pair.slice(0, at), pair.slice(at + 1));
        }
        return users;
      }),
    WEB_ALLOWED_HOSTS: z
      .string()
      .default('')
      .transform((s) => s.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean))
      .refine((hosts) => hosts.every((h) => /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(h)), {
        message: 'must be a comma-separated list of host names such as sitroom.example.com,10.0.0.5 (no scheme or path)',
      }),
    WEB_AUTH_PROXY_HEADER: optional.refine((s) => s === undefined || /^[A-Za-z0-9-]{1,64}$/.test(s), { message: 'must be an HTTP header name such as X-Forwarded-User' }),
    WEB_TRUSTED_PROXIES: optional.transform((s, ctx) => {
      if (s === undefined) return [];
      const blocks = s.split(',').map((b) => b.trim()).filter(Boolean);
      const bad = blocks.find((b) => !isCidr(b));
      if (bad !== undefined) {
        ctx.addIssue({ code: 'custom', message: `must be CIDR blocks separated by commas, e.g. 127.0.0.1/32,10.0.0.0/8 (got ${JSON.stringify(bad)})` });
        return z.NEVER;
      }
      return blocks;
    }),
    WEB_ADMINS: z
      .string()
      .default('')
      .transform((s) => s.split(',').map((n) => n.trim()).filter(Boolean)),
    METRICS_TOKEN: optional.refine((s) => s === undefined || s.length >= 16, { message: 'must be at least 16 characters' }),
    HTTP_MAX_CONNECTIONS: z.coerce.number({ message: 'must be a whole number from 1 to 100000' }).int().min(1).max(100_000).default(512),
    HTTP_IDLE_TIMEOUT_SECONDS: z.coerce.number({ message: 'must be a number of seconds from 0.5 to 3600' }).min(0.5).max(3600).default(30),
    MATTERMOST_URL: optional.refine((s) => s === undefined || /^https?:\/\/\S+$/.test(s), { message: 'must be the Mattermost server’s http(s) URL' }),
    MATTERMOST_BOT_TOKEN: optional,
    MATTERMOST_TEAM: optional,
    MATTERMOST_COMMAND_TOKEN: optional,
    MATTERMOST_ANNOUNCE_CHANNEL: optional,
    MATTERMOST_ALERTS_CHANNEL: optional,
    MATTERMOST_ALLOWED_SOURCES: optional.transform((s, ctx) => {
      if (s === undefined) return undefined;
      const blocks = s.split(',').map((b) => b.trim()).filter(Boolean);
      const bad = blocks.find((b) => !isCidr(b));
      if (bad !== undefined || blocks.length === 0) {
        ctx.addIssue({ code: 'custom', message: `must be CIDR blocks separated by commas, e.g. 10.0.0.0/8,192.168.1.20/32 (got ${JSON.stringify(bad ?? s)})` });
        return z.NEVER;
      }
      return blocks;
    }),
    PUBLIC_URL: optional.refine((s) => s === undefined || /^https?:\/\/\S+$/.test(s), { message: 'must be sitroom’s public http(s) URL, e.g. https://sitroom.example.com' }),
    SLACK_BOT_TOKEN: optional.refine((s) => s === undefined || s.startsWith('xoxb-'), { message: 'must be a bot token starting with xoxb-' }),
    SLACK_SIGNING_SECRET: optional,
    SLACK_APP_TOKEN: optional.refine((s) => s === undefined || s.startsWith('xapp-'), { message: 'must be an app-level token starting with xapp-' }),
    SLACK_API_URL: optional.refine((s) => s === undefined || URL.canParse(s), { message: 'must be a URL such as https://slack.com/api/' }),
    SLACK_ANNOUNCE_CHANNEL: optional,
    SLACK_ALERTS_CHANNEL: optional,
    SMTP_URL: optional.refine((s) => s === undefined || /^smtps?:\/\/[^\s/?#]+\/?$/.test(s), { message: 'must be smtp://[user:password@]host[:port] or smtps://… (TLS from the start)' }),
    SMTP_FROM: optional.refine((s) => s === undefined || isEmailAddress(s), { message: 'must be one e-mail address, e.g. sitroom@example.com' }),
    STAKEHOLDER_EMAILS: parsedEntries(parseAddressList, 'e-mail addresses separated by commas'),
    WEB_USER_EMAILS: parsedEntries(parseAddressBook, 'name=address pairs separated by commas, e.g. alice=alice@example.com'),
    WEBHOOK_URLS: optional.transform((s, ctx): WebhookEndpoint[] => {
      if (s === undefined) return [];
      const parsed = parseWebhookUrls(s);
      if ('endpoints' in parsed) return parsed.endpoints;
      for (const error of parsed.errors) ctx.addIssue({ code: 'custom', message: error });
      return z.NEVER;
    }),
    WEBHOOK_SECRET: optional.transform((s, ctx): Buffer | undefined => {
      if (s === undefined) return undefined;
      const parsed = parseWebhookSecret(s);
      if ('key' in parsed) return parsed.key;
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }),
    WEBHOOK_TIMEOUT_SECONDS: z.coerce.number({ message: 'must be a number of seconds from 1 to 60' }).min(1).max(60).default(10),
    GITHUB_TOKEN: optional,
    // GitHub's owner and repository names: letters, digits, '-', '_' and '.'.
    GITHUB_REPO: optional.refine((s) => s === undefined || /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/.test(s), { message: 'must be owner/name of a GitHub repository, e.g. acme/follow-ups' }),
    GITHUB_API_URL: z
      .string()
      .default('https://api.github.com')
      .refine((s) => /^https?:\/\/\S+$/.test(s.trim()), { message: 'must be an http(s) URL: https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server' }),
    ACTION_ITEMS_TO_GITHUB: z.enum(['true', 'false', ''], { message: 'must be true or false' }).default('false'),
    GITHUB_WEBHOOK_SECRET: optional,
    GITHUB_CHECK_MINUTES: z.coerce.number({ message: 'must be a number of minutes from 1 to 1440' }).min(1).max(1440).default(5),
  });

/**
 * Rules across variables (a platform configured halfway). Checked on the raw environment so these
 * problems are listed together with any per-variable ones.
 */
const SLACK_VARS = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_ANNOUNCE_CHANNEL', 'SLACK_ALERTS_CHANNEL', 'SLACK_API_URL'];
const MATTERMOST_REQUIRED = {
  MATTERMOST_URL: 'the Mattermost server URL, e.g. https://chat.example.com',
  MATTERMOST_BOT_TOKEN: 'the bot account’s access token (System Console → Integrations → Bot Accounts)',
  MATTERMOST_TEAM: 'the team (name or id) where war rooms are created',
  MATTERMOST_COMMAND_TOKEN: 'the token of the /incident slash command (Integrations → Slash Commands)',
  MATTERMOST_ANNOUNCE_CHANNEL: 'the channel (name or id) where incidents are announced',
  PUBLIC_URL: 'sitroom’s URL as Mattermost reaches it, for buttons and dialogs',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** Two variables that only work together: the one set without the other is a problem, named with what the other is. */
function pairProblems(env: Env, a: { name: string; what: string }, b: { name: string; what: string }): string[] {
  const set = (name: string) => (env[name] ?? '').trim() !== '';
  if (set(a.name) === set(b.name)) return [];
  const [missing, given] = set(a.name) ? [b, a] : [a, b];
  return [`${missing.name}: required with ${given.name}: ${missing.what}`];
}

/** Addresses with no mail server to send through would be silently ignored. */
function mailProblems(env: Env): string[] {
  if ((env['SMTP_URL'] ?? '').trim() !== '') return [];
  return ['STAKEHOLDER_EMAILS', 'WEB_USER_EMAILS', 'SMTP_FROM'].filter((v) => (env[v] ?? '').trim() !== '').map((v) => `SMTP_URL: required with ${v}: the mail server, e.g. smtp://user:password@mail.example.com:587`);
}

/** The SSO proxy's two variables go together: a header with no trusted proxy would be honoured from nobody. */
const webProblems = (env: Env) =>
  pairProblems(
    env,
    { name: 'WEB_AUTH_PROXY_HEADER', what: 'the header your SSO proxy sets, e.g. X-Forwarded-User' },
    { name: 'WEB_TRUSTED_PROXIES', what: 'the proxies (CIDR blocks, by socket address) allowed to name the user, e.g. 127.0.0.1/32' },
  );

/** Grafana needs both its URL and a token: one without the other would fail at the first incident. */
const grafanaProblems = (env: Env) =>
  pairProblems(
    env,
    { name: 'GRAFANA_URL', what: 'Grafana’s URL, e.g. https://grafana.example.com' },
    { name: 'GRAFANA_TOKEN', what: 'a Grafana service account token allowed to write annotations' },
  );

/** Integrations configured halfway: webhooks that would go out unsigned. */
function integrationProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  const set = (name: string) => (env[name] ?? '').trim() !== '';
  const problems: string[] = [];
  if (set('GITHUB_TOKEN') !== set('GITHUB_REPO')) {
    problems.push(set('GITHUB_TOKEN') ? 'GITHUB_REPO: required with GITHUB_TOKEN: the repository issues are opened in, owner/name' : 'GITHUB_TOKEN: required with GITHUB_REPO: a token that may create issues in it (fine-grained: Issues read and write)');
  }
  for (const name of ['ACTION_ITEMS_TO_GITHUB', 'GITHUB_WEBHOOK_SECRET']) {
    const on = name === 'ACTION_ITEMS_TO_GITHUB' ? env[name]?.trim() === 'true' : set(name);
    if (on && !(set('GITHUB_TOKEN') && set('GITHUB_REPO'))) problems.push(`${name}: needs GITHUB_TOKEN and GITHUB_REPO`);
  }
  if (set('WEBHOOK_URLS') && !set('WEBHOOK_SECRET')) problems.push('WEBHOOK_SECRET: required with WEBHOOK_URLS: the key every webhook is signed with (whsec_…, e.g. echo "whsec_$(openssl rand -base64 32)")');
  return problems;
}

function platformProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  const set = (name: string) => (env[name] ?? '').trim() !== '';
  const slack = SLACK_VARS.some(set);
  const mattermost = Object.keys(MATTERMOST_REQUIRED).some((v) => v !== 'PUBLIC_URL' && set(v)) || set('MATTERMOST_ALERTS_CHANNEL');
  // Neither platform: web-only mode (main says how to add one); not a problem.
  if (!slack && !mattermost) return [];
  const problems: string[] = [];
  if (mattermost) {
    for (const [name, what] of Object.entries(MATTERMOST_REQUIRED)) if (!set(name)) problems.push(`${name}: required to use Mattermost: ${what}`);
  }
  if (!slack) return problems;
  if (!set('SLACK_BOT_TOKEN')) problems.push('SLACK_BOT_TOKEN: required to use Slack (the Bot User OAuth Token, xoxb-…)');
  if (!set('SLACK_SIGNING_SECRET') && !set('SLACK_APP_TOKEN')) {
    problems.push('SLACK_SIGNING_SECRET: required for Slack over HTTP (Basic Information → Signing Secret); or set SLACK_APP_TOKEN for Socket Mode');
  }
  if (!set('SLACK_ANNOUNCE_CHANNEL')) problems.push('SLACK_ANNOUNCE_CHANNEL: required: the channel (ID or name) where incidents are announced');
  return problems;
}

/** Reads KEY=value lines from `path` if the file exists; the real environment wins over the file. */
export function readEnvFile(path = '.env'): Record<string, string> {
  if (!existsSync(path)) return {};
  return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
}

/** A whole request (headers and body, e.g. a large Alertmanager delivery) must arrive within this. */
const REQUEST_TIMEOUT_MS = 120_000;

/** `host[:port]` or `[v6][:port]` -> the lowercase host name as URL.hostname spells it (brackets kept for IPv6). */
export function hostName(hostAndPort: string): string {
  const v6 = /^(\[[^\]]*\])/.exec(hostAndPort)?.[1];
  return (v6 ?? hostAndPort.replace(/:\d*$/, '')).toLowerCase();
}

/** Parses the environment into a frozen Config, or throws ConfigError listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = { ...readEnvFile(), ...process.env }): Config {
  const parsed = schema.safeParse(env);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`)),
    ...platformProblems(env),
    ...webProblems(env),
    ...grafanaProblems(env),
    ...mailProblems(env),
    ...integrationProblems(env),
  ];
  // Read even when other variables are wrong, so a bad file is listed with them (every problem at once).
  const types = schema.shape.INCIDENT_TYPES.safeParse(env['INCIDENT_TYPES']);
  const checklists = readChecklists(env['CHECKLISTS_FILE']?.trim() || undefined, types.success ? types.data : []);
  if ('problems' in checklists) problems.push(...checklists.problems.map((p) => `CHECKLISTS_FILE: ${p}`));
  if (!parsed.success || problems.length > 0 || 'problems' in checklists) throw new ConfigError(problems);
  const e = parsed.data;
  const defaults = Object.fromEntries(
    SEVERITIES.map((s) => {
      const configured = e[`CADENCE_${s.toUpperCase() as Uppercase<typeof s>}`];
      return [s, configured === undefined ? DEFAULT_CADENCE[s] : configured];
    }),
  ) as unknown as CadenceDefaults;
  const mattermost: MattermostConfig | undefined =
    e.MATTERMOST_URL && e.MATTERMOST_BOT_TOKEN && e.MATTERMOST_TEAM && e.MATTERMOST_COMMAND_TOKEN && e.MATTERMOST_ANNOUNCE_CHANNEL && e.PUBLIC_URL
      ? {
          url: e.MATTERMOST_URL.replace(/\/+$/, ''),
          botToken: e.MATTERMOST_BOT_TOKEN,
          team: e.MATTERMOST_TEAM,
          commandToken: e.MATTERMOST_COMMAND_TOKEN,
          announceChannel: e.MATTERMOST_ANNOUNCE_CHANNEL,
          alertsChannel: e.MATTERMOST_ALERTS_CHANNEL,
          publicUrl: e.PUBLIC_URL.replace(/\/+$/, ''),
          allowedSources: e.MATTERMOST_ALLOWED_SOURCES,
        }
      : undefined;
  const slack: SlackConfig | undefined = e.SLACK_BOT_TOKEN
    ? {
        botToken: e.SLACK_BOT_TOKEN,
        signingSecret: e.SLACK_SIGNING_SECRET,
        appToken: e.SLACK_APP_TOKEN,
        apiUrl: e.SLACK_API_URL,
        announceChannel: e.SLACK_ANNOUNCE_CHANNEL ?? '',
        alertsChannel: e.SLACK_ALERTS_CHANNEL,
      }
    : undefined;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databasePath: e.DATABASE_PATH,
    databaseUrl: e.DATABASE_URL,
    sessionSecret: e.SESSION_SECRET,
    timeZone: e.TZ,
    logLevel: e.LOG_LEVEL,
    conferenceUrlTemplate: e.CONFERENCE_URL_TEMPLATE,
    cadenceDefaults: Object.freeze(defaults),
    customRoles: Object.freeze(e.CUSTOM_ROLES),
    incidentTypes: Object.freeze(e.INCIDENT_TYPES),
    checklists: checklists.templates,
    tickSeconds: e.SCHEDULER_TICK_SECONDS,
    outboxGiveUpHours: e.OUTBOX_GIVE_UP_HOURS,
    chatCallTimeoutMs: e.CHAT_CALL_TIMEOUT_SECONDS * 1000,
    digest: Object.freeze({
      weekday: e.DIGEST_DAY,
      hour: Number(e.DIGEST_TIME.trim().slice(0, 2)),
      minute: Number(e.DIGEST_TIME.trim().slice(3, 5)),
      timeZone: e.DIGEST_TIMEZONE ?? e.TZ,
    }),
    alertmanager: Object.freeze({
      url: e.ALERTMANAGER_URL,
      webhookToken: e.ALERTMANAGER_WEBHOOK_TOKEN,
      severityMap: Object.freeze(e.ALERT_SEVERITY_MAP),
      maxBodyBytes: Math.round(e.ALERTMANAGER_MAX_BODY_MB * 1024 * 1024),
    }),
    slack: slack && Object.freeze(slack),
    mattermost: mattermost && Object.freeze(mattermost),
    web: Object.freeze({
      authToken: e.WEB_AUTH_TOKEN,
      users: e.WEB_USERS,
      allowedHosts: Object.freeze([...new Set([...(e.PUBLIC_URL ? [new URL(e.PUBLIC_URL).hostname] : []), ...e.WEB_ALLOWED_HOSTS.map(hostName)])]),
      httpsPublicUrl: e.PUBLIC_URL?.startsWith('https://') ?? false,
      proxyHeader: e.WEB_AUTH_PROXY_HEADER?.toLowerCase(),
      trustedProxies: Object.freeze(e.WEB_TRUSTED_PROXIES),
      admins: Object.freeze(e.WEB_ADMINS),
    }),
    http: Object.freeze({
      maxConnections: e.HTTP_MAX_CONNECTIONS,
      idleTimeoutMs: Math.round(e.HTTP_IDLE_TIMEOUT_SECONDS * 1000),
      requestTimeoutMs: Math.max(REQUEST_TIMEOUT_MS, Math.round(e.HTTP_IDLE_TIMEOUT_SECONDS * 1000)),
    }),
    metricsToken: e.METRICS_TOKEN,
    status: Object.freeze({ components: Object.freeze(e.STATUS_COMPONENTS), publicUrl: e.PUBLIC_URL?.replace(/\/+$/, '') }),
    logFormat: e.LOG_FORMAT,
    liveMaxClients: e.WEB_LIVE_MAX_CLIENTS,
    grafana: e.GRAFANA_URL && e.GRAFANA_TOKEN ? Object.freeze({ url: e.GRAFANA_URL.replace(/\/+$/, ''), token: e.GRAFANA_TOKEN }) : undefined,
    email: e.SMTP_URL
      ? Object.freeze({
          smtpUrl: e.SMTP_URL,
          from: e.SMTP_FROM ?? `sitroom@${new URL(e.SMTP_URL).hostname}`,
          stakeholders: Object.freeze(e.STAKEHOLDER_EMAILS),
          addresses: e.WEB_USER_EMAILS,
        })
      : undefined,
    webhooks: Object.freeze({ endpoints: Object.freeze(e.WEBHOOK_URLS), key: e.WEBHOOK_SECRET, timeoutMs: e.WEBHOOK_TIMEOUT_SECONDS * 1000 }),
    github:
      e.GITHUB_TOKEN && e.GITHUB_REPO
        ? Object.freeze({
            token: e.GITHUB_TOKEN,
            repo: e.GITHUB_REPO,
            apiUrl: e.GITHUB_API_URL.trim(),
            timeoutMs: e.CHAT_CALL_TIMEOUT_SECONDS * 1000,
            allItems: e.ACTION_ITEMS_TO_GITHUB === 'true',
            webhookSecret: e.GITHUB_WEBHOOK_SECRET,
            checkEveryMs: e.GITHUB_CHECK_MINUTES * 60_000,
          })
        : undefined,
  });
}

/** The checklists file's templates, or its problems (a missing file is one). */
function readChecklists(path: string | undefined, incidentTypes: readonly string[]): ReturnType<typeof parseChecklists> {
  if (path === undefined) return { templates: NO_CHECKLISTS };
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (e) {
    return { problems: [`${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`] };
  }
  return parseChecklists(source, path, incidentTypes);
}
