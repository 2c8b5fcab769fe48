import { describe, expect, it } from 'vitest';
import type { ActionItem } from '../../src/incidents/action-items.ts';
import { type ChecklistItem, type ChecklistTemplates, checkItem, itemsToAdd, openRequired, progressText, templatesFor } from '../../src/incidents/checklists.ts';
import { closeGate } from '../../src/incidents/close-gate.ts';
import { catchIncidentError } from '../fakes/catch-incident-error.ts';
import { MINUTE, T0 } from '../fakes/fixed-clock.ts';
import { anIncident } from '../fakes/incident-builder.ts';

const templates: ChecklistTemplates = {
  bySeverity: {
    sev1: [
      { text: 'Page the EM', required: true },
      { text: 'Tell support', required: false },
    ],
    sev2: [{ text: 'Page the owning team', required: true }],
  },
  byType: new Map([['database', [{ text: 'Page the DBA', required: true }, { text: 'Page the EM', required: true }]]]),
};

let nextId = 1;
const saved = (items: ReturnType<typeof itemsToAdd>): ChecklistItem[] => items.map((i) => ({ ...i, id: nextId++ }));

describe('templatesFor', () => {
  it('gives the severity’s items, then the type’s, each text once', () => {
    const picked = templatesFor(templates, { severity: 'sev1', type: 'database' });
    expect(picked.map((p) => [p.template.text, p.source])).toEqual([
      ['Page the EM', 'sev1'],
      ['Tell support', 'sev1'],
      ['Page the DBA', 'type:database'],
    ]);
  });

  it('gives nothing for a severity and type without a checklist', () => {
    expect(templatesFor(templates, { severity: 'sev4', type: null })).toEqual([]);
    expect(templatesFor(templates, { severity: 'sev4', type: 'security' })).toEqual([]);
  });
});

describe('itemsToAdd', () => {
  it('numbers a new incident’s items from 1, unticked', () => {
    const items = itemsToAdd(anIncident({ number: 3, severity: 'sev2' }), [], templates);
    expect(items).toEqual([{ incidentNumber: 3, position: 1, text: 'Page the owning team', required: true, source: 'sev2', checkedAt: null, checkedBy: null }]);
  });

  it('on a severity change adds only what is missing, after the existing items, keeping ticks', () => {
    const incident = anIncident({ number: 3, severity: 'sev2' });
    const existing = saved(itemsToAdd(incident, [], templates)).map((i) => ({ ...i, checkedAt: T0, checkedBy: 'alice' }));
    const added = itemsToAdd({ ...incident, severity: 'sev1', type: 'database' }, existing, templates);
    expect(added.map((i) => [i.position, i.text])).toEqual([
      [2, 'Page the EM'],
      [3, 'Tell support'],
      [4, 'Page the DBA'],
    ]);
    expect(itemsToAdd({ ...incident, severity: 'sev2' }, existing, templates)).toEqual([]);
  });
});

describe('checkItem', () => {
  const [item] = saved(itemsToAdd(anIncident({ number: 3, severity: 'sev2' }), [], templates));
  if (!item) throw new Error('no item');

  it('records who ticked it and when, on the timeline too', () => {
    const { item: ticked, event } = checkItem(item, 'bob', T0 + MINUTE);
    expect(ticked).toMatchObject({ checkedAt: T0 + MINUTE, checkedBy: 'bob' });
    expect(event).toMatchObject({ kind: 'checklist_checked', actor: 'bob', at: T0 + MINUTE, text: 'Checklist 1. Page the owning team ✔', data: { position: 1 } });
  });

  it('refuses a second tick, naming who ticked it first', () => {
    const { item: ticked } = checkItem(item, 'bob', T0);
    const e = catchIncidentError(() => checkItem(ticked, 'carol', T0 + MINUTE));
    expect(e.code).toBe('checklist_item_checked');
    expect(e.details).toEqual({ position: '1', by: 'bob' });
  });
});

describe('progress and required items', () => {
  const items = saved(itemsToAdd(anIncident({ severity: 'sev1', type: 'database' }), [], templates));
  it('counts ticked items out of all', () => {
    expect(progressText([])).toBe('');
    expect(progressText(items)).toBe('0/3');
    expect(progressText(items.map((i, n) => (n < 2 ? { ...i, checkedAt: T0 } : i)))).toBe('2/3');
  });
  it('holds back only unticked required items', () => {
    expect(openRequired(items).map((i) => i.text)).toEqual(['Page the EM', 'Page the DBA']);
  });
});

describe('closeGate', () => {
  const actionItem = { id: 4, text: 'Add a canary', state: 'open' } as ActionItem;
  const [required] = saved(itemsToAdd(anIncident({ severity: 'sev2' }), [], templates));
  if (!required) throw new Error('no item');

  it('lets close through when nothing is open', () => {
    expect(closeGate({ actionItems: [], checklist: [] }, undefined)).toBe('');
  });

  it('refuses while a required checklist item is open, naming it', () => {
    const e = catchIncidentError(() => closeGate({ actionItems: [], checklist: [required] }, undefined));
    expect(e.code).toBe('open_checklist_items');
    expect(e.details).toEqual({ checklist: `${required.position}. Page the owning team`, checklistCount: '1' });
  });

  it('names both kinds when both are open', () => {
    const e = catchIncidentError(() => closeGate({ actionItems: [actionItem], checklist: [required] }, '  '));
    expect(e.code).toBe('open_action_items');
    expect(e.details).toMatchObject({ items: '#4 Add a canary', checklist: `${required.position}. Page the owning team` });
  });

  it('returns what one waiver waived', () => {
    expect(closeGate({ actionItems: [], checklist: [required] }, 'done by hand')).toBe('waived open required checklist items: done by hand');
    expect(closeGate({ actionItems: [actionItem], checklist: [required] }, 'later')).toBe('waived open action items and required checklist items: later');
    expect(closeGate({ actionItems: [actionItem], checklist: [] }, 'later')).toBe('waived open action items: later');
  });
});
