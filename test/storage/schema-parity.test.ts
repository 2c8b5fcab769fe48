/** The SQLite and PostgreSQL schemas declare the same tables, columns, nullability, keys and indexes. */
import { is } from 'drizzle-orm';
import { getTableConfig as pgConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as pgSchema from '../../src/storage/pg/schema.ts';
import * as sqliteSchema from '../../src/storage/schema.ts';

const sqliteTables = Object.values(sqliteSchema).filter((t) => is(t, SQLiteTable)).map((t) => sqliteConfig(t));
const pgTables = Object.values(pgSchema).filter((t) => is(t, PgTable)).map((t) => pgConfig(t));

const shape = (t: { name: string; columns: { name: string; notNull: boolean; primary: boolean }[]; indexes: { config: { name?: string | undefined } }[] }) => ({
  name: t.name,
  columns: t.columns.map((c) => ({ name: c.name, notNull: c.notNull, primary: c.primary })).sort((a, b) => a.name.localeCompare(b.name)),
  indexes: t.indexes.map((i) => i.config.name ?? '').sort(),
});

describe('schema parity', () => {
  it('declares the same tables with the same columns on both engines', () => {
    expect(sqliteTables.length).toBeGreaterThan(15);
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(pgTables.map(shape).sort(byName)).toEqual(sqliteTables.map(shape).sort(byName));
  });

  it('declares the same composite primary keys', () => {
    const keys = (ts: { name: string; primaryKeys: { columns: { name: string }[] }[] }[]) =>
      Object.fromEntries(ts.map((t) => [t.name, t.primaryKeys.map((k) => k.columns.map((c) => c.name))]));
    expect(keys(pgTables)).toEqual(keys(sqliteTables));
  });

  it('stores epoch milliseconds as bigint on PostgreSQL (int4 ends in 1970 + 24 days)', () => {
    const times = pgTables.flatMap((t) => t.columns.filter((c) => /(_at|_due|_until|^at|^slot)$/.test(c.name)).map((c) => `${t.name}.${c.name}:${c.getSQLType()}`));
    expect(times.length).toBeGreaterThan(30);
    expect(times.filter((t) => !t.endsWith(':bigint'))).toEqual([]);
  });
});
