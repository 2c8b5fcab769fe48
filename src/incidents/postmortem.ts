/**
 * The post-incident record: Markdown with YAML front matter a machine can read (validated by
 * postmortem-schema.ts), then the full timeline, then the sections people fill in. Pure: same inputs, same text.
 */
import { parse, stringify } from 'yaml';
import type { ActionItem } from './action-items.ts';
import { alertFactsOf, durations, formatSeconds, incidentTimes } from './durations.ts';
import type { Incident } from './incident.ts';
import { type PostmortemFrontMatter, postmortemFrontMatterSchema } from './postmortem-schema.ts';
import type { LinkedAlertGroup } from './ports.ts';
import { roleLabel } from './roles.ts';
import type { TimelineEvent } from './timeline.ts';
import { capturedDetails } from './captured-messages.ts';
import { normaliseUserText } from './user-text.ts';

/** The sections people write (the rest of the document comes from the record). Empty means not written yet. */
export interface PostmortemSections {
  summary: string;
  impact: string;
  contributingFactors: string;
  wentWell: string;
  wentWrong: string;
}

export const SECTION_NAMES = ['summary', 'impact', 'contributingFactors', 'wentWell', 'wentWrong'] as const satisfies readonly (keyof PostmortemSections)[];
export type SectionName = (typeof SECTION_NAMES)[number];

/** Each section's heading in the document (and label on the page). */
export const SECTION_TITLES: Readonly<Record<SectionName, string>> = {
  summary: 'Summary',
  impact: 'Impact',
  contributingFactors: 'Contributing factors',
  wentWell: 'What went well',
  wentWrong: 'What went wrong',
};

/** The longest a section may be. */
export const MAX_SECTION_LENGTH = 10_000;

export const EMPTY_SECTIONS: PostmortemSections = { summary: '', impact: '', contributingFactors: '', wentWell: '', wentWrong: '' };

