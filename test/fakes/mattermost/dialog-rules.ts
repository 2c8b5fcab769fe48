/**
 * model.Dialog.IsValid and DialogElement.IsValid (server/public/model/integration_action.go), on the fields sitroom
 * uses. Lengths are Go len(), i.e. UTF-8 bytes. app/integration_action.go OpenInteractiveDialog only logs these
 * problems ("Interactive dialog is invalid") and still opens the dialog, which the web app then renders badly;
 * so the fake opens it too and records the problems on the opened dialog for tests to assert on.
 */
import type { DialogElement, OpenDialogRequest } from '@mattermost/types/integrations';

/** The model's constants (DialogTitleMaxLength … DialogElementBoolMaxLength). */
export const DIALOG_LIMITS = {
  title: 24,
  displayName: 24,
  name: 300,
  helpText: 150,
  text: 150,
  textarea: 3000,
  select: 3000,
  bool: 150,
} as const;

const bytes = (s: unknown): number => Buffer.byteLength(typeof s === 'string' ? s : '');
const TEXT_SUBTYPES = new Set(['', 'text', 'email', 'number', 'tel', 'url', 'password']);

/** checkMaxLength: DisplayName and Name may not be empty; nothing may be longer than its limit. */
function tooLong(field: string, value: unknown, max: number, required = false): string[] {
  if (required && bytes(value) === 0) return [`${field} cannot be empty`];
  return bytes(value) > max ? [`${field} cannot be longer than ${max} characters, got ${bytes(value)}`] : [];
}

function elementProblems(e: Partial<DialogElement>): string[] {
  const problems: string[] = [];
  const min = e.min_length ?? 0;
  const max = e.max_length ?? 0;
  if (min < 0) problems.push(`min length cannot be a negative number, got ${min}`);
  if (min > max) problems.push(`min length should be less then max length, got ${min} > ${max}`);
  problems.push(...tooLong('DisplayName', e.display_name, DIALOG_LIMITS.displayName, true));
  problems.push(...tooLong('Name', e.name, DIALOG_LIMITS.name, true));
  problems.push(...tooLong('HelpText', e.help_text, DIALOG_LIMITS.helpText));
  const limit = { text: DIALOG_LIMITS.text, textarea: DIALOG_LIMITS.textarea, select: DIALOG_LIMITS.select }[e.type ?? ''];
  if (limit !== undefined) {
    problems.push(...tooLong('Default', e.default, limit), ...tooLong('Placeholder', e.placeholder, limit));
    if (e.type !== 'select' && !TEXT_SUBTYPES.has(e.subtype ?? '')) problems.push(`invalid subtype "${e.subtype}"`);
    if (e.type === 'select' && !e.data_source && e.default && !(e.options ?? []).some((o) => o.value === e.default)) {
      problems.push(`default value "${e.default}" doesn't exist in options`);
    }
  } else if (e.type === 'bool') {
    if (e.default && e.default !== 'true' && e.default !== 'false') problems.push('invalid default of bool');
    problems.push(...tooLong('Placeholder', e.placeholder, DIALOG_LIMITS.bool));
  } else if (e.type !== 'radio' && e.type !== 'date' && e.type !== 'datetime') {
    problems.push(`invalid element type: "${e.type}"`);
  }
  return problems.map((p) => `"${e.name}" field is not valid: ${p}`);
}

/** Every problem Dialog.IsValid would report for the dialog (an empty list for a valid one). */
export function dialogProblems(dialog: Partial<OpenDialogRequest['dialog']>): string[] {
  const problems: string[] = [];
  if (!dialog.title || bytes(dialog.title) > DIALOG_LIMITS.title) problems.push(`invalid dialog title "${dialog.title}"`);
  const seen = new Set<string>();
  for (const element of dialog.elements ?? []) {
    if (seen.has(element.name)) problems.push(`duplicate dialog element "${element.name}"`);
    seen.add(element.name);
    problems.push(...elementProblems(element));
  }
  return problems;
}
