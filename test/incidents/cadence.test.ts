import { describe, expect, it } from 'vitest';
import { DEFAULT_CADENCE, formatCadence, parseCadence, parseDuration } from '../../src/incidents/cadence.ts';
import { catchIncidentError } from '../fakes/catch-incident-error.ts';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['1h30m', 5400],
    ['2d', 172_800],
    [' 15M ', 900],
  ])('reads %j as %i seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each(['15', 'm', '1.5h', '-15m', '15 m', '1h 30m', '15min', 'soon', ''])('is undefined for %j', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});

describe('parseCadence', () => {
  it.each([
    ['15m', 900],
    ['90s', 90],
    ['1h30m', 5400],
  ])('reads %j as %i seconds', (input, seconds) => {
    expect(parseCadence(input)).toBe(seconds);
  });

  it.each(['off', 'OFF', 'none', 'never'])('reads %j as no cadence', (input) => {
    expect(parseCadence(input)).toBeNull();
  });

  it('accepts 30s to 7d inclusive', () => {
    expect(parseCadence('30s')).toBe(30);
    expect(parseCadence('7d')).toBe(7 * 86_400);
  });

  it.each(['29s', '0m', '7d1s', '8d'])('refuses %j as out of bounds', (input) => {
    expect(catchIncidentError(() => parseCadence(input)).code).toBe('invalid_cadence');
  });

  it.each(['soon', '15', '1.5h', ''])('refuses garbage %j, quoting the input', (input) => {
    const error = catchIncidentError(() => parseCadence(` ${input} `));
    expect(error.code).toBe('invalid_cadence');
    expect(error.details['input']).toBe(input);
  });
});

describe('formatCadence', () => {
  it('writes seconds back in the units people type', () => {
    expect(formatCadence(5400)).toBe('1h30m');
    expect(formatCadence(90)).toBe('1m30s');
    expect(formatCadence(86_400 + 60)).toBe('1d1m');
    expect(formatCadence(null)).toBe('off');
  });

  it('round-trips through parseCadence', () => {
    for (const text of ['15m', '1h30m', '2d4h', '45s']) expect(formatCadence(parseCadence(text))).toBe(text);
  });
});

describe('DEFAULT_CADENCE', () => {
  it('follows the spec: sev1 30m, sev2 1h, sev3 4h, sev4/sev5 none', () => {
    expect(Object.fromEntries(Object.entries(DEFAULT_CADENCE).map(([s, c]) => [s, formatCadence(c)]))).toEqual({
      sev1: '30m',
      sev2: '1h',
      sev3: '4h',
      sev4: 'off',
      sev5: 'off',
    });
  });
});
