import { ConfigError, loadConfig } from '../../src/config.ts';

/** The problems loadConfig lists for `env` (none when it loads). */
export function configProblems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}
