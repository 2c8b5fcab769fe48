/**
 * The scheduler's tick: one chore failing (a database hiccup in the card sweep or the digest) must not skip the
 * chores after it, among them the re-post that keeps pages firing in Alertmanager (they resolve 5 minutes after the
 * last post) and the GitHub check.
 */
import { describe, expect, it } from 'vitest';
import type { IncidentService } from '../src/incidents/incident-service.ts';
import { createLogger } from '../src/logger.ts';
import { Scheduler } from '../src/scheduler.ts';

describe('a scheduler tick', () => {
  it('runs every chore even when one before it fails, and logs the failure', async () => {
    const ran: string[] = [];
    const lines: string[] = [];
    const service = { queueDueReminders: async () => ({ queued: 0 }) } as unknown as IncidentService;
    const scheduler = new Scheduler({
      service,
      tickSeconds: 5,
      logger: createLogger('info', { write: (line: string) => lines.push(line) }),
      chores: [
        async () => {
          ran.push('cards');
          throw new Error('database is locked');
        },
        async () => void ran.push('pages'),
      ],
    });
    await scheduler.tick();
    expect(ran).toEqual(['cards', 'pages']);
    expect(lines.join('\n')).toContain('database is locked');
  });
});
