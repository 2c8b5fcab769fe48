import { IncidentError } from './errors.ts';
import type { Severity } from './severity.ts';

/** Seconds between promised stakeholder updates; null means no cadence ("off"). */
export type Cadence = number | null;
export type CadenceDefaults = Readonly<Record<Severity, Cadence>>;

/** SPEC §4: sev1 30m, sev2 1h, sev3 4h, sev4/sev5 none. */
export const DEFAULT_CADENCE: CadenceDefaults = {
  sev1: 30 * 60,
  sev2: 60 * 60,
  sev3: 4 * 60 * 60,
  sev4: null,
  sev5: null,
};

export const MIN_CADENCE_SECONDS = 30;
export const MAX_CADENCE_SECONDS = 7 * 24 * 60 * 60;
/** How long "Snooze 15m" pushes the due time out. */
export const SNOOZE_SECONDS = 15 * 60;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses `90s`, `15m`, `1h`, `1h30m`, `2d`; undefined when the text is not a duration. */
export function parseDuration(input: string): number | undefined {
  const text = input.trim().toLowerCase();
  if (!/^(\d+[smhd])+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([smhd])/g)) total += Number(amount) * (UNIT_SECONDS[unit ?? 's'] ?? 1);
  return total;
}

/** Parses a cadence (`off` or a duration within bounds) or throws invalid_cadence. */
export function parseCadence(input: string): Cadence {
  const text = input.trim().toLowerCase();
  if (['off', 'none', 'never'].includes(text)) return null;
  const seconds = parseDuration(text);
  if (seconds === undefined || seconds < MIN_CADENCE_SECONDS || seconds > MAX_CADENCE_SECONDS) {
    throw new IncidentError('invalid_cadence', { input: input.trim() });
  }
  return seconds;
}

/** `5400` → `1h30m`; null → `off`. */
export function formatCadence(cadence: Cadence): string {
  if (cadence === null) return 'off';
  let rest = cadence;
  let out = '';
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || '0s';
}
