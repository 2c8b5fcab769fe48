import { describe, expect, it } from 'vitest';
import type { ActionItem } from '../../src/incidents/action-items.ts';
import { type DigestSchedule, digestOf, latestSlot, localDate } from '../../src/incidents/digest.ts';
import { T0 } from '../fakes/fixed-clock.ts';

const utc = (iso: string) => Date.parse(iso);
const MS = 1;

describe('localDate', () => {
  it('is the calendar date in the time zone', () => {
    expect(localDate(T0, 'UTC')).toBe('2025-03-14');
    expect(localDate(utc('2025-03-14T23:30:00Z'), 'UTC')).toBe('2025-03-14');
    expect(localDate(utc('2025-03-14T23:30:00Z'), 'Europe/Berlin')).toBe('2025-03-15');
    expect(localDate(utc('2025-03-14T03:00:00Z'), 'America/New_York')).toBe('2025-03-13');
  });
});

describe('latestSlot in UTC', () => {
  const mondayNine: DigestSchedule = { weekday: 'monday', hour: 9, minute: 0, timeZone: 'UTC' };

  it('is the most recent Monday 09:00 before now', () => {
    // T0 is Friday 2025-03-14.
    expect(latestSlot(T0, mondayNine)).toBe(utc('2025-03-10T09:00:00Z'));
  });

  it('is now itself when now is exactly the slot', () => {
    expect(latestSlot(utc('2025-03-17T09:00:00Z'), mondayNine)).toBe(utc('2025-03-17T09:00:00Z'));
  });

  it('is the previous week just before the slot, also on the same weekday', () => {
    expect(latestSlot(utc('2025-03-17T09:00:00Z') - MS, mondayNine)).toBe(utc('2025-03-10T09:00:00Z'));
    expect(latestSlot(utc('2025-03-17T00:00:00Z'), mondayNine)).toBe(utc('2025-03-10T09:00:00Z'));
  });

  it('keeps the slot all week until the next one', () => {
    expect(latestSlot(utc('2025-03-23T23:59:59Z'), mondayNine)).toBe(utc('2025-03-17T09:00:00Z'));
  });

  it('honours the minute', () => {
    const fridayQuarterPast: DigestSchedule = { weekday: 'friday', hour: 13, minute: 15, timeZone: 'UTC' };
    expect(latestSlot(T0, fridayQuarterPast)).toBe(utc('2025-03-14T13:15:00Z'));
    expect(latestSlot(utc('2025-03-14T13:14:59Z'), fridayQuarterPast)).toBe(utc('2025-03-07T13:15:00Z'));
  });
});

describe('latestSlot in Europe/Berlin', () => {
  const mondayNine: DigestSchedule = { weekday: 'monday', hour: 9, minute: 0, timeZone: 'Europe/Berlin' };

  it('is 09:00 local: 08:00 UTC in winter (CET), 07:00 UTC in summer (CEST)', () => {
    expect(latestSlot(utc('2025-03-26T12:00:00Z'), mondayNine)).toBe(utc('2025-03-24T08:00:00Z'));
    expect(latestSlot(utc('2025-07-09T12:00:00Z'), mondayNine)).toBe(utc('2025-07-07T07:00:00Z'));
  });

  it('moves with the clocks across the spring change (2025-03-30)', () => {
    expect(latestSlot(utc('2025-04-02T12:00:00Z'), mondayNine)).toBe(utc('2025-03-31T07:00:00Z'));
    expect(latestSlot(utc('2025-03-31T07:00:00Z'), mondayNine)).toBe(utc('2025-03-31T07:00:00Z'));
    // 08:59:59.999 CEST: still the week before, whose slot was in CET.
    expect(latestSlot(utc('2025-03-31T07:00:00Z') - MS, mondayNine)).toBe(utc('2025-03-24T08:00:00Z'));
  });

  it('moves with the clocks across the autumn change (2025-10-26)', () => {
    expect(latestSlot(utc('2025-10-29T12:00:00Z'), mondayNine)).toBe(utc('2025-10-27T08:00:00Z'));
    expect(latestSlot(utc('2025-10-27T08:00:00Z'), mondayNine)).toBe(utc('2025-10-27T08:00:00Z'));
    // 08:59:59.999 CET: the week before, whose slot was in CEST.
    expect(latestSlot(utc('2025-10-27T08:00:00Z') - MS, mondayNine)).toBe(utc('2025-10-20T07:00:00Z'));
  });

  it('places a slot on the day of the change itself', () => {
    const sundayNoon: DigestSchedule = { weekday: 'sunday', hour: 12, minute: 0, timeZone: 'Europe/Berlin' };
    expect(latestSlot(utc('2025-03-30T15:00:00Z'), sundayNoon)).toBe(utc('2025-03-30T10:00:00Z'));
    expect(latestSlot(utc('2025-10-26T15:00:00Z'), sundayNoon)).toBe(utc('2025-10-26T11:00:00Z'));
  });

  it('uses the local weekday, not the UTC one', () => {
    // Monday 00:30 in Berlin is still Sunday in UTC.
    const mondayMidnight: DigestSchedule = { weekday: 'monday', hour: 0, minute: 30, timeZone: 'Europe/Berlin' };
    expect(latestSlot(utc('2025-03-16T23:45:00Z'), mondayMidnight)).toBe(utc('2025-03-16T23:30:00Z'));
  });

  it('finds the slot of the day the clocks sprang forward, in the first hour of the next day', () => {
    const sundayEvening: DigestSchedule = { weekday: 'sunday', hour: 18, minute: 0, timeZone: 'Europe/Berlin' };
    // Monday 2025-03-31 00:30 CEST: the latest Sunday 18:00 is the evening before (16:00 UTC), not a week earlier.
    expect(latestSlot(utc('2025-03-30T22:30:00Z'), sundayEvening)).toBe(utc('2025-03-30T16:00:00Z'));
  });
});

function anItem(id: number, owner: string | null, due: string | null, overrides: Partial<ActionItem> = {}): ActionItem {
  return { id, incidentNumber: 7, text: `item ${id}`, owner, due, state: 'open', createdAt: T0, createdBy: 'carol', doneAt: null, doneBy: null, ...overrides };
}

describe('digestOf', () => {
  const items = [anItem(1, 'carol', '2025-03-10'), anItem(2, 'erin', '2025-03-20'), anItem(3, null, null), anItem(4, 'carol', '2025-03-14'), anItem(5, 'erin', '2025-03-13')];
  const digest = digestOf(items, '2025-03-14');

  it('groups open items by owner, owners in the order of their first item, items in order', () => {
    expect(digest.byOwner.map(([owner, of]) => [owner, of.map((i) => i.id)])).toEqual([
      ['carol', [1, 4]],
      ['erin', [2, 5]],
      [null, [3]],
    ]);
  });

  it('finds the overdue items as of today: past due, not due today', () => {
    expect(digest.overdue.map((i) => i.id)).toEqual([1, 5]);
    expect(digest.today).toBe('2025-03-14');
  });

  it('is empty for no items', () => {
    expect(digestOf([], '2025-03-14')).toEqual({ byOwner: [], overdue: [], today: '2025-03-14', privateIncidents: new Set() });
  });
});
