import { describe, expect, it } from 'vitest';
import { USAGE } from '../../src/chat/command-grammar.ts';
import {
  LIST_LIMIT,
  declaredAnnouncement,
  helpMessage,
  listMessage,
  nextUpdateText,
  reminderMessage,
  roomEventLine,
  stakeholderChange,
  summaryCard,
  topicLine,
  updateAnnouncement,
} from '../../src/chat/messages.ts';
import type { Incident } from '../../src/incidents/incident.ts';
import type { ReminderNotice } from '../../src/incidents/reminders.ts';
import { event } from '../../src/incidents/timeline.ts';
import { messageContext } from '../fakes/chat-context.ts';
import { HOUR, MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';
import { lineText, messageText } from '../fakes/render-text.ts';

/** Incident #1, sev2, declared by alice at 14:00 UTC; next update 15:00 UTC. */
const ctx = messageContext({ now: T0 + 10 * MINUTE });
const privateIncident = (overrides: Partial<Incident> = {}) => anIncident({ isPrivate: true, title: 'Payroll export leaked', ...overrides });
/** The incident after carol's update at 14:05. */
function postUpdated(incident: Incident, text: string): Incident {
  return { ...incident, lastUpdate: { text, at: T0 + 5 * MINUTE, by: 'carol' } };
}

const nag: ReminderNotice = { stage: 'nag', dueAt: T0 + HOUR, people: ['carol'], alertChannel: false, overdueSeconds: 300 };

describe('nextUpdateText', () => {
  it('says when the next update is due, or that it is overdue', () => {
    expect(nextUpdateText(anIncident(), ctx)).toBe('next update 15:00 UTC');
    expect(nextUpdateText(anIncident(), messageContext({ now: T0 + HOUR + 1 }))).toBe('update overdue since 15:00 UTC');
  });

  it('shows the date when the update is not due today', () => {
    expect(nextUpdateText(anIncident({ nextUpdateDue: T0 + 24 * HOUR }), ctx)).toBe('next update 2025-03-15 14:00 UTC');
  });

  it('uses the configured time zone', () => {
    expect(nextUpdateText(anIncident(), messageContext({ timeZone: 'Asia/Tokyo' }))).toBe('next update 2025-03-15 00:00 GMT+9');
  });

  it('tells an incident without a cadence from one that no longer needs updates', () => {
    expect(nextUpdateText(anIncident({ nextUpdateDue: null }), ctx)).toBe('no update cadence');
    expect(nextUpdateText(anIncident({ nextUpdateDue: null, phase: 'resolved' }), ctx)).toBe('no updates due');
  });

  it('never calls a resolved incident overdue, even with a stale due time (the one overdue predicate)', () => {
    expect(nextUpdateText(anIncident({ phase: 'resolved' }), messageContext({ now: T0 + 2 * HOUR }))).toBe('no updates due');
  });
});

describe('topicLine', () => {
  it('is the one-line status: severity, phase, IC and next update', () => {
    expect(lineText(topicLine(anIncident({ roles: { commander: 'alice' } }), ctx))).toBe('SEV2 · active · IC @alice · next update 15:00 UTC');
    expect(lineText(topicLine(anIncident(), ctx))).toBe('SEV2 · active · IC unassigned · next update 15:00 UTC');
  });
});

describe('summaryCard', () => {
  it('shows severity, phase with the next command, roles, declaration and updates', () => {
    const card = summaryCard(anIncident({ roles: { commander: 'carol', 'partner-comms': 'dave' } }), ctx);
    expect(messageText(card)).toBe(
      [
        'Incident #1: Checkout latency spike',
        'Severity: SEV2 (major functionality broken, revenue affected)',
        'Phase: active · next: /incident mitigate (impact on production reduced)',
        'Roles: IC: @carol, partner-comms: @dave',
        'Declared: 14:00 UTC by @alice (10m ago)',
        'Last update: none yet',
        'Updates: every 1h · next update 15:00 UTC',
      ].join('\n'),
    );
  });

  it('offers "I’m IC" and "I’m comms" only while those roles are open', () => {
    expect(summaryCard(anIncident(), ctx).buttons?.map((b) => b.id)).toEqual(['claim_commander', 'claim_comms']);
    expect(summaryCard(anIncident({ roles: { commander: 'carol' } }), ctx).buttons?.map((b) => b.id)).toEqual(['claim_comms']);
    expect(summaryCard(anIncident({ roles: { commander: 'carol', comms: 'dave' } }), ctx).buttons).toEqual([]);
    expect(summaryCard(anIncident({ phase: 'closed' }), ctx).buttons).toEqual([]);
  });

  it('shows the last update and the call link', () => {
    const incident = anIncident({ lastUpdate: { text: 'Rolled back', at: T0 + 5 * MINUTE, by: 'carol' } });
    const text = messageText(summaryCard(incident, messageContext({ now: T0 + 10 * MINUTE, conferenceUrlTemplate: 'https://meet.example.com/inc-{number}' })));
    expect(text).toContain('Last update: 14:05 UTC — Rolled back');
    expect(text).toContain('Call: https://meet.example.com/inc-1');
  });

  it('marks a private incident in the war room', () => {
    expect(lineText(summaryCard(privateIncident(), ctx).heading ?? [])).toBe('Incident #1: Payroll export leaked (private)');
  });
});

describe('announcements', () => {
  it('announce a new incident with its war room and next update', () => {
    const incident = anIncident({ room: { channelId: 'C42', channelName: 'inc-1', cardMessageId: null } });
    expect(messageText(declaredAnnouncement(incident, ctx))).toBe(
      ['Incident #1: Checkout latency spike', 'SEV2 declared by @alice · war room #C42', 'Next update 15:00 UTC'].join('\n'),
    );
  });

  it('broadcast a stakeholder update', () => {
    const incident = postUpdated(anIncident(), 'Rolled back; errors falling');
    expect(messageText(updateAnnouncement(incident, ctx))).toBe(
      ['Update on incident #1: Checkout latency spike', 'Rolled back; errors falling', 'SEV2 · active · from @carol · next update 15:00 UTC'].join('\n'),
    );
  });

  it('tell stakeholders about a phase change', () => {
    const change = event('phase_changed', T0, 'carol', 'Phase active → mitigated');
    expect(messageText(stakeholderChange(anIncident({ phase: 'mitigated' }), change))).toBe('Incident #1 Checkout latency spike: Phase active → mitigated (by @carol)');
  });

  it('say only that a private incident is in progress, never its title or details', () => {
    const incident = postUpdated(privateIncident({ room: { channelId: 'C42', channelName: 'inc-1', cardMessageId: null } }), 'HR is on it');
    const change = event('severity_changed', T0, 'carol', 'Severity SEV2 → SEV1');
    for (const message of [declaredAnnouncement(incident, ctx), updateAnnouncement(incident, ctx), stakeholderChange(incident, change)]) {
      expect(messageText(message)).toBe('A private incident (#1) is in progress.');
    }
    expect(messageText(stakeholderChange({ ...incident, phase: 'resolved' }, change))).toBe('The private incident #1 is resolved.');
  });
});

describe('roomEventLine', () => {
  it('tells each kind of event in the war room', () => {
    expect(lineText(roomEventLine(event('role_assigned', T0, 'alice', 'IC is now carol', { role: 'commander', user: 'carol' })))).toBe('@carol is now IC (set by @alice)');
    expect(lineText(roomEventLine(event('update_posted', T0, 'carol', 'Rolled back')))).toBe('Stakeholder update from @carol: Rolled back');
    expect(lineText(roomEventLine(event('note', T0, 'dave', 'suspect the deploy')))).toBe('📝 @dave: suspect the deploy');
    expect(lineText(roomEventLine(event('severity_changed', T0, 'alice', 'Severity SEV2 → SEV1')))).toBe('Severity SEV2 → SEV1 — @alice');
  });
});

describe('reminderMessage', () => {
  it('mentions the person nagged and offers to post or snooze', () => {
    const message = reminderMessage(anIncident(), nag, messageContext({ now: T0 + HOUR + 5 * MINUTE }));
    expect(messageText(message)).toBe(
      '@carol ⏰ the stakeholder update for incident #1 was due at 15:00 UTC (5m ago). Post one with /incident update <text>.',
    );
    expect(message.buttons?.map((b) => [b.id, b.label, b.value])).toEqual([
      ['post_update', 'Post update', 1],
      ['snooze', 'Snooze 15m', 1],
    ]);
  });

  it('alerts the whole channel when nobody holds comms or IC', () => {
    const text = messageText(reminderMessage(anIncident(), { ...nag, people: [], alertChannel: true }, ctx));
    expect(text.startsWith('@here ⏰')).toBe(true);
  });

  it('escalates to the commander and the channel', () => {
    const escalation: ReminderNotice = { stage: 'escalate', dueAt: T0 + 2 * HOUR, people: ['dave'], alertChannel: true, overdueSeconds: 3600 };
    const text = messageText(reminderMessage(anIncident(), escalation, messageContext({ now: T0 + 2 * HOUR })));
    expect(text).toBe('@here @dave 🚨 the stakeholder update for incident #1 is still overdue (due at 15:00 UTC, 1h 0m ago). Commander, please make sure one goes out.');
  });
});

describe('listMessage', () => {
  it('shows only the most recent incidents of a crowded phase', () => {
    const incidents = Array.from({ length: LIST_LIMIT + 5 }, (_, n) => anIncident({ number: n + 1 }));
    const text = messageText(listMessage(incidents, ctx));
    expect(text).toContain(`Active (${LIST_LIMIT + 5})\n(the ${LIST_LIMIT} most recent)`);
    expect(text).toContain(`• #${LIST_LIMIT + 5} SEV2`);
    expect(text).not.toContain('• #5 SEV2');
    expect(text.split('\n').filter((l) => l.startsWith('• '))).toHaveLength(LIST_LIMIT);
  });

  it('groups open incidents by phase with severity, IC and next update', () => {
    const incidents = [
      anIncident({ number: 3, phase: 'mitigated', roles: { commander: 'carol' } }),
      anIncident({ number: 1, room: { channelId: 'C1', channelName: 'inc-1', cardMessageId: null } }),
      anIncident({ number: 4, phase: 'resolved', title: 'DNS', severity: 'sev3', nextUpdateDue: null }),
    ];
    expect(messageText(listMessage(incidents, ctx))).toBe(
      [
        'Open incidents',
        'Active (1)',
        '• #1 SEV2 Checkout latency spike #C1 · IC unassigned · next update 15:00 UTC',
        'Mitigated (1)',
        '• #3 SEV2 Checkout latency spike · IC @carol · next update 15:00 UTC',
        'Resolved (1)',
        '• #4 SEV3 DNS · IC unassigned · no updates due',
      ].join('\n'),
    );
  });

  // `/incident list` works in any channel for anyone: a private incident shows no title or war room (SPEC §1).
  it('lists a private incident without its title or war room', () => {
    const text = messageText(listMessage([privateIncident({ room: { channelId: 'C-SECRET', channelName: 'inc-1-payroll', cardMessageId: null } })], ctx));
    expect(text).not.toContain('Payroll');
    expect(text).not.toContain('C-SECRET');
    expect(text).toContain('#1');
    expect(text).toContain('private');
  });

  it('marks a drill DRILL, so a practice SEV1 is not read as an outage', () => {
    const text = messageText(listMessage([anIncident({ number: 2, severity: 'sev1', drill: true, title: 'Region failover practice' }), anIncident({ number: 3 }), privateIncident({ number: 4, drill: true })], ctx));
    expect(text).toContain('• #2 🧪 DRILL SEV1 Region failover practice');
    expect(text).toContain('• #3 SEV2 Checkout latency spike');
    expect(text).toContain('• #4 🧪 DRILL SEV2 (a private incident)');
  });

  it('says so when nothing is open', () => {
    expect(messageText(listMessage([], ctx))).toBe('No open incidents. 🎉');
  });
});

describe('helpMessage', () => {
  it('lists every subcommand with an example', () => {
    const text = messageText(helpMessage());
    for (const { usage, example } of Object.values(USAGE)) {
      expect(text).toContain(`/incident ${usage} — e.g. /incident ${example}`);
    }
  });
});
