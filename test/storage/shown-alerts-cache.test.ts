import { describe, expect, it } from 'vitest';
import { ShownAlertsCache } from '../../src/storage/shown-alerts-cache.ts';

const rows = (...fingerprints: string[]) => new Map(fingerprints.map((f) => [f, `row of ${f}`]));

describe('ShownAlertsCache', () => {
  it('gives a group back only while its count of rows is the stored one', () => {
    const cache = new ShownAlertsCache<string>();
    cache.check(1);
    cache.set(7, rows('a', 'b'));
    expect(cache.get(7, 3)).toBeUndefined();
    // A mismatch drops the group: the caller reads it again and sets it.
    expect(cache.get(7, 2)).toBeUndefined();
    cache.set(7, rows('a', 'b'));
    expect([...(cache.get(7, 2)?.keys() ?? [])]).toEqual(['a', 'b']);
  });

  it('forgets everything when another connection committed, or on clear()', () => {
    const cache = new ShownAlertsCache<string>();
    cache.check(1);
    cache.set(7, rows('a'));
    cache.check(1);
    expect(cache.get(7, 1)).toBeDefined();
    cache.check(2);
    expect(cache.get(7, 1)).toBeUndefined();
    cache.set(7, rows('a'));
    cache.clear();
    expect(cache.size).toEqual({ groups: 0, rows: 0 });
  });

  it('keeps what is written to a group it holds, and nothing for a group it does not', () => {
    const cache = new ShownAlertsCache<string>();
    cache.check(1);
    cache.set(7, rows('a'));
    cache.put(7, 'b', 'new b');
    cache.put(8, 'x', 'new x');
    expect(cache.get(7, 2)?.get('b')).toBe('new b');
    expect(cache.get(8, 1)).toBeUndefined();
  });

  it('holds at most maxRows rows, dropping the least recently used groups, and no group larger than maxRowsPerGroup', () => {
    const cache = new ShownAlertsCache<string>(4, 3);
    cache.check(1);
    cache.set(1, rows('a', 'b'));
    cache.set(2, rows('a'));
    expect(cache.get(1, 2)).toBeDefined();
    cache.set(3, rows('a', 'b'));
    // 5 rows: group 2, the least recently used, goes.
    expect(cache.size).toEqual({ groups: 2, rows: 4 });
    expect([cache.get(1, 2) !== undefined, cache.get(2, 1) !== undefined, cache.get(3, 2) !== undefined]).toEqual([true, false, true]);
    cache.set(4, rows('a', 'b', 'c', 'd'));
    expect(cache.get(4, 4)).toBeUndefined();
    // A third row for group 3 makes 5: group 1 goes. A fourth makes group 3 too large to keep.
    cache.put(3, 'c', 'c');
    expect(cache.size).toEqual({ groups: 1, rows: 3 });
    cache.put(3, 'd', 'd');
    expect(cache.get(3, 4)).toBeUndefined();
    expect(cache.size).toEqual({ groups: 0, rows: 0 });
  });
});
