/**
 * The neutral forms (../forms.ts) as Mattermost interactive dialogs, and submissions back as form values. They keep
 * within Dialog.IsValid (server/public/model/integration_action.go): title and element display names at most 24
 * bytes, help text, bool placeholders and text defaults/placeholders at most 150, textarea 3000. The server only
 * logs a dialog that breaks them and the web app then shows it cut or broken.
 */
import type { ChatForm, FormField, FormValues } from '../forms.ts';

function element(field: FormField): Record<string, unknown> {
  const base = { display_name: field.label, name: field.name };
  switch (field.kind) {
    case 'text':
      return { ...base, type: field.multiline ? 'textarea' : 'text', max_length: field.maxLength, ...(field.optional ? { optional: true } : {}), ...(field.question ? { help_text: field.question } : {}) };
    case 'select':
      return { ...base, type: 'select', default: field.initial, options: field.options.map((o) => ({ text: o.text, value: o.value })) };
    case 'checkbox':
      // A bool element's placeholder is the text beside its box (webapp: DialogElement, BoolSetting).
      return { ...base, type: 'bool', optional: true, placeholder: field.text };
  }
}

/** The dialog for `form`, carrying `state` (sealed: who may submit it, for which incident; see mattermost-dialog-state.ts). */
export function mattermostDialog(form: ChatForm, state: string): Record<string, unknown> {
  return { callback_id: form.id, title: form.title, submit_label: form.submitLabel, state, elements: form.fields.map(element) };
}

/** A dialog submission (field name -> value; a bool as true/false or "true"/"false") as the form's values. */
export function mattermostFormValues(form: ChatForm, submission: Readonly<Record<string, unknown>>): FormValues {
  return Object.fromEntries(
    form.fields.map((field) => {
      const v = submission[field.name];
      if (field.kind === 'checkbox') return [field.name, v === true || v === 'true'];
      return [field.name, typeof v === 'string' ? v : ''];
    }),
  );
}
