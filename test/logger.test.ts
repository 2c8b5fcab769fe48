import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';

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
