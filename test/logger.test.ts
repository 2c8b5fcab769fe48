import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, prettyLine } from '../src/logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

describe('createLogger', () => {
  it('writes JSON lines with the service and a bound incident number', () => {
    const { logger, lines } = capture();
    logger.child({ incident: 7 }).info({ phase: 'active' }, 'change recorded');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ service: 'sitroom', incident: 7, phase: 'active', msg: 'change recorded' });
  });

  it('logs SDK errors without the HTTP request they carry (no bearer tokens in logs)', () => {
    const { logger, lines } = capture();
    const err = Object.assign(new Error('An API error occurred: channel_not_found'), {
      code: 'slack_webapi_platform_error',
      data: { ok: false, error: 'channel_not_found' },
      config: { headers: { Authorization: 'Bearer xoxb-secret-token' } },
    });
    logger.error({ err }, 'slack call failed');
    expect(lines[0]).not.toContain('xoxb-secret-token');
    expect(JSON.parse(lines[0] ?? '{}').err).toMatchObject({ type: 'Error', code: 'slack_webapi_platform_error', platformError: 'channel_not_found' });
  });
});

describe('prettyLine', () => {
  it('turns a pino record into one human line: time, level, message, fields', () => {
    const line = prettyLine(JSON.stringify({ level: 40, time: '2026-11-27T14:02:07.123Z', service: 'sitroom', msg: 'change recorded', incident: 7, platform: 'slack' }));
    expect(line).toBe('14:02:07 WARN  change recorded incident=7 platform=slack\n');
  });

  it('shows an error’s message and stack, and passes through what is not JSON', () => {
    const line = prettyLine(JSON.stringify({ level: 50, time: '2026-11-27T14:02:07.123Z', msg: 'failed', err: { message: 'boom', stack: 'Error: boom\n    at x (a.ts:1:1)' } }));
    expect(line).toBe('14:02:07 ERROR failed — boom\n    at x (a.ts:1:1)\n');
    expect(prettyLine('plain')).toBe('plain\n');
  });
});
