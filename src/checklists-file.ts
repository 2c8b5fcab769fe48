/**
 * Reads CHECKLISTS_FILE: a YAML mapping from `sev1`…`sev5` and `type:<name>` to lists of items, each item a string
 * or `{ text, required }` (required unless `required: false`). Every problem is reported with the file's line and
 * column (the yaml package's LinePos for syntax errors; a schema problem is mapped to its node's range), so a bad file
 * stops start-up with one clear message rather than a stack trace.
 */
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import type { ChecklistTemplate, ChecklistTemplates } from './incidents/checklists.ts';
import { SEVERITIES, type Severity } from './incidents/severity.ts';

const text = z.string({ message: 'must be text' }).trim().min(1, { message: 'an item must have some text' }).max(300, { message: 'an item is at most 300 characters' });
const itemObject = z.strictObject(
  { text, required: z.boolean({ message: 'must be true or false' }).default(true) },
  { message: 'must be a string or { text, required }' },
);
// A string or an object, chosen by the item's own shape, so a problem is named for that shape (a union would only say "Invalid input").
const item = z.unknown().transform((value, ctx): ChecklistTemplate => {
  const parsed = typeof value === 'string' ? text.safeParse(value) : itemObject.safeParse(value);
  if (parsed.success) return typeof parsed.data === 'string' ? { text: parsed.data, required: true } : parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});
const list = z.array(item, { message: 'must be a list of items (strings or { text, required })' }).max(50, { message: 'at most 50 items per checklist' });

export type ChecklistFileResult = { templates: ChecklistTemplates } | { problems: string[] };

/** Parses the text of a checklists file; `name` (the path) prefixes every problem as `name:line:col`. */
export function parseChecklists(source: string, name: string, incidentTypes: readonly string[]): ChecklistFileResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return name;
    const { line, col } = lineCounter.linePos(offset);
    return `${name}:${line}:${col}`;
  };
  if (doc.errors.length) return { problems: doc.errors.map((e) => `${at(e.pos[0])}: ${e.message.split('\n')[0] ?? e.code}`) };
  if (doc.contents === null) return { templates: { bySeverity: {}, byType: new Map() } };
  if (!isMap(doc.contents)) return { problems: [`${at(doc.contents.range?.[0])}: must be a mapping of sev1…sev5 and type:<name> to lists of items`] };
  const problems: string[] = [];
  const bySeverity: Partial<Record<Severity, ChecklistTemplate[]>> = {};
  const byType = new Map<string, ChecklistTemplate[]>();
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const keyAt = at(isScalar(pair.key) ? pair.key.range?.[0] : undefined);
    const type = /^type:(.+)$/.exec(key)?.[1];
    const severity = (SEVERITIES as readonly string[]).includes(key) ? (key as Severity) : undefined;
    if (!severity && type === undefined) {
      problems.push(`${keyAt}: unknown key "${key}"; use sev1 to sev5 or type:<name>`);
      continue;
    }
    if (type !== undefined && !incidentTypes.includes(type)) {
      problems.push(`${keyAt}: "${type}" is not one of INCIDENT_TYPES (${incidentTypes.join(', ') || 'none set'})`);
      continue;
    }
    const parsed = list.safeParse(doc.getIn([key]) === undefined ? undefined : (doc.toJS() as Record<string, unknown>)[key]);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = [key, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
        problems.push(`${at(nodeOffset(doc, path))}: ${path.join('.')}: ${issue.message}`);
      }
      continue;
    }
    const items = parsed.data;
    if (severity) bySeverity[severity] = items;
    else if (type !== undefined) byType.set(type, items);
  }
  return problems.length ? { problems } : { templates: { bySeverity, byType } };
}

/** Where the node at `path` (or its nearest existing parent) starts in the file. */
function nodeOffset(doc: Document, path: readonly (string | number)[]): number | undefined {
  for (let n = path.length; n > 0; n -= 1) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return node.range[0];
  }
  return undefined;
}
