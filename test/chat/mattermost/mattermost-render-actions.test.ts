import { describe, expect, it } from 'vitest';
import { renderPost } from '../../../src/chat/mattermost/mattermost-render.ts';
import { type ChatMessage, SELECT_OPTIONS_MAX, selectOption } from '../../../src/presentation/message.ts';
import { postActionProblems } from '../../fakes/mattermost/post-props.ts';

const names = { user: (id: string) => id, channel: (id: string) => id };
const render = (message: ChatMessage) => renderPost(message, names, 'https://sitroom.example.com/mattermost/actions', () => 'sig', 'chan');

describe('Mattermost actions', () => {
  const message: ChatMessage = {
    lines: [['Alert']],
    buttons: [
      { id: 'checklist_check', label: 'Tick 1', value: 11 },
      { id: 'checklist_check', label: 'Tick 2', value: 12 },
    ],
    select: { id: 'alert_attach', placeholder: 'Add to incident…', value: 7, options: [selectOption('#3 SEV2 Checkout', 3)] },
  };

  it('renders a menu as a valid select action whose context says what it is about', () => {
    const { props } = render(message);
    expect(postActionProblems(props)).toEqual([]);
    const actions = (props.attachments?.[0]?.['actions'] ?? []) as Record<string, unknown>[];
    expect(actions.at(-1)).toMatchObject({ type: 'select', name: 'Add to incident…', options: [{ text: '#3 SEV2 Checkout', value: '3' }], integration: { context: { button: 'alert_attach', value: 7 } } });
  });

  it('gives repeated buttons distinct ids (the server routes a click to the first action with its id)', () => {
    const actions = (render(message).props.attachments?.[0]?.['actions'] ?? []) as { id: string }[];
    expect(new Set(actions.map((a) => a.id)).size).toBe(actions.length);
  });

  it('the checker finds what the server would warn about', () => {
    expect(postActionProblems({ attachments: [{ actions: [{ name: 'x', type: 'select', options: [{ text: '', value: '1' }], integration: { url: 'ftp://x' } }] }] })).toEqual([
      'actions[0]: option at index 0 is invalid: text and value are required',
      'actions[0]: action must have an valid integration URL',
    ]);
  });

  it('option labels are cut to fit every platform, and menus are capped', () => {
    expect(selectOption('x'.repeat(200), 1).label).toHaveLength(75);
    expect(SELECT_OPTIONS_MAX).toBe(100);
  });
});
