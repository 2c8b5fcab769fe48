/** Wiring only: config -> sitroom -> start; SIGTERM/SIGINT -> graceful stop within 10 s. */
import { createSitroom, openSitroomStores, type OpenedStores } from './app.ts';
import { ConfigError, loadConfig, WEB_ONLY_WARNING } from './config.ts';
import { createLogger, prettyDestination } from './logger.ts';
import { databaseName, localUrl, startupBanner } from './startup-banner.ts';
import { DatabaseUrlError } from './storage/database-url.ts';

/** Hard limit for shutdown: whatever is still running after this is abandoned. */
const SHUTDOWN_LIMIT_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  // DATABASE_URL (PostgreSQL) or DATABASE_PATH (SQLite), migrated: a bad or unreachable URL is one clear line.
  let opened: OpenedStores;
  try {
    opened = await openSitroomStores(config);
  } catch (e) {
    if (e instanceof DatabaseUrlError) {
      process.stderr.write(`${new ConfigError([e.message]).message}\n`);
      process.exit(1);
    }
    throw e;
  }
  // Human lines on a terminal (or when asked); JSON lines for log collectors (or when asked).
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
  const logger = createLogger(config.logLevel, pretty ? prettyDestination(process.stdout) : undefined);
  if (!config.slack && !config.mattermost) logger.warn(WEB_ONLY_WARNING);
  const sitroom = createSitroom(config, logger, undefined, { opened });
  let port;
  try {
    port = await sitroom.start();
  } catch (e) {
    // A setting or credential the chat platform refused at start (Slack token, Mattermost team or channel) is a
    // configuration problem: the same one message as a bad variable, no stack trace.
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const slack = config.slack ? (config.slack.appToken ? 'socket-mode' : 'http') : 'off';
  logger.info({ port, url: localUrl(config.host, port), slack, mattermost: config.mattermost ? config.mattermost.url : 'off', database: databaseName(config) }, 'sitroom started');
  if (pretty) process.stdout.write(startupBanner(config, port));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    sitroom.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`sitroom failed to start: ${message}\n`);
  process.exit(1);
});
