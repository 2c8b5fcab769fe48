import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { LinkedAlertGroup } from '../../src/incidents/ports.ts';
import { type PostmortemInput, postmortemFrontMatter, readPostmortemFrontMatter, renderPostmortem } from '../../src/incidents/postmortem.ts';
import { postmortemFrontMatterSchema } from '../../src/incidents/postmortem-schema.ts';
import { HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { IncidentHistory } from '../fakes/incident-history.ts';

const GOLDEN = new URL('../fixtures/postmortem-incident-7.md', import.meta.url);

/** Minutes after 14:00 UTC on 2025-03-14 (T0). */
const at = (minutes: number) => T0 + minutes * MINUTE;

/** The HighErrorRate group: first fired 13:52, acknowledged by bob at 13:55, silenced. */
const checkoutAlert: LinkedAlertGroup = {
  id: 3,
  title: 'HighErrorRate',
  groupKey: '{}:{alertname="HighErrorRate", service="checkout"}',
  firstFiringAt: at(-8),
  acknowledgedAt: at(-5),
  acknowledgedBy: 'bob',
  silenceId: 'a1b2c3d4-0000-4000-8000-000000000001',
};

/**
 * Incident #7, told through the real rules: a sev2 declared at 14:00 for an alert already firing since 13:52,
 * raised to sev1, mitigated, reopened when web-3 regressed, handed to a new commander, mitigated and resolved;
 * one action item done, one open. Written at 17:00.
 */
function incidentSeven(): PostmortemInput {
  const h = IncidentHistory.declare({ title: 'Checkout errors after deploy', severity: 'sev2', declaredBy: 'alice' }, at(0), 7)
    .linkAlert(at(1), 'HighErrorRate (checkout)')
    .role(at(2), 'commander', 'carol')
    .role(at(3), 'comms', 'dave')
    // sev2: an update every hour, first due 15:00.
    .update(at(20), 'Rolling back the 13:45 deploy')
    // Now sev1 (every 30 minutes): the next update is due 15:00 (now + 30m), earlier than the 15:20 promised.
    .severity(at(30), 'sev1')
    .update(at(70), 'Rollback done; error rate back under 1%')
    .phase(at(72), 'mitigate', 'rollback complete')
    .phase(at(100), 'reopen', 'errors are back on web-3')
    .role(at(105), 'commander', 'erin', 'carol')
    .phase(at(125), 'mitigate', 'web-3 drained', 'erin')
    // The reopen started a new lapse: due 16:10.
    .update(at(128), 'web-3 replaced; watching')
    .phase(at(150), 'resolve', 'bad config on web-3 fixed', 'erin')
    .addItem(at(155), 'Add a canary stage to checkout deploys', 'carol', '2025-03-28')
    .addItem(at(156), 'Alert on config drift', 'erin', '2025-03-21', 'erin')
    .completeItem(at(170), 2, 'erin');
  return { incident: h.incident, timeline: h.timeline, actionItems: h.actionItems, alerts: [checkoutAlert], now: at(180) };
}

/** The YAML between the two `---` lines. */
function frontMatterText(markdown: string): string {
  const lines = markdown.split('\n');
  expect(lines[0]).toBe('---');
  const end = lines.indexOf('---', 1);
  expect(end).toBeGreaterThan(1);
  return lines.slice(1, end).join('\n');
}

describe('the postmortem of incident #7 (golden file)', () => {
  it('matches test/fixtures/postmortem-incident-7.md', () => {
    const markdown = renderPostmortem(incidentSeven());
    if (!existsSync(GOLDEN)) {
      writeFileSync(GOLDEN, markdown);
      throw new Error('golden file written from this run: read it carefully, then run again');
    }
    expect(markdown).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('is the same text for the same record', () => {
    expect(renderPostmortem(incidentSeven())).toBe(renderPostmortem(incidentSeven()));
  });
});

describe('the front matter', () => {
  const input = incidentSeven();
  const markdown = renderPostmortem(input);

  it('reads back to exactly what postmortemFrontMatter computes, and is valid against the published schema', () => {
    const read = readPostmortemFrontMatter(markdown);
    expect(read).toEqual(postmortemFrontMatter(input));
    expect(postmortemFrontMatterSchema.safeParse(read).success).toBe(true);
  });

  it('is one real YAML document that any YAML parser reads', () => {
    const docs = parseAllDocuments(frontMatterText(markdown));
    expect(docs).toHaveLength(1);
    expect(docs[0]?.errors).toEqual([]);
    expect(docs[0]?.warnings).toEqual([]);
    const data = parse(frontMatterText(markdown)) as Record<string, unknown>;
    expect(data).toMatchObject({ schema: 'sitroom.postmortem/v1', incident: 7, severity: 'sev1', phase: 'resolved', private: false });
    expect(postmortemFrontMatterSchema.parse(data)).toEqual(postmortemFrontMatter(input));
  });

  it('records times as ISO 8601 UTC and durations in whole seconds', () => {
    const fm = postmortemFrontMatter(input);
    expect(fm.times).toEqual({
      started: '2025-03-14T13:52:00.000Z',
      declared: '2025-03-14T14:00:00.000Z',
      acknowledged: '2025-03-14T13:55:00.000Z',
      mitigated: '2025-03-14T16:05:00.000Z',
      resolved: '2025-03-14T16:30:00.000Z',
      closed: null,
    });
    expect(fm.durations).toEqual({
      time_to_acknowledge: 3 * 60,
      time_to_mitigate: (8 + 125) * 60,
      time_to_resolve: (8 + 150) * 60,
      in_phase: { active: (72 + 25) * 60, mitigated: (28 + 25) * 60, resolved: 30 * 60, closed: 0 },
      reopens: 1,
    });
  });

  it('lists role holders with from and to, and updates with their late flags', () => {
    const fm = postmortemFrontMatter(input);
    expect(fm.roles).toEqual([
      { role: 'commander', user: 'carol', from: '2025-03-14T14:02:00.000Z', to: '2025-03-14T15:45:00.000Z' },
      { role: 'comms', user: 'dave', from: '2025-03-14T14:03:00.000Z', to: null },
      { role: 'commander', user: 'erin', from: '2025-03-14T15:45:00.000Z', to: null },
    ]);
    expect(fm.updates.map((u) => [u.at, u.late])).toEqual([
      ['2025-03-14T14:20:00.000Z', false],
      ['2025-03-14T15:10:00.000Z', true],
      ['2025-03-14T16:08:00.000Z', false],
    ]);
  });

  it('rejects a document without front matter', () => {
    expect(() => readPostmortemFrontMatter('# Incident #7\n')).toThrow('no YAML front matter');
  });

  it('rejects front matter that breaks the schema', () => {
    const broken = markdown.replace('schema: sitroom.postmortem/v1', 'schema: sitroom.postmortem/v2');
    expect(broken).not.toBe(markdown);
    expect(() => readPostmortemFrontMatter(broken)).toThrow();
  });
});

describe('user text in the front matter', () => {
  const tricky = [
    'Checkout: "500s" and \'timeouts\'',
    '---',
    'key: value # not a comment',
    '- not a list',
    '...',
    '  indented | folded > [flow] {map} &anchor *alias !tag %directive @at `tick`',
  ].join('\n');

  function trickyIncident(): PostmortemInput {
    const h = IncidentHistory.declare({ title: 'DB: "primary" --- down\n---\nsecond: line' })
      .update(at(10), tricky)
      .update(at(20), 'null')
      .update(at(30), 'yes')
      .update(at(40), '007')
      .update(at(50), '---')
      .addItem(at(60), 'Fix it: now\n---\n"quoted"', 'carol', null)
      .note(at(70), 'trailing newline stays out of the list\n');
    return { incident: h.incident, timeline: h.timeline, actionItems: h.actionItems, alerts: [], now: at(90) };
  }

  it('survives the round trip unchanged: ---, newlines, ": ", quotes and YAML look-alikes', () => {
    const input = trickyIncident();
    const markdown = renderPostmortem(input);
    const read = readPostmortemFrontMatter(markdown);
    expect(read).toEqual(postmortemFrontMatter(input));
    // A title is one line: its line breaks were folded when it was declared (user-text.ts).
    expect(read.title).toBe('DB: "primary" --- down --- second: line');
    expect(read.updates.map((u) => u.text)).toEqual([tricky, 'null', 'yes', '007', '---']);
    expect(read.action_items[0]?.text).toBe('Fix it: now\n---\n"quoted"');
  });

  it('cannot end the front matter early: the body after it still starts with the heading', () => {
    const markdown = renderPostmortem(trickyIncident());
    const afterFrontMatter = markdown.slice(markdown.indexOf('\n---\n', 4) + 5);
    expect(afterFrontMatter.startsWith('\n# Incident #1: DB: "primary" --- down --- second: line\n')).toBe(true);
  });

  it('keeps each timeline entry and action item on one Markdown line', () => {
    const markdown = renderPostmortem(trickyIncident());
    const body = markdown.slice(markdown.indexOf('## Timeline'));
    expect(body).toContain(`- 2025-03-14T14:10:00.000Z — dave — Checkout: "500s" and 'timeouts' --- key: value # not a comment - not a list ... indented |`);
    expect(body).toContain('- 2025-03-14T15:10:00.000Z — carol — trailing newline stays out of the list\n');
    expect(body).toContain('- [ ] #1 Fix it: now --- "quoted" — carol\n');
  });
});

describe('the document', () => {
  it('puts the sections people fill in after the timeline, in order, each waiting to be written', () => {
    const markdown = renderPostmortem(incidentSeven());
    const positions = ['## Timeline', '## Roles', '## Action items', '## Summary', '## Impact', '## Contributing factors', '## What went well', '## What went wrong'].map(
      (h) => markdown.indexOf(`\n${h}\n`),
    );
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(markdown.split('_To be written._')).toHaveLength(6);
    expect(markdown.endsWith('## What went wrong\n\n_To be written._\n')).toBe(true);
  });

  it('says when nothing is assigned or planned yet, and marks a private incident', () => {
    const h = IncidentHistory.declare({ isPrivate: true, title: 'Payroll export leaked' });
    const markdown = renderPostmortem({ incident: h.incident, timeline: h.timeline, actionItems: [], alerts: [], now: T0 + HOUR });
    expect(markdown).toContain('\n## Roles\n\n- none assigned\n');
    expect(markdown).toContain('\n## Action items\n\n- none yet\n');
    expect(markdown).toContain('\nSEV2 · active · private · declared 2025-03-14T14:00:00.000Z by alice\n');
    expect(markdown).toContain('\nTime to acknowledge — · to mitigate — · to resolve —\n');
    expect(readPostmortemFrontMatter(markdown)).toMatchObject({ private: true, roles: [], alerts: [], action_items: [], times: { acknowledged: null } });
  });

  it('says DRILL on a drill, in the heading and the front matter (tools reading postmortems leave drills out), and gives the type', () => {
    const h = IncidentHistory.declare({ drill: true, type: 'database', title: 'Failover practice' });
    const markdown = renderPostmortem({ incident: h.incident, timeline: h.timeline, actionItems: [], alerts: [], now: T0 + HOUR });
    expect(markdown).toContain('\n# DRILL · Incident #1: Failover practice\n');
    expect(markdown).toContain('\nSEV2 · database · active · DRILL · declared 2025-03-14T14:00:00.000Z by alice\n');
    expect(readPostmortemFrontMatter(markdown)).toMatchObject({ drill: true, type: 'database' });
    const real = renderPostmortem({ incident: IncidentHistory.declare().incident, timeline: [], actionItems: [], alerts: [], now: T0 + HOUR });
    expect(real).not.toContain('DRILL');
    expect(readPostmortemFrontMatter(real).drill).toBeUndefined();
  });
});
