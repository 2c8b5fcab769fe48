import { describe, expect, it } from 'vitest';
import { slugify, warRoomName } from '../../src/incidents/war-room-name.ts';

const LIMITS = [80, 64] as const;
const LONG_TITLE =
  'Checkout payments failing for every customer in the European region after the database failover went wrong again tonight';

/** What every channel name must be, whatever the title. */
function expectValidName(name: string, maxLength: number): void {
  expect(name).toMatch(/^[a-z0-9-]+$/);
  expect(name).not.toMatch(/--|-$/);
  expect(name.length).toBeLessThanOrEqual(maxLength);
}

describe('slugify', () => {
  it('folds accents and ß to plain ASCII', () => {
    expect(slugify('Café Ünïcode Straße')).toBe('cafe-unicode-strasse');
  });

  it('folds letters that have no decomposition', () => {
    expect(slugify('Ærø Łódź Œuvre Þing')).toBe('aero-lodz-oeuvre-thing');
  });

  it('collapses punctuation and spaces into single dashes, trimmed', () => {
    expect(slugify('  DB -- down!!! (again) ')).toBe('db-down-again');
  });

  it('leaves nothing of a title made only of emoji', () => {
    expect(slugify('🔥🔥 🚒')).toBe('');
  });
});

describe('warRoomName', () => {
  it('is drill-<number>-<slug> for a drill, within the limit', () => {
    expect(warRoomName(12, 'Checkout latency spike', 80, 1, 'drill')).toBe('drill-12-checkout-latency-spike');
    expect(warRoomName(12, LONG_TITLE, 64, 3, 'drill')).toMatch(/^drill-12-[a-z0-9-]+-3$/);
    expect(warRoomName(12, LONG_TITLE, 64, 3, 'drill').length).toBeLessThanOrEqual(64);
  });

  it('is inc-<number>-<slug>', () => {
    expect(warRoomName(12, 'Checkout latency spike', 80)).toBe('inc-12-checkout-latency-spike');
    expect(warRoomName(3, 'Café Ünïcode Straße', 64)).toBe('inc-3-cafe-unicode-strasse');
  });

  it.each(LIMITS)('fits a long title within %i characters, cut on a word boundary', (max) => {
    const name = warRoomName(1234, LONG_TITLE, max);
    expectValidName(name, max);
    const slug = name.slice('inc-1234-'.length);
    const full = slugify(LONG_TITLE);
    expect(full.startsWith(slug)).toBe(true);
    expect(full[slug.length]).toBe('-');
    expect(name.length).toBeGreaterThan(max - 12);
  });

  it.each(LIMITS)('cuts a title without word breaks at exactly %i characters', (max) => {
    const name = warRoomName(7, 'x'.repeat(200), max);
    expect(name).toHaveLength(max);
    expectValidName(name, max);
  });

  it.each(LIMITS)('gives a taken name a deterministic -2, -3 suffix that still fits %i', (max) => {
    const first = warRoomName(1234, LONG_TITLE, max);
    const second = warRoomName(1234, LONG_TITLE, max, 2);
    const third = warRoomName(1234, LONG_TITLE, max, 3);
    expect(second).toMatch(/-2$/);
    expect(third).toMatch(/-3$/);
    expect(new Set([first, second, third]).size).toBe(3);
    for (const name of [second, third]) expectValidName(name, max);
    expect(warRoomName(1234, LONG_TITLE, max, 2)).toBe(second);
  });

  it('keeps the suffix on short names too', () => {
    expect(warRoomName(5, 'DNS', 80, 2)).toBe('inc-5-dns-2');
  });

  it.each(['', '   ', '🔥🔥🔥', '!!!'])('names an incident with title %j by its number alone', (title) => {
    expect(warRoomName(7, title, 80)).toBe('inc-7');
    expect(warRoomName(7, title, 64, 2)).toBe('inc-7-2');
  });

  it.each([
    'Ünïcode ÉVERYWHERE — ça va?',
    'Straße ß ß ß',
    'ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ',
    'tabs\tand\nnewlines',
    'a-b_c.d/e',
    '数据库 down',
  ])('makes a valid name of %j on both platforms', (title) => {
    for (const max of LIMITS) for (const attempt of [1, 2, 19]) expectValidName(warRoomName(42, title, max, attempt), max);
  });
});
