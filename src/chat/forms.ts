/**
 * The declare and update forms, for every platform: what they ask (a neutral model each platform renders, as
 * message.ts is for messages: slack-forms.ts as modals, mattermost-dialogs.ts as dialogs) and their rules on what
 * comes back (field -> error text).
 */
import { DEFAULT_SEVERITY, SEVERITIES, SEVERITY_MEANING } from '../incidents/severity.ts';
import { hasVisibleText, normaliseUserText } from '../incidents/user-text.ts';
import { isTeamName } from '../incidents/paging.ts';
import type { ChatReply, DeclareForm } from './command-handler.ts';

/** The forms' ids, which a submission names (Slack callback_id, Mattermost callback_id). */
export const DECLARE_FORM = 'sitroom_declare';
export const UPDATE_FORM = 'sitroom_update';
export const PAGE_FORM = 'sitroom_page';
export type FormId = typeof DECLARE_FORM | typeof UPDATE_FORM | typeof PAGE_FORM;

/**
 * One field. `label` fits every platform (Mattermost: 24 bytes, model.DialogElementDisplayNameMaxLength);
 * `question`, when the label alone is too terse, is the longer prompt (Slack's label, Mattermost's help text).
 */
export type FormField =
  | { kind: 'text'; name: string; label: string; question?: string; maxLength: number; multiline?: boolean; optional?: boolean }
  | { kind: 'select'; name: string; label: string; options: readonly { value: string; text: string }[]; initial: string }
  /** One optional tick box, `text` beside it. */
  | { kind: 'checkbox'; name: string; label: string; text: string };

export interface ChatForm {
  id: FormId;
  /** At most 24 characters (Slack's modal title, Mattermost's dialog title in bytes). */
  title: string;
  submitLabel: string;
  /** The incident an update form is for; the platform carries it back with the submission. */
  incident?: number;
  fields: readonly FormField[];
}

/** What a submission holds, field name -> text (text, select) or whether it was ticked (checkbox). */
export type FormValues = Readonly<Record<string, string | boolean | undefined>>;

export function declareForm(): ChatForm {
  return {
    id: DECLARE_FORM,
    title: 'Declare an incident',
    submitLabel: 'Declare',
    fields: [
      { kind: 'text', name: 'title', label: 'What is happening?', maxLength: 200 },
      {
        kind: 'select',
        name: 'severity',
        label: 'Severity',
        options: SEVERITIES.map((s) => ({ value: s, text: `${s.toUpperCase()} — ${SEVERITY_MEANING[s]}` })),
        initial: DEFAULT_SEVERITY,
      },
      { kind: 'checkbox', name: 'private', label: 'Visibility', text: 'Private (security, HR): private channel, no details announced' },
    ],
  };
}

export function updateForm(incident: number): ChatForm {
  return {
    id: UPDATE_FORM,
    title: `Update on #${incident}`.slice(0, 24),
    submitLabel: 'Post update',
    incident,
    fields: [{ kind: 'text', name: 'update', label: 'Stakeholder update', question: 'What should stakeholders know?', maxLength: 3000, multiline: true }],
  };
}

/** Page the on-call (the summary card's button): which team, and what the pager should say. */
export function pageForm(incident: number): ChatForm {
  return {
    id: PAGE_FORM,
    title: `Page for #${incident}`.slice(0, 24),
    submitLabel: 'Page',
    incident,
    fields: [
      { kind: 'text', name: 'team', label: 'Team', question: 'Which team? (the team label your Alertmanager routes on)', maxLength: 63 },
      { kind: 'text', name: 'message', label: 'Message', question: 'What should the pager say? (optional)', maxLength: 500, multiline: true, optional: true },
    ],
  };
}

/** The form a reply asks the platform to open. */
export function formFor(reply: Exclude<ChatReply, { kind: 'message' }>): ChatForm {
  if (reply.kind === 'declare_form') return declareForm();
  return reply.kind === 'page_form' ? pageForm(reply.incident) : updateForm(reply.incident);
}

export type FormErrors = Record<string, string>;

const text = (v: string | boolean | undefined) => (typeof v === 'string' ? v : '');

/** The declare form, or the error to show next to its title field. */
export function checkDeclareForm(values: { title: string; severity: string; isPrivate: boolean }): { form: DeclareForm } | { errors: FormErrors } {
  // The core's text rules, so what the core would refuse is refused next to the field.
  const title = normaliseUserText(values.title, { multiline: false });
  if (!hasVisibleText(title)) return { errors: { title: 'Give the incident a title.' } };
  return { form: { title, severity: values.severity || DEFAULT_SEVERITY, isPrivate: values.isPrivate } };
}

/** The update text, or the error to show next to its field. */
export function checkUpdateForm(update: string): { text: string } | { errors: FormErrors } {
  const normalised = normaliseUserText(update, { multiline: true });
  return hasVisibleText(normalised) ? { text: normalised } : { errors: { update: 'Write the update first.' } };
}

/** The declare form's submitted values, checked. */
export const readDeclareValues = (v: FormValues) => checkDeclareForm({ title: text(v['title']), severity: text(v['severity']), isPrivate: v['private'] === true });

/** The page form's team and message, or the error to show next to the team (the core checks the rest). */
export function readPageValues(v: FormValues): { page: { team: string; message: string } } | { errors: FormErrors } {
  const team = text(v['team']).trim();
  // The core's rule for a team name (paging.ts), so what the core would refuse is refused next to the field.
  if (!isTeamName(team)) return { errors: { team: 'Use letters, digits, -, _ or . (e.g. db-oncall).' } };
  return { page: { team, message: text(v['message']) } };
}

/** The update form's submitted text, checked. */
export const readUpdateValues = (v: FormValues) => checkUpdateForm(text(v['update']));
