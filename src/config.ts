/**
 * The configuration: one zod schema over the environment (and an optional `.env` file), parsed once and
 * frozen. The only module that reads process.env. Every problem is reported at once, naming the variable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { type Cadence, type CadenceDefaults, DEFAULT_CADENCE, parseCadence } from './incidents/cadence.ts';
import { BUILT_IN_ROLES, CUSTOM_ROLE_PATTERN } from './incidents/roles.ts';
import { SEVERITIES } from './incidents/severity.ts';

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
  timeZone: string;
  logLevel: string;
  conferenceUrlTemplate: string;
  cadenceDefaults: CadenceDefaults;
  customRoles: readonly string[];
  /** How often the scheduler asks the database what is due. */
  tickSeconds: number;
  slack: SlackConfig | undefined;
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

const schema = z
  .object({
    PORT: z.coerce.number({ message: 'must be a whole number from 0 to 65535 (0 picks a free port)' }).int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATABASE_PATH: z.string().min(1).default('./data/sitroom.db'),
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
    SCHEDULER_TICK_SECONDS: z.coerce.number({ message: 'must be a whole number of seconds from 1 to 59' }).int().min(1).max(59).default(5),
    SLACK_BOT_TOKEN: optional.refine((s) => s === undefined || s.startsWith('xoxb-'), { message: 'must be a bot token starting with xoxb-' }),
    SLACK_SIGNING_SECRET: optional,
    SLACK_APP_TOKEN: optional.refine((s) => s === undefined || s.startsWith('xapp-'), { message: 'must be an app-level token starting with xapp-' }),
    SLACK_API_URL: optional.refine((s) => s === undefined || URL.canParse(s), { message: 'must be a URL such as https://slack.com/api/' }),
    SLACK_ANNOUNCE_CHANNEL: optional,
    SLACK_ALERTS_CHANNEL: optional,
  });

/**
 * Rules across variables (a platform configured halfway). Checked on the raw environment so these
 * problems are listed together with any per-variable ones.
 */
function platformProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  const set = (name: string) => (env[name] ?? '').trim() !== '';
  const slackVars = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_ANNOUNCE_CHANNEL', 'SLACK_ALERTS_CHANNEL', 'SLACK_API_URL'];
  if (!slackVars.some(set)) {
    return [
      'SLACK_BOT_TOKEN: no chat platform is configured: set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode) and SLACK_ANNOUNCE_CHANNEL',
    ];
  }
  const problems: string[] = [];
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

/** Parses the environment into a frozen Config, or throws ConfigError listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = { ...readEnvFile(), ...process.env }): Config {
  const parsed = schema.safeParse(env);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`)),
    ...platformProblems(env),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const defaults = Object.fromEntries(
    SEVERITIES.map((s) => {
      const configured = e[`CADENCE_${s.toUpperCase() as Uppercase<typeof s>}`];
      return [s, configured === undefined ? DEFAULT_CADENCE[s] : configured];
    }),
  ) as unknown as CadenceDefaults;
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
    timeZone: e.TZ,
    logLevel: e.LOG_LEVEL,
    conferenceUrlTemplate: e.CONFERENCE_URL_TEMPLATE,
    cadenceDefaults: Object.freeze(defaults),
    customRoles: Object.freeze(e.CUSTOM_ROLES),
    tickSeconds: e.SCHEDULER_TICK_SECONDS,
    slack: slack && Object.freeze(slack),
  });
}
