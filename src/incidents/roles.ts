import { IncidentError } from './errors.ts';
import { normaliseUserText } from './user-text.ts';

export const BUILT_IN_ROLES = ['commander', 'comms', 'scribe', 'tech'] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];
/** A built-in role or a team's custom role such as `partner-comms`. */
export type Role = string;

const ALIASES: Readonly<Record<string, BuiltInRole>> = {
  ic: 'commander',
  'incident-commander': 'commander',
  commander: 'commander',
  comms: 'comms',
  communications: 'comms',
  scribe: 'scribe',
  tech: 'tech',
  'tech-lead': 'tech',
};

export const ROLE_LABEL: Readonly<Record<BuiltInRole, string>> = {
  commander: 'IC',
  comms: 'Comms',
  scribe: 'Scribe',
  tech: 'Tech lead',
};

export const roleLabel = (role: Role): string => ROLE_LABEL[role as BuiltInRole] ?? role;

/** Resolves a role word (with aliases such as `ic`) against the built-ins and the configured custom roles. */
export function parseRole(input: string, customRoles: readonly string[]): Role {
  // Normalised like all user text: the word is echoed back in unknown_role.
  const word = normaliseUserText(input, { multiline: false }).toLowerCase();
  const builtIn = ALIASES[word];
  if (builtIn) return builtIn;
  if (customRoles.includes(word)) return word;
  throw new IncidentError('unknown_role', { role: word, known: [...BUILT_IN_ROLES, ...customRoles].join(', ') });
}

/** Custom role names: lowercase words joined by dashes, not shadowing a built-in. */
export const CUSTOM_ROLE_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