export interface PostmortemInput {
  incident: Incident;
  /** The human sections; missing or empty ones read "To be written". */
  sections?: PostmortemSections;
  timeline: readonly TimelineEvent[];
  actionItems: readonly ActionItem[];
  alerts: readonly LinkedAlertGroup[];
  now: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
/**
 * One line of user text inside the Markdown body, shown as the text it is: line breaks of every kind folded
 * (a bare CR is a CommonMark line ending, so a note could otherwise start a "## Summary" of its own), control
 * characters dropped (records written before user-text.ts normalised input), and the characters that open inline
 * Markdown (links, images, HTML, entities such as `&amp;`, code, emphasis) backslash-escaped, so none of it starts inside user text
 * (https://spec.commonmark.org/0.31.2/#backslash-escapes). Block syntax (`#`, `---`, `>`) needs a line start, and
 * user text never starts a line: it always follows the list marker, the heading's `# Incident #N: ` or a label.
 */
const oneLine = (text: string) => normaliseUserText(text, { multiline: false }).replace(/[\\`*_[\]<>!~&]/g, (c) => `\\${c}`);

/**
 * An entry's text for the timeline list; a captured chat message is marked as such, with links to the message and
 * its files (already checked to be http(s) URLs, and written as autolinks, which end at the first `>`).
 */
function timelineText(e: TimelineEvent): string {
  const captured = capturedDetails(e);
  if (!captured) return oneLine(e.text);
  const links = [...(captured.permalink ? [`[message](<${captured.permalink}>)`] : []), ...captured.files.map((f) => `[${oneLine(f.name)}](<${f.url}>)`)];
  return `📌 captured: ${oneLine(e.text)}${links.length ? ` (${links.join(', ')})` : ''}`;
}

/**
 * A section's text as Markdown paragraphs that stay inside their section: each line escaped like `oneLine`, and a
 * line that would open a block (a heading, list, quote, rule, table, code fence, numbered item) has its first
 * character escaped, so "## Timeline" typed into Impact is text, not a new section. Leading spaces are dropped (four
 * would start a code block); blank lines stay paragraph breaks, single line breaks become hard breaks.
 */
function sectionText(text: string): string {
  return normaliseUserText(text, { multiline: true })
    .split('\n')
    .map((line) => line.trim())
    .map((line) => line.replace(/[\\`*_[\]<>!~]/g, (c) => `\\${c}`).replace(/^([#>+=|:-])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2'))
    .join('\n')
    .replace(/([^\n])\n(?=[^\n])/g, '$1\\\n')
    .replace(/\n{3,}/g, '\n\n');
}

/** Role holders over time, from the role_assigned entries. */
function roleHistory(timeline: readonly TimelineEvent[]): PostmortemFrontMatter['roles'] {
  const roles: PostmortemFrontMatter['roles'] = [];
  for (const e of timeline) {
    if (e.kind !== 'role_assigned') continue;
    const role = String(e.data['role']);
    const previous = [...roles].reverse().find((r) => r.role === role && r.to === null);
    if (previous) previous.to = iso(e.at);
    roles.push({ role, user: String(e.data['user']), from: iso(e.at), to: null });
  }
  return roles;
}

export function postmortemFrontMatter(input: PostmortemInput): PostmortemFrontMatter {
  const { incident: i, timeline, alerts } = input;
  const times = incidentTimes(i, timeline, alertFactsOf(alerts));
  const d = durations(times, timeline, input.now);
  return {
    schema: 'sitroom.postmortem/v1',
    incident: i.number,
    title: i.title,
    severity: i.severity,
    private: i.isPrivate,
    // Only when true or set, so a postmortem of an ordinary incident reads as it always did.
    ...(i.drill ? { drill: true as const } : {}),
    ...(i.type ? { type: i.type } : {}),
    platform: i.platform,
    phase: i.phase,
    declared_by: i.declaredBy,
    times: {
      started: iso(times.startedAt),
      declared: iso(times.declaredAt),
      acknowledged: isoOrNull(times.acknowledgedAt),
      mitigated: isoOrNull(times.mitigatedAt),
      resolved: isoOrNull(times.resolvedAt),
      closed: isoOrNull(times.closedAt),
    },
    durations: {
      time_to_acknowledge: d.timeToAcknowledge,
      time_to_mitigate: d.timeToMitigate,
      time_to_resolve: d.timeToResolve,
      in_phase: { ...d.inPhase },
      reopens: d.reopens,
    },
    roles: roleHistory(timeline),
    alerts: alerts.map((a) => ({
      group: a.groupKey,
      title: a.title,
      first_firing: isoOrNull(a.firstFiringAt),
      acknowledged: isoOrNull(a.acknowledgedAt),
      acknowledged_by: a.acknowledgedBy,
      silence: a.silenceId,
    })),
    updates: timeline.filter((e) => e.kind === 'update_posted').map((e) => ({ at: iso(e.at), by: e.actor, text: e.text, late: e.data['late'] === true })),
    action_items: input.actionItems.map((a) => ({ id: a.id, text: a.text, owner: a.owner, due: a.due, state: a.state, done: isoOrNull(a.doneAt), ...(a.issue ? { issue: a.issue.url } : {}) })),
    generated_at: iso(input.now),
  };
}


/** The whole document. */
export function renderPostmortem(input: PostmortemInput): string {
  const fm = postmortemFrontMatterSchema.parse(postmortemFrontMatter(input));
  const d = fm.durations;
  const lines = [
    '---',
    // YAML 1.1 output quotes date-like strings, so every YAML reader (not only YAML 1.2 ones) reads strings back.
    stringify(fm, { lineWidth: 0, version: '1.1' }).trimEnd(),
    '---',
    '',
    // A trailing run of # would be read as the heading's closing sequence and vanish: escape its first #.
    `# ${fm.drill ? 'DRILL · ' : ''}Incident #${fm.incident}: ${oneLine(fm.title).replace(/#+$/, (run) => `\\${run}`)}`,
    '',
    `${fm.severity.toUpperCase()}${fm.type ? ` · ${oneLine(fm.type)}` : ''} · ${fm.phase}${fm.private ? ' · private' : ''}${fm.drill ? ' · DRILL' : ''} · declared ${fm.times.declared} by ${oneLine(fm.declared_by)}`,
    '',
    `Time to acknowledge ${formatSeconds(d.time_to_acknowledge)} · to mitigate ${formatSeconds(d.time_to_mitigate)} · to resolve ${formatSeconds(d.time_to_resolve)}${d.reopens ? ` · reopened ${d.reopens}×` : ''}`,
    '',
    '## Timeline',
    '',
    ...input.timeline.map((e) => `- ${iso(e.at)} — ${oneLine(e.actor)} — ${timelineText(e)}`),
    '',
    '## Roles',
    '',
    ...(fm.roles.length ? fm.roles.map((r) => `- ${oneLine(roleLabel(r.role))}: ${oneLine(r.user)} (from ${r.from}${r.to ? ` to ${r.to}` : ''})`) : ['- none assigned']),
    '',
    '## Action items',
    '',
    ...(fm.action_items.length
      ? fm.action_items.map((a) => `- [${a.state === 'done' ? 'x' : ' '}] #${a.id} ${oneLine(a.text)}${a.owner ? ` — ${oneLine(a.owner)}` : ''}${a.due ? ` — due ${oneLine(a.due)}` : ''}${a.issue ? ` — <${oneLine(a.issue)}>` : ''}`)
      : ['- none yet']),
    '',
    ...SECTION_NAMES.flatMap((name) => {
      const written = input.sections?.[name].trim() ?? '';
      return [`## ${SECTION_TITLES[name]}`, '', written ? sectionText(written) : '_To be written._', ''];
    }),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Reads a postmortem's front matter back (and validates it): the round trip tools rely on. */
export function readPostmortemFrontMatter(markdown: string): PostmortemFrontMatter {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(markdown.replace(/\r\n/g, '\n'));
  if (!match) throw new Error('no YAML front matter');
  return postmortemFrontMatterSchema.parse(parse(match[1] ?? ''));
}
