export const SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4', 'sev5'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What each severity means, shown in help and on the board. */
export const SEVERITY_MEANING: Readonly<Record<Severity, string>> = {
  sev1: 'complete outage',
  sev2: 'major functionality broken, revenue affected',
  sev3: 'minor problem',
  sev4: 'redundant component failure',
  sev5: 'false alarm / unactionable',
};

export const DEFAULT_SEVERITY: Severity = 'sev3';

/** Accepts `sev2`, `SEV2`, `2`; anything else is undefined. */
export function parseSeverity(input: string): Severity | undefined {
  const s = input.trim().toLowerCase();
  const candidate = /^\d$/.test(s) ? `sev${s}` : s;
  return (SEVERITIES as readonly string[]).includes(candidate) ? (candidate as Severity) : undefined;
}
