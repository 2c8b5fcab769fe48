/**
 * Calls queued for a chat platform whose settings were taken out (or lost) before a restart: the real wiring
 * (createSitroom, web-only, fixed clock) on a database file that holds them.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSitroom, type Sitroom } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { replyEffect } from '../../src/presentation/reply-effects.ts';
import { openSqliteStores } from '../../src/storage/open-database.ts';
import { FixedClock, HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';

let dir: string | undefined;
let app: Sitroom | undefined;

afterEach(async () => {
  await app?.stop();
  app = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('calls queued for a chat platform no longer configured', () => {
  it('wait for its settings to come back, then are given up with the reason, instead of staying pending for ever', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sitroom-unconfigured-'));
    const path = join(dir, 'sitroom.db');
    // Queued while Slack and Mattermost were configured (a reply each), then the process stopped.
    const before = openSqliteStores(path);
    await before.outbox.enqueue([
      replyEffect('slack', { user: 'U1', responseUrl: 'https://hooks.slack.test/1' }, { lines: [['Noted.']] }, T0),
      replyEffect('mattermost', { user: 'mm1', responseUrl: 'https://chat.example.test/hooks/1' }, { lines: [['Noted.']] }, T0),
    ]);
    await before.close();

    const clock = new FixedClock();
    clock.set(T0 + MINUTE);
    const config = loadConfig({ DATABASE_PATH: path, LOG_LEVEL: 'silent', OUTBOX_GIVE_UP_HOURS: '1' });
    app = createSitroom(config, createLogger(config.logLevel), clock, { scheduler: false });
    const rows = () => {
      const reader = new Database(path, { readonly: true });
      try {
        return reader.prepare('SELECT platform, state, attempts, last_error AS error FROM outbox ORDER BY id').all();
      } finally {
        reader.close();
      }
    };

    await app.deliverDue();
    // Waiting, not failing: no attempt is counted, so no backoff keeps a replica that has the settings from them.
    expect(rows()).toEqual([
      { platform: 'slack', state: 'pending', attempts: 0, error: 'slack is not configured (SLACK_BOT_TOKEN is not set)' },
      { platform: 'mattermost', state: 'pending', attempts: 0, error: 'mattermost is not configured (MATTERMOST_URL is not set)' },
    ]);
    clock.advance(2 * HOUR);
    await app.deliverDue();
    expect(rows()).toEqual([
      { platform: 'slack', state: 'gave_up', attempts: 0, error: 'slack is not configured (SLACK_BOT_TOKEN is not set)' },
      { platform: 'mattermost', state: 'gave_up', attempts: 0, error: 'mattermost is not configured (MATTERMOST_URL is not set)' },
    ]);
  });
});
