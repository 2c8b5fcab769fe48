/**
 * The neutral forms (../forms.ts) as Slack modals, and submitted view state back as form values. Limits from
 * https://api.slack.com/reference/block-kit/views (title 24 characters) and
 * https://api.slack.com/reference/block-kit/composition-objects#option (option text 75 characters).
 */
import type { types } from '@slack/bolt';
import type { ChatForm, FormField, FormValues } from '../forms.ts';

const plainText = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });
const option = (value: string, text: string) => ({ text: plainText(text.slice(0, 75)), value });

function block(field: FormField): types.KnownBlock {
  const input = { type: 'input' as const, block_id: field.name };
  switch (field.kind) {
    case 'text': {
      const element = { type: 'plain_text_input' as const, action_id: field.name, max_length: field.maxLength, ...(field.multiline ? { multiline: true } : {}) };
      return { ...input, ...(field.optional ? { optional: true } : {}), label: plainText(field.question ?? field.label), element };
    }
    case 'select': {
      const options = field.options.map((o) => option(o.value, o.text));
      const element = { type: 'static_select' as const, action_id: field.name, options, initial_option: options.find((o) => o.value === field.initial) };
      return { ...input, label: plainText(field.label), element };
    }
    case 'checkbox':
      return { ...input, optional: true, label: plainText(field.label), element: { type: 'checkboxes', action_id: field.name, options: [option(field.name, field.text)] } };
  }
}

export function slackModal(form: ChatForm): types.ModalView {
  return {
    type: 'modal',
    callback_id: form.id,
    ...(form.incident !== undefined ? { private_metadata: String(form.incident) } : {}),
    title: plainText(form.title.slice(0, 24)),
    submit: plainText(form.submitLabel),
    close: plainText('Cancel'),
    blocks: form.fields.map(block),
  };
}

type ViewState = { value?: string | null; selected_option?: { value: string } | null; selected_options?: { value: string }[] };
export type ViewValues = Record<string, Record<string, ViewState>>;

/** A submitted modal's state (view.state.values: block_id -> action_id -> state) as the form's values. */
export function slackFormValues(form: ChatForm, values: ViewValues): FormValues {
  return Object.fromEntries(
    form.fields.map((field) => {
      const state = values[field.name]?.[field.name];
      if (field.kind === 'checkbox') return [field.name, (state?.selected_options ?? []).some((o) => o.value === field.name)];
      return [field.name, (field.kind === 'select' ? state?.selected_option?.value : state?.value) ?? ''];
    }),
  );
}
