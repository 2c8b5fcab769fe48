/** The Slack modals: declare an incident, post a stakeholder update. Views out, submitted values back in. */
import { SEVERITIES, SEVERITY_MEANING, DEFAULT_SEVERITY } from '../../incidents/severity.ts';
import type { types } from '@slack/bolt';
import { checkDeclareForm, checkUpdateForm } from '../forms.ts';

export const DECLARE_CALLBACK = 'sitroom_declare';
export const UPDATE_CALLBACK = 'sitroom_update';

const plainText = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });
const option = (value: string, text: string) => ({ text: plainText(text), value });

export function declareModal(): types.ModalView {
  const severities = SEVERITIES.map((s) => option(s, `${s.toUpperCase()} — ${SEVERITY_MEANING[s]}`.slice(0, 75)));
  return {
    type: 'modal',
    callback_id: DECLARE_CALLBACK,
    title: plainText('Declare an incident'),
    submit: plainText('Declare'),
    close: plainText('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: 'title',
        label: plainText('What is happening?'),
        element: { type: 'plain_text_input', action_id: 'title', max_length: 200 },
      },
      {
        type: 'input',
        block_id: 'severity',
        label: plainText('Severity'),
        element: { type: 'static_select', action_id: 'severity', options: severities, initial_option: severities[SEVERITIES.indexOf(DEFAULT_SEVERITY)] },
      },
      {
        type: 'input',
        block_id: 'private',
        optional: true,
        label: plainText('Visibility'),
        element: { type: 'checkboxes', action_id: 'private', options: [option('private', 'Private (security, HR): private channel, no details announced')] },
      },
    ],
  };
}

export function updateModal(incident: number): types.ModalView {
  return {
    type: 'modal',
    callback_id: UPDATE_CALLBACK,
    private_metadata: String(incident),
    title: plainText(`Update on #${incident}`.slice(0, 24)),
    submit: plainText('Post update'),
    close: plainText('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: 'update',
        label: plainText('What should stakeholders know?'),
        element: { type: 'plain_text_input', action_id: 'update', multiline: true, max_length: 3000 },
      },
    ],
  };
}

type ViewValues = Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null; selected_options?: { value: string }[] }>>;

/** The declare modal's values, or the per-field errors Slack shows inline. */
export function readDeclareForm(values: ViewValues) {
  return checkDeclareForm({
    title: values['title']?.['title']?.value ?? '',
    severity: values['severity']?.['severity']?.selected_option?.value ?? '',
    isPrivate: (values['private']?.['private']?.selected_options ?? []).some((o) => o.value === 'private'),
  });
}

/** The update modal's text, or the error Slack shows inline. */
export const readUpdateForm = (values: ViewValues) => checkUpdateForm(values['update']?.['update']?.value ?? '');
