/**
 * Every Slack message and modal sitroom can produce passes the fake's Block Kit validation (test/fakes/slack/
 * block-kit-limits.ts), including the large ones: a 60-incident list, a 2,900-character update, a 500-item digest.
 */
import { describe, expect, it } from 'vitest';
import {
  declaredAnnouncement,
  digestMessage,
  helpMessage,
  listMessage,
  overdueMessage,
  actionItemsMessage,
  resolvedSummary,
  summaryCard,
  updateAnnouncement,
} from '../../../src/chat/messages.ts';
import type { ChatMessage } from '../../../src/presentation/message.ts';
import { slackModal } from '../../../src/chat/slack/slack-forms.ts';
import { declareForm, updateForm } from '../../../src/chat/forms.ts';
import { renderMessage } from '../../../src/chat/slack/slack-render.ts';
import type { ActionItem } from '../../../src/incidents/action-items.ts';
import { digestOf } from '../../../src/incidents/digest.ts';
import { messageContext } from '../../fakes/chat-context.ts';
import { aGroupAlert, firingGroup } from '../../fakes/alert-fixtures.ts';
import { DEFAULT_SEVERITY_MAP, viewGroup } from '../../../src/alerts/alert-rules.ts';
import { checklistMessage } from '../../../src/chat/messages.ts';
import { alertCard, alertsFiringMessage } from '../../../src/chat/alert-messages.ts';
import { HOUR, T0 } from '../../fakes/fixed-clock.ts';
import { anIncident } from '../../fakes/incident-builder.ts';
import { messageProblems, viewProblems } from '../../fakes/slack/block-kit-limits.ts';

const ctx = messageContext({ now: T0 + HOUR });
/** Long titles full of what must be escaped, so escaping growth (`&` -> `&amp;`) is part of the test. */
const longTitle = (n: number) => `#${n} R&D <db> & "cache" * _ down ${'&<>'.repeat(60)}`.slice(0, 200);
const item = (id: number): ActionItem => ({
  id,
  incidentNumber: 1 + (id % 7),
  text: `Follow up ${id}: ${'fix the <thing> & write it down '.repeat(5)}`,
  owner: id % 3 === 0 ? null : `U${id % 11}`,
  due: '2025-03-20',
  state: 'open',
  createdAt: T0,
  createdBy: 'UALICE',
  doneAt: null,
  doneBy: null,
});

const incident = anIncident({ title: longTitle(1), lastUpdate: { text: `${'Rolled back & watching <p99> '.repeat(100)}`.slice(0, 2900), at: T0, by: 'UCAROL' } });
const items = Array.from({ length: 500 }, (_, i) => item(i + 1));

/** An alert group of 300 firing alerts: the card and the war-room notice must still fit. */
const bigAlerts = Array.from({ length: 300 }, (_, i) => aGroupAlert(i + 1));
const bigGroup = viewGroup(firingGroup(), bigAlerts, DEFAULT_SEVERITY_MAP);

const messages: [string, ChatMessage][] = [
  ['an alert card for 300 alerts', alertCard(bigGroup, ctx, { silences: true, warRoom: undefined })],
  [
    'an alert card offering 150 open incidents with long titles',
    alertCard(bigGroup, ctx, { silences: true, warRoom: undefined, openIncidents: Array.from({ length: 150 }, (_, i) => anIncident({ number: i + 1, title: longTitle(i + 1) })) }),
  ],
  ['a 40-item checklist', checklistMessage(incident, Array.from({ length: 40 }, (_, i) => ({ id: i + 1, incidentNumber: 1, position: i + 1, text: longTitle(i).slice(0, 300), required: true, source: 'sev1', checkedAt: null, checkedBy: null })))],
  // The longest a checklist can be: 50 items of the severity and 50 of the type (checklists-file.ts), 300 characters each.
  ['a 100-item checklist', checklistMessage(incident, Array.from({ length: 100 }, (_, i) => ({ id: i + 1, incidentNumber: 1, position: i + 1, text: `${i + 1} ${'x'.repeat(299)}`.slice(0, 300), required: true, source: i < 50 ? 'sev1' : 'type:security', checkedAt: null, checkedBy: null })))],
  ['300 alerts firing in a war room', alertsFiringMessage(bigGroup, bigAlerts, ctx)],
  ['a 60-incident list', listMessage(Array.from({ length: 60 }, (_, i) => anIncident({ number: i + 1, title: longTitle(i + 1) })), ctx)],
  ['a 2,900-character update', updateAnnouncement(incident, ctx)],
  ['a 500-item digest', digestMessage(digestOf(items, '2025-03-25'))],
  ['500 overdue items', overdueMessage(items)],
  ['500 action items', actionItemsMessage(items, 'Action items')],
  ['the summary card', summaryCard(incident, ctx)],
  ['the announcement', declaredAnnouncement(incident, ctx)],
  ['the resolved summary', resolvedSummary(incident, { from: T0, to: T0 + HOUR }, ctx)],
  ['help', helpMessage()],
];

describe('Block Kit limits', () => {
  it.each(messages)('%s is a valid Slack message', (_name, message) => {
    const rendered = renderMessage(message);
    expect(messageProblems(rendered.blocks)).toEqual([]);
    expect(rendered.text.length).toBeGreaterThan(0);
  });

  it('the modals are valid views', () => {
    expect(viewProblems(slackModal(declareForm()) as never)).toEqual([]);
    expect(viewProblems(slackModal(updateForm(123456)) as never)).toEqual([]);
  });

  it('the validator refuses what Slack refuses (so passing means something)', () => {
    const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
    expect(messageProblems([section('x'.repeat(3001))])).toEqual(['must be less than 3001 characters [json-pointer:/blocks/0/text/text]']);
    expect(messageProblems(Array.from({ length: 51 }, () => section('x')))).toContain('must be less than 51 items [json-pointer:/blocks]');
    const button = (id: string, text = 'Go') => ({ type: 'button', action_id: id, text: { type: 'plain_text', text } });
    expect(messageProblems([{ type: 'actions', elements: [button('a'), button('a')] }])).toEqual(['action_id already exists [json-pointer:/blocks/0/elements/1/action_id]']);
    expect(messageProblems([{ type: 'actions', elements: [button('b', 'x'.repeat(76))] }])).toHaveLength(1);
    expect(messageProblems([{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }])).toHaveLength(1);
    expect(messageProblems([{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'x' })) }])).toHaveLength(1);
    expect(messageProblems([{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'x' })) }])).toHaveLength(1);
    expect(messageProblems([{ type: 'section', block_id: 'x'.repeat(256), text: { type: 'mrkdwn', text: 'x' } }])).toHaveLength(1);
    expect(viewProblems({ type: 'modal', title: { type: 'plain_text', text: 'x'.repeat(25) }, blocks: [] })).toHaveLength(1);
    expect(viewProblems({ type: 'modal', title: { type: 'plain_text', text: 't' }, blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) })).toHaveLength(1);
  });
});
