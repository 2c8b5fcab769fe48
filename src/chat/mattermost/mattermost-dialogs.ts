/**
 * Mattermost interactive dialogs: declare an incident, post a stakeholder update. Dialogs out, submissions back in.
 * They keep within Dialog.IsValid (server/public/model/integration_action.go): title and element display names at
 * most 24 bytes, help text, bool placeholders and text defaults/placeholders at most 150, textarea 3000. The server
 * only logs a dialog that breaks them and the web app then shows it cut or broken.
 */
import { DEFAULT_SEVERITY, SEVERITIES, SEVERITY_MEANING } from '../../incidents/severity.ts';
import { checkDeclareForm, checkUpdateForm } from '../forms.ts';

export const DECLARE_DIALOG = 'sitroom_declare';
export const UPDATE_DIALOG = 'sitroom_update';

export function declareDialog(state: string): Record<string, unknown> {
  return {
    callback_id: DECLARE_DIALOG,
    title: 'Declare an incident',
    submit_label: 'Declare',
    state,
    elements: [
      { display_name: 'What is happening?', name: 'title', type: 'text', max_length: 200 },
      {
        display_name: 'Severity',
        name: 'severity',
        type: 'select',
        default: DEFAULT_SEVERITY,
        options: SEVERITIES.map((s) => ({ text: `${s.toUpperCase()} — ${SEVERITY_MEANING[s]}`, value: s })),
      },
      { display_name: 'Private', name: 'private', type: 'bool', optional: true, placeholder: 'Private (security, HR): private channel, no details announced' },
    ],
  };
}

export function updateDialog(incident: number, state: string): Record<string, unknown> {
  return {
    callback_id: UPDATE_DIALOG,
    title: `Update on #${incident}`,
    submit_label: 'Post update',
    state,
    // display_name may hold 24 bytes (model.DialogElementDisplayNameMaxLength); the question goes in help_text (150).
    elements: [{ display_name: 'Stakeholder update', name: 'update', type: 'textarea', max_length: 3000, help_text: 'What should stakeholders know?' }],
  };
}

type Submission = Readonly<Record<string, unknown>>;
const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** The declare dialog's values, or the per-field errors Mattermost shows in the dialog. */
export const readDeclareDialog = (s: Submission) =>
  checkDeclareForm({ title: text(s['title']), severity: text(s['severity']), isPrivate: s['private'] === true || s['private'] === 'true' });

/** The update dialog's text, or the error Mattermost shows in the dialog. */
export const readUpdateDialog = (s: Submission) => checkUpdateForm(text(s['update']));
