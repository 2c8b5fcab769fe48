import { describe, expect, it } from 'vitest';
import { actionItemsMessage, digestMessage, overdueMessage, postmortemMessage, resolvedSummary, statsMessage } from '../../src/chat/messages.ts';
import type { ActionItem } from '../../src/incidents/action-items.ts';
import { digestOf } from '../../src/incidents/digest.ts';
import type { Stats } from '../../src/incidents/stats.ts';
import { messageContext } from '../fakes/chat-context.ts';
import { HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';
import { messageText } from '../fakes/render-text.ts';

const DAY_MS = 24 * HOUR;
const ctx = messageContext({ now: T0 + 2 * HOUR });
const room = { channelId: 'C-INC-1', channelName: 'inc-1-checkout', cardMessageId: 'M1' };

function anItem(id: number, owner: string | null, due: string | null, overrides: Partial<ActionItem> = {}): ActionItem {
  return { id, incidentNumber: 7, text: `item ${id}`, owner, due, state: 'open', createdAt: T0, createdBy: 'carol', doneAt: null, doneBy: null, ...overrides };
}

describe('postmortemMessage', () => {
  it('says what the file is and how to write it again', () => {
    expect(messageText(postmortemMessage(anIncident({ number: 7 })))).toBe(
      '📄 Postmortem of incident #7: the record so far (YAML front matter, timeline) and sections to fill in. /incident postmortem writes it again.',
    );
  });
});

describe('resolvedSummary', () => {
  const impact = { from: T0, to: T0 + 72 * MINUTE };

  it('tells stakeholders the title, the impact window and where the postmortem is coming, without technical detail', () => {
    const incident = anIncident({ phase: 'resolved', room, title: 'Checkout latency spike' });
    expect(messageText(resolvedSummary(incident, impact, ctx))).toBe(
      [
        '✅ Resolved: incident #1 Checkout latency spike',
        'Impact: from 14:00 UTC to 15:12 UTC (1h 12m).',
        'Current state: the cause is fixed and the service is back to normal; the team is following up.',
        'A postmortem is being written in #C-INC-1 and will be shared when complete.',
      ].join('\n'),
    );
  });

  it('keeps the title as plain text, escaped by the platform', () => {
    const incident = anIncident({ title: '<!channel> *db*', room });
    expect(resolvedSummary(incident, impact, ctx).heading).toEqual(['✅ Resolved: incident #1 ', '<!channel> *db*']);
  });

  it('shows dates when the impact was not today, in the team’s time zone', () => {
    const incident = anIncident({ room: null });
    const text = messageText(resolvedSummary(incident, { from: T0 - DAY_MS, to: T0 + 30 * MINUTE }, messageContext({ now: T0 + HOUR, timeZone: 'Europe/Berlin' })));
    expect(text).toContain('Impact: from 2025-03-13 15:00 CET to 15:30 CET (1d 0h).');
    expect(text).toContain('A postmortem is being written in the war room and will be shared when complete.');
  });

  it('says nothing about a private incident but that it is resolved', () => {
    const secret = anIncident({ isPrivate: true, title: 'Payroll export leaked', room });
    const message = resolvedSummary(secret, impact, ctx);
    expect(message).toEqual({ lines: [['The private incident #1 is resolved.']] });
    expect(messageText(message)).not.toMatch(/Payroll|14:00|C-INC-1|Impact/);
  });
});

describe('digestMessage', () => {
  const items = [anItem(1, 'carol', '2025-03-10'), anItem(2, 'erin', '2025-03-20'), anItem(3, null, null, { incidentNumber: 9 }), anItem(4, 'carol', null)];
  const digest = digestOf(items, '2025-03-14');

  it('lists open items by owner, with counts, marking the overdue ones', () => {
    expect(messageText(digestMessage(digest))).toBe(
      [
        '🗒️ Weekly follow-ups: 4 action items open, 1 overdue',
        '@carol: 2 open',
        '• #1 item 1 (incident #7, due 2025-03-10) ⚠️ overdue',
        '• #4 item 4 (incident #7)',
        '@erin: 1 open',
        '• #2 item 2 (incident #7, due 2025-03-20)',
        'No owner: 1 open',
        '• #3 item 3 (incident #9)',
      ].join('\n'),
    );
  });

  it('mentions owners so they are notified', () => {
    const lines = digestMessage(digest).lines;
    expect(lines[0]?.[0]).toEqual({ user: 'carol' });
  });

  it('counts one item in the singular', () => {
    expect(messageText(digestMessage(digestOf([anItem(1, 'carol', null)], '2025-03-14'))).split('\n')[0]).toBe('🗒️ Weekly follow-ups: 1 action item open, 0 overdue');
  });
});

describe('overdueMessage', () => {
  it('tells the owner which items are overdue and how to close one', () => {
    expect(messageText(overdueMessage([anItem(1, 'carol', '2025-03-10')]))).toBe(
      ['⚠️ 1 of your action items is overdue', '• #1 item 1 (incident #7, due 2025-03-10)', 'Mark one done with /incident action done <id>.'].join('\n'),
    );
    expect(messageText(overdueMessage([anItem(1, 'carol', '2025-03-10'), anItem(5, 'carol', '2025-03-11')])).split('\n')[0]).toBe(
      '⚠️ 2 of your action items are overdue',
    );
  });
});

describe('actionItemsMessage', () => {
  it('lists items with their state, owner and due date', () => {
    const items = [anItem(1, 'carol', '2025-03-20'), anItem(2, null, null, { state: 'done', doneAt: T0, doneBy: 'erin' })];
    const message = actionItemsMessage(items, 'Action items of incident #7');
    expect(messageText(message)).toBe(['Action items of incident #7', '⬜ #1 item 1 — @carol — due 2025-03-20 (incident #7)', '✅ #2 item 2 (incident #7)'].join('\n'));
    expect(message.lines[0]).toContainEqual({ user: 'carol' });
  });

  it('says so when there are none', () => {
    expect(actionItemsMessage([], 'Open action items')).toEqual({ lines: [['No action items.']] });
  });
});

describe('statsMessage', () => {
  const stats: Stats = {
    days: 30,
    incidents: 4,
    bySeverity: { sev1: 1, sev2: 2, sev3: 0, sev4: 1, sev5: 0 },
    timeToAcknowledge: { count: 2, mean: 360, p90: 600 },
    timeToMitigate: { count: 2, mean: 2400, p90: 3900 },
    timeToResolve: { count: 0, mean: null, p90: null },
    updates: { onTime: 5, late: 2 },
    alerts: { groups: 12, notActionable: 3, notActionableShare: 0.25 },
  };

  it('formats counts, durations and shares for people', () => {
    expect(messageText(statsMessage(stats))).toBe(
      [
        'Incident stats, last 30 days',
        'Incidents: 4 (SEV1 1 · SEV2 2 · SEV3 0 · SEV4 1 · SEV5 0)',
        'Time to acknowledge: mean 6m, p90 10m (2)',
        'Time to mitigate: mean 40m, p90 1h 5m (2)',
        'Time to resolve: none yet',
        'Stakeholder updates: 5 on time, 2 late',
        'Not actionable alerts: 25% (3 of 12 alert groups)',
      ].join('\n'),
    );
  });

  it('rounds the share and says when there were no alerts', () => {
    expect(messageText(statsMessage({ ...stats, alerts: { groups: 3, notActionable: 1, notActionableShare: 1 / 3 } }))).toContain('Not actionable alerts: 33% (1 of 3 alert groups)');
    expect(messageText(statsMessage({ ...stats, alerts: { groups: 0, notActionable: 0, notActionableShare: null } }))).toContain('Not actionable alerts: no alerts');
  });
});
