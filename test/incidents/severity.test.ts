import { describe, expect, it } from 'vitest';
import { parseSeverity, SEVERITIES, SEVERITY_MEANING } from '../../src/incidents/severity.ts';

describe('parseSeverity', () => {
  it.each(['sev2', 'SEV2', 'Sev2', '2', '  sev2 '])('reads %j as sev2', (input) => {
    expect(parseSeverity(input)).toBe('sev2');
  });

  it('knows sev1 to sev5', () => {
    expect(['1', '2', '3', '4', '5'].map(parseSeverity)).toEqual(['sev1', 'sev2', 'sev3', 'sev4', 'sev5']);
  });

  it.each(['sev0', 'sev6', '6', '0', 'sev22', 'sev 2', 'high', 'p1', ''])('rejects %j', (input) => {
    expect(parseSeverity(input)).toBeUndefined();
  });
});

describe('SEVERITY_MEANING', () => {
  it('explains every severity', () => {
    expect(SEVERITY_MEANING.sev1).toBe('complete outage');
    for (const severity of SEVERITIES) expect(SEVERITY_MEANING[severity]).not.toBe('');
  });
});
