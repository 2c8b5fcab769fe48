import { describe, expect, it } from 'vitest';
import { CUSTOM_ROLE_PATTERN, parseRole, roleLabel } from '../../src/incidents/roles.ts';
import { catchIncidentError } from '../fakes/catch-incident-error.ts';

const CUSTOM = ['partner-comms', 'social-comms'];

describe('parseRole', () => {
  it.each([
    ['commander', 'commander'],
    ['ic', 'commander'],
    ['IC', 'commander'],
    ['incident-commander', 'commander'],
    ['comms', 'comms'],
    ['communications', 'comms'],
    ['scribe', 'scribe'],
    ['tech', 'tech'],
    ['tech-lead', 'tech'],
  ])('reads %j as %s', (word, role) => {
    expect(parseRole(word, [])).toBe(role);
  });

  it('accepts the configured custom roles, case-insensitively', () => {
    expect(parseRole('partner-comms', CUSTOM)).toBe('partner-comms');
    expect(parseRole(' Social-Comms ', CUSTOM)).toBe('social-comms');
  });

  it('refuses a role that is neither built in nor configured, listing the known ones', () => {
    const error = catchIncidentError(() => parseRole('partner-comms', []));
    expect(error.code).toBe('unknown_role');
    expect(error.details['role']).toBe('partner-comms');

    const withCustom = catchIncidentError(() => parseRole('chef', CUSTOM));
    expect(withCustom.details['known']).toBe('commander, comms, scribe, tech, partner-comms, social-comms');
  });
});

describe('roleLabel', () => {
  it('labels built-in roles and shows custom roles as they are', () => {
    expect(roleLabel('commander')).toBe('IC');
    expect(roleLabel('tech')).toBe('Tech lead');
    expect(roleLabel('partner-comms')).toBe('partner-comms');
  });
});

describe('CUSTOM_ROLE_PATTERN', () => {
  it('allows lowercase words joined by single dashes', () => {
    expect(['partner-comms', 'legal', 'on-call-2'].filter((r) => CUSTOM_ROLE_PATTERN.test(r))).toHaveLength(3);
  });

  it.each(['Partner', '-x', 'x-', 'a--b', '2nd', 'with space', ''])('rejects %j', (role) => {
    expect(CUSTOM_ROLE_PATTERN.test(role)).toBe(false);
  });
});
