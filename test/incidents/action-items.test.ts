import { describe, expect, it } from 'vitest';
import { type ActionItem, assertClosable, completeActionItem, isOverdue, newActionItem, parseDueDate } from '../../src/incidents/action-items.ts';
import { event } from '../../src/incidents/timeline.ts';
import { catchIncidentError } from '../fakes/catch-incident-error.ts';
import { MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';

const incident = anIncident({ number: 7 });

function anItem(overrides: Partial<ActionItem> = {}): ActionItem {
  return {
    id: 1,
    incidentNumber: 7,
    text: 'Add a canary stage to checkout deploys',
    owner: 'carol',
    due: '2025-03-20',
    state: 'open',
    createdAt: T0,
    createdBy: 'carol',
    doneAt: null,
    doneBy: null,
    ...overrides,
  };
}

describe('parseDueDate', () => {
  it.each(['2025-03-20', '2024-02-29', '2026-12-31'])('accepts the real date %s', (date) => {
    expect(parseDueDate(date)).toBe(date);
  });

  it('trims the input', () => {
    expect(parseDueDate('  2025-03-20 ')).toBe('2025-03-20');
  });

  it.each(['2026-02-30', '2025-02-29', '2025-13-01', '2025-00-10', '2025-04-31'])('refuses the impossible date %s', (date) => {
    const e = catchIncidentError(() => parseDueDate(date));
    expect(e.code).toBe('invalid_due_date');
    expect(e.details).toEqual({ input: date });
  });

  it.each(['next friday', '', '2025-3-20', '20-03-2025', '2025/03/20', '2025-03-20T10:00', '2025-03-20 x'])('refuses %j', (input) => {
    expect(catchIncidentError(() => parseDueDate(input)).code).toBe('invalid_due_date');
  });
});

describe('newActionItem', () => {
  it('makes an open item of the incident and a timeline entry naming owner and due date', () => {
    const { item, event: entry } = newActionItem(incident, { text: '  Add a canary stage  ', owner: 'carol', due: '2025-03-20' }, 'erin', T0 + MINUTE);
    expect(item).toEqual({
      incidentNumber: 7,
      text: 'Add a canary stage',
      owner: 'carol',
      due: '2025-03-20',
      state: 'open',
      createdAt: T0 + MINUTE,
      createdBy: 'erin',
      doneAt: null,
      doneBy: null,
    });
    expect(entry).toEqual(
      event('action_added', T0 + MINUTE, 'erin', 'Action item: Add a canary stage (owner carol, due 2025-03-20)', { owner: 'carol', due: '2025-03-20' }),
    );
  });

  it('words the entry for an item without owner or without due date', () => {
    expect(newActionItem(incident, { text: 'Fix it', owner: null, due: '2025-03-20' }, 'erin', T0).event.text).toBe('Action item: Fix it (due 2025-03-20)');
    expect(newActionItem(incident, { text: 'Fix it', owner: 'carol', due: null }, 'erin', T0).event.text).toBe('Action item: Fix it (owner carol)');
    expect(newActionItem(incident, { text: 'Fix it', owner: null, due: null }, 'erin', T0).event.text).toBe('Action item: Fix it');
  });

  it('refuses empty and overlong text', () => {
    expect(catchIncidentError(() => newActionItem(incident, { text: '   ', owner: null, due: null }, 'erin', T0)).code).toBe('empty_text');
    expect(newActionItem(incident, { text: 'x'.repeat(500), owner: null, due: null }, 'erin', T0).item.text).toHaveLength(500);
    const long = catchIncidentError(() => newActionItem(incident, { text: 'x'.repeat(501), owner: null, due: null }, 'erin', T0));
    expect(long.code).toBe('text_too_long');
    expect(long.details).toEqual({ max: '500' });
  });
});

describe('completeActionItem', () => {
  it('marks the item done by whom and when, with a timeline entry', () => {
    const { item, event: entry } = completeActionItem(anItem({ id: 3 }), 'erin', T0 + 5 * MINUTE);
    expect(item).toEqual(anItem({ id: 3, state: 'done', doneAt: T0 + 5 * MINUTE, doneBy: 'erin' }));
    expect(entry).toEqual(event('action_done', T0 + 5 * MINUTE, 'erin', 'Action item #3 done: Add a canary stage to checkout deploys', { item: 3 }));
  });

  it('refuses to complete an item a second time', () => {
    const { item } = completeActionItem(anItem({ id: 3 }), 'erin', T0);
    const e = catchIncidentError(() => completeActionItem(item, 'carol', T0 + MINUTE));
    expect(e.code).toBe('action_item_done');
    expect(e.details).toEqual({ id: '3' });
  });
});

describe('isOverdue', () => {
  it('is true for an open item whose due date has passed', () => {
    expect(isOverdue(anItem({ due: '2025-03-13' }), '2025-03-14')).toBe(true);
  });

  it('is false on the due date itself and before it', () => {
    expect(isOverdue(anItem({ due: '2025-03-14' }), '2025-03-14')).toBe(false);
    expect(isOverdue(anItem({ due: '2025-03-20' }), '2025-03-14')).toBe(false);
  });

  it('is false for done items and items without a due date', () => {
    expect(isOverdue(anItem({ due: '2025-03-01', state: 'done', doneAt: T0, doneBy: 'carol' }), '2025-03-14')).toBe(false);
    expect(isOverdue(anItem({ due: null }), '2025-03-14')).toBe(false);
  });

  it('compares dates across months and years', () => {
    expect(isOverdue(anItem({ due: '2024-12-31' }), '2025-01-01')).toBe(true);
    expect(isOverdue(anItem({ due: '2025-02-28' }), '2025-03-01')).toBe(true);
  });
});

describe('assertClosable', () => {
  const open = [anItem({ id: 1, text: 'Add a canary stage' }), anItem({ id: 4, text: 'Alert on config drift' })];

  it('allows closing when no item is open', () => {
    expect(() => assertClosable([], undefined)).not.toThrow();
  });

  it('refuses while items are open, naming them', () => {
    const e = catchIncidentError(() => assertClosable(open, undefined));
    expect(e.code).toBe('open_action_items');
    expect(e.details).toEqual({ items: '#1 Add a canary stage; #4 Alert on config drift', count: '2' });
  });

  it('allows closing with a waiver that gives a reason', () => {
    expect(() => assertClosable(open, 'tracked in JIRA OPS-12')).not.toThrow();
  });

  it('refuses a blank waiver', () => {
    expect(catchIncidentError(() => assertClosable(open, '')).code).toBe('open_action_items');
    expect(catchIncidentError(() => assertClosable(open, '   ')).code).toBe('open_action_items');
  });
});
