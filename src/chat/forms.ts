/** The declare and update forms' rules, for every platform (Slack modal, Mattermost dialog): field -> error text. */
import { DEFAULT_SEVERITY } from '../incidents/severity.ts';
import type { DeclareForm } from './command-handler.ts';

export type FormErrors = Record<string, string>;

/** The declare form, or the error to show next to its title field. */
export function checkDeclareForm(values: { title: string; severity: string; isPrivate: boolean }): { form: DeclareForm } | { errors: FormErrors } {
  const title = values.title.trim();
  if (!title) return { errors: { title: 'Give the incident a title.' } };
  return { form: { title, severity: values.severity || DEFAULT_SEVERITY, isPrivate: values.isPrivate } };
}

/** The update text, or the error to show next to its field. */
export function checkUpdateForm(text: string): { text: string } | { errors: FormErrors } {
  const update = text.trim();
  return update ? { text: update } : { errors: { update: 'Write the update first.' } };
}
