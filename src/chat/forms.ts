/** The declare and update forms' rules, for every platform (Slack modal, Mattermost dialog): field -> error text. */
import { DEFAULT_SEVERITY } from '../incidents/severity.ts';
import { hasVisibleText, normaliseUserText } from '../incidents/user-text.ts';
import type { DeclareForm } from './command-handler.ts';

export type FormErrors = Record<string, string>;

/** The declare form, or the error to show next to its title field. */
export function checkDeclareForm(values: { title: string; severity: string; isPrivate: boolean }): { form: DeclareForm } | { errors: FormErrors } {
  // The core's text rules, so what the core would refuse is refused next to the field.
  const title = normaliseUserText(values.title, { multiline: false });
  if (!hasVisibleText(title)) return { errors: { title: 'Give the incident a title.' } };
  return { form: { title, severity: values.severity || DEFAULT_SEVERITY, isPrivate: values.isPrivate } };
}

/** The update text, or the error to show next to its field. */
export function checkUpdateForm(text: string): { text: string } | { errors: FormErrors } {
  const update = normaliseUserText(text, { multiline: true });
  return hasVisibleText(update) ? { text: update } : { errors: { update: 'Write the update first.' } };
}
