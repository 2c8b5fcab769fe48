import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseChecklists } from '../src/checklists-file.ts';
import { ConfigError, loadConfig } from '../src/config.ts';

const TYPES = ['security', 'database'];
const problemsOf = (source: string, types = TYPES): string[] => {
  const result = parseChecklists(source, 'c.yml', types);
  if (!('problems' in result)) throw new Error('expected problems');
  return result.problems;
};

describe('the example checklists file', () => {
  it('is valid and holds what the README says', () => {
    const result = parseChecklists(readFileSync('deploy/checklists.example.yml', 'utf8'), 'deploy/checklists.example.yml', TYPES);
    if ('problems' in result) throw new Error(result.problems.join('\n'));
    expect(result.templates.bySeverity.sev1?.map((i) => i.required)).toEqual([true, true, false]);
    expect(result.templates.byType.get('security')?.[0]).toEqual({ text: 'Loop in the security on-call', required: true });
    expect([...result.templates.byType.keys()]).toEqual(['security', 'database']);
  });
});

describe('parseChecklists', () => {
  it('reads strings and { text, required } items; required by default', () => {
    const result = parseChecklists('sev3:\n  - One\n  - { text: Two }\n  - text: Three\n    required: false\n', 'c.yml', TYPES);
    expect(result).toEqual({ templates: { bySeverity: { sev3: [{ text: 'One', required: true }, { text: 'Two', required: true }, { text: 'Three', required: false }] }, byType: new Map() } });
  });

  it('accepts an empty file', () => {
    expect(parseChecklists('', 'c.yml', TYPES)).toEqual({ templates: { bySeverity: {}, byType: new Map() } });
  });

  it('gives a YAML syntax error with its line and column', () => {
    const [problem] = problemsOf('sev1:\n  - ok\n  - [unclosed\n');
    expect(problem).toMatch(/^c\.yml:\d+:\d+: /);
    expect(problem).not.toContain('\n');
  });

  it('names an unknown key at its line and column', () => {
    expect(problemsOf('sev1:\n  - ok\nsev9:\n  - no\n')).toEqual(['c.yml:3:1: unknown key "sev9"; use sev1 to sev5 or type:<name>']);
  });

  it('names a type that is not in INCIDENT_TYPES', () => {
    expect(problemsOf('type:network:\n  - x\n')).toEqual(['c.yml:1:1: "network" is not one of INCIDENT_TYPES (security, database)']);
    expect(problemsOf('type:network:\n  - x\n', [])).toEqual(['c.yml:1:1: "network" is not one of INCIDENT_TYPES (none set)']);
  });

  it('points a wrong shape at the offending node', () => {
    expect(problemsOf('sev2:\n  - fine\n  - text: 3\n')).toEqual(['c.yml:3:11: sev2.1.text: must be text']);
    expect(problemsOf('sev2:\n  - { text: x, requird: false }\n')[0]).toMatch(/^c\.yml:2:5: sev2\.0: /);
    expect(problemsOf('sev2: just text\n')[0]).toMatch(/^c\.yml:1:7: sev2: must be a list of items/);
    expect(problemsOf('- a list\n')[0]).toMatch(/^c\.yml:1:1: must be a mapping/);
  });
});

describe('CHECKLISTS_FILE in the configuration', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const file = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'sitroom-checklists-'));
    dirs.push(dir);
    const path = join(dir, 'checklists.yml');
    writeFileSync(path, text);
    return path;
  };

  it('loads the templates, with INCIDENT_TYPES', () => {
    const config = loadConfig({ INCIDENT_TYPES: 'Security, database,security', CHECKLISTS_FILE: file('type:security:\n  - Rotate keys\n') });
    expect(config.incidentTypes).toEqual(['security', 'database']);
    expect(config.checklists.byType.get('security')).toEqual([{ text: 'Rotate keys', required: true }]);
  });

  it('stops start-up with the file, line and column in the one configuration message', () => {
    const path = file('sev1:\n  - ok\nsev0: []\n');
    const e = (() => {
      try {
        loadConfig({ CHECKLISTS_FILE: path, PORT: 'x' });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).problems).toEqual([expect.stringMatching(/^PORT: /), `CHECKLISTS_FILE: ${path}:3:1: unknown key "sev0"; use sev1 to sev5 or type:<name>`]);
  });

  it('names a file that cannot be read', () => {
    expect(() => loadConfig({ CHECKLISTS_FILE: '/nonexistent/checklists.yml' })).toThrow('CHECKLISTS_FILE: /nonexistent/checklists.yml: cannot be read (ENOENT)');
  });

  it('refuses a badly formed INCIDENT_TYPES', () => {
    expect(() => loadConfig({ INCIDENT_TYPES: 'security,data base' })).toThrow(/INCIDENT_TYPES: must be a comma-separated list/);
  });
});
