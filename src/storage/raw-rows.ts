/**
 * Hot reads through plain better-sqlite3 statements, still shaped by the drizzle schema. drizzle's row mapping
 * (mapResultRow with an `is()` check per column) cost ~3.6 ms of CPU for the 800 open incidents behind one
 * `/incident list` in `npm run bench -- ack`; these statements return the same objects for a fraction of that.
 * The select list and the boolean columns are derived from the table, so a schema change cannot leave them behind.
 */
import { getTableColumns, getTableName, type InferSelectModel, type Table } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';

export interface RawRows<T extends SQLiteTable> {
  /** `"snake_name" AS "camelKey", …`, for `SELECT ${columns} FROM …`. */
  readonly columns: string;
  /** One row as better-sqlite3 returns it (aliased by `columns`) -> the row drizzle's select() would return. */
  read(row: unknown): InferSelectModel<T>;
  /** `INSERT INTO <table> (…) VALUES (@key, …)` over every column but `omit`, for a statement bound with bind(). */
  insert(omit: readonly string[]): string;
  /** `UPDATE <table> SET "col" = @key, … WHERE "<whereKey's column>" = @whereKey`, for the given keys only. */
  update(keys: readonly string[], whereKey: string): string;
  /** Named parameters for a row: booleans as 0/1 (better-sqlite3 binds no booleans). */
  bind(values: Record<string, unknown>): Record<string, unknown>;
}

/**
 * Only the column kinds sitroom's hot tables use are supported: integers and text come back from SQLite as they are;
 * `{ mode: 'boolean' }` integers become booleans. Anything else (json, timestamps) throws here, at start-up, rather
 * than being read wrong.
 */
export function rawRows<T extends SQLiteTable>(table: T, alias?: string): RawRows<T> {
  const entries = Object.entries(getTableColumns(table));
  const booleans: string[] = [];
  for (const [key, column] of entries) {
    if (column.dataType === 'boolean') booleans.push(key);
    else if (column.dataType !== 'number' && column.dataType !== 'string') {
      throw new Error(`rawRows: column ${column.name} is ${column.dataType}, which a plain read would not convert`);
    }
  }
  const prefix = alias ? `${alias}.` : '';
  const name = getTableName(table);
  return {
    columns: entries.map(([key, column]) => `${prefix}"${column.name}" AS "${key}"`).join(', '),
    read(row) {
      const r = row as Record<string, unknown>;
      for (const key of booleans) if (r[key] !== null) r[key] = r[key] === 1;
      return r as InferSelectModel<T>;
    },
    insert(omit) {
      const kept = entries.filter(([key]) => !omit.includes(key));
      return `INSERT INTO "${name}" (${kept.map(([, c]) => `"${c.name}"`).join(', ')}) VALUES (${kept.map(([key]) => `@${key}`).join(', ')})`;
    },
    update(keys, whereKey) {
      const column = (key: string) => {
        const found = entries.find(([k]) => k === key);
        if (!found) throw new Error(`rawRows: ${name} has no column for ${key}`);
        return `"${found[1].name}"`;
      };
      return `UPDATE "${name}" SET ${keys.map((key) => `${column(key)} = @${key}`).join(', ')} WHERE ${column(whereKey)} = @${whereKey}`;
    },
    bind(values) {
      const out: Record<string, unknown> = { ...values };
      for (const key of booleans) if (typeof out[key] === 'boolean') out[key] = out[key] ? 1 : 0;
      return out;
    },
  };
}

type ColumnsOf<T extends Table> = T['_']['columns'];
/** A column's value as the driver returns it without drizzle's mapping: JSON stays text, a boolean is 0/1. */
type SqlValue<C> = C extends { _: { dataType: infer D; notNull: infer N; data: infer V } }
  ? (D extends 'json' ? string : D extends 'boolean' ? number : V) | (N extends true ? never : null)
  : never;
/**
 * A row as `SELECT *` returns it through a plain statement: SQL column names (snake_case), values as stored. Derived
 * from the drizzle table, so the schema stays the one source of row types even where drizzle's mapping is skipped.
 */
export type SqlRow<T extends Table> = { [K in keyof ColumnsOf<T> as ColumnsOf<T>[K]['_']['name']]: SqlValue<ColumnsOf<T>[K]> };
