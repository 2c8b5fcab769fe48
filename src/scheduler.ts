/**
 * The cron tick: wakes up every few seconds and asks the store what is due. No rules here and no state:
 * reminders live in the database, so a restart (or a second replica) loses and duplicates nothing.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { IncidentService } from './incidents/incident-service.ts';
import type { Logger } from './logger.ts';

export interface SchedulerOptions {
  service: IncidentService;
  tickSeconds: number;
  logger: Logger;
  /** Other catch-up work each tick asks for (e.g. alert cards left behind). */
  chores?: readonly (() => void | Promise<void>)[];
}

export class Scheduler {
  private readonly opts: SchedulerOptions;
  private task: ScheduledTask | undefined;
  private running: Promise<void> | undefined;

  constructor(opts: SchedulerOptions) {
    this.opts = opts;
  }

  /** Runs one tick now (so whatever fell due while the bot was down goes out at once), then every tickSeconds. */
  async start(): Promise<void> {
    await this.tick();
    this.task = cron.schedule(`*/${this.opts.tickSeconds} * * * * *`, () => this.tick(), { noOverlap: true, name: 'reminders' });
  }

  /** One pass: queue due reminders, then the chores. Never throws. */
  tick(): Promise<void> {
    this.running ??= this.runTick().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runTick(): Promise<void> {
    const { service, logger } = this.opts;
    try {
      // Only rows are written here: the outbox dispatcher delivers them, so a hung chat never holds up the tick.
      const { queued } = await service.queueDueReminders();
      if (queued) logger.info({ queued }, 'reminders queued');
    } catch (err) {
      logger.error({ err }, 'scheduler tick failed');
    }
    // Each chore on its own: one failing must not skip the rest (the page re-posts that keep pages firing among them).
    for (const chore of this.opts.chores ?? []) {
      try {
        await chore();
      } catch (err) {
        logger.error({ err }, 'scheduler chore failed');
      }
    }
  }

  /** Stops ticking and waits for a tick in progress. */
  async stop(): Promise<void> {
    await this.task?.stop();
    await this.task?.destroy();
    await this.running;
  }
}
