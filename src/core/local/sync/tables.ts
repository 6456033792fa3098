/**
 * The synced tables: central tables mirrored into the local cache by pull (pull.ts), each with its
 * key and its columns. Columns come from the local mirror table's drizzle config (the cache schema
 * is the one list of what is mirrored); the key's Postgres type comes from the central table's.
 *
 * Values travel in COPY's text format and become SQLite values column by column:
 * - `\N` → null;
 * - INTEGER columns: Postgres integer/bigint → BigInt (exact, never through a float), boolean
 *   't'/'f' → 1/0;
 * - TEXT columns: the text as COPY wrote it, escapes undone (uuid, char, jsonb, and timestamptz as
 *   `2026-11-21 09:00:00.123+00`: pull sets TimeZone UTC and DateStyle ISO in its transaction, so
 * the
 *   initial and the incremental pull write byte-identical rows).
 *
 * Every table listed here has the change-log triggers of migration 0004 (test/local/sync/sync-pull.test.ts
 * checks both lists agree, and that each mirror has every central column but the excluded ones).
 */
import { getTableConfig as pgTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import {
  getTableConfig as sqliteTableConfig,
  type SQLiteColumn,
  type SQLiteTable,
} from 'drizzle-orm/sqlite-core';
import * as local from '../../platform/cache/schema.js';
import * as central from '../../platform/central/schema.js';
import { copyField } from '../../platform/central/copy.js';

/** A SQLite value as pull writes it. */
export type SqliteValue = string | bigint | number | null;
export type Converter = (raw: string) => SqliteValue;
/** How a column's COPY text becomes its SQLite value (the `Converter` of that kind). */
export type ColumnKind = 'text' | 'int' | 'bool';

export interface SyncedTable {
  /** The table's name, the same centrally and locally. */
  readonly name: string;
  /** The key column (every synced table has a one-column primary key). */
  readonly key: string;
  /**
   * The key's Postgres type, for `key = ANY('{…}'::type[])` lookups that use the primary key index.
   */
  readonly keyType: string;
  /** The key as change_log.row_key holds it (what the triggers log). */
  readonly keyExpression: string;
  /** Column names, in the mirror's order: the central SELECT list and the SQLite INSERT list. */
  readonly columns: readonly string[];
  /** Index of the key in `columns`. */
  readonly keyIndex: number;
  /** The key is an INTEGER locally (bind it as a bigint). */
  readonly intKey: boolean;
  /** One per column: COPY text field → SQLite value. */
  readonly convert: readonly Converter[];
  /**
   * One per column: which converter that is (the initial pull's loader converts by kind,
   * loader.ts).
   */
  readonly kinds: readonly ColumnKind[];
  /** Central columns deliberately not mirrored. */
  readonly excluded: readonly string[];
  readonly local: SQLiteTable;
  readonly central: PgTable;
}

const text: Converter = (raw) => copyField(raw);
const int: Converter = (raw) => (raw === '\\N' ? null : BigInt(raw));
const bool: Converter = (raw) =>
  raw === '\\N' ? null : raw === 't' ? 1 : raw === 'f' ? 0 : badBool(raw);
function badBool(raw: string): never {
  throw new Error(`not a COPY boolean: ${JSON.stringify(raw)}`);
}

const CONVERTERS: Record<ColumnKind, Converter> = { text, int, bool };

function kindOf(column: SQLiteColumn): ColumnKind {
  if (column.columnType === 'SQLiteBoolean') return 'bool';
  const type = column.getSQLType().toLowerCase();
  if (type === 'integer') return 'int';
  if (type === 'text') return 'text';
  throw new Error(
    `mirror column ${column.name} has type ${type}: only integer and text are mirrored`,
  );
}

function define(
  localTable: SQLiteTable,
  centralTable: PgTable,
  excluded: string[] = [],
): SyncedTable {
  const l = sqliteTableConfig(localTable);
  const c = pgTableConfig(centralTable);
  if (l.name !== c.name) throw new Error(`mirror ${l.name} does not match central ${c.name}`);
  const keys = c.columns.filter((col) => col.primary);
  if (keys.length !== 1)
    throw new Error(`${c.name}: a synced table needs a one-column primary key`);
  const key = keys[0]!;
  const columns = l.columns.map((col) => col.name);
  const keyIndex = columns.indexOf(key.name);
  if (keyIndex < 0) throw new Error(`mirror ${l.name} lacks the key ${key.name}`);
  return {
    name: c.name,
    key: key.name,
    keyType:
      (
        { bigserial: 'bigint', serial: 'integer', smallserial: 'smallint' } as Record<
          string,
          string
        >
      )[key.getSQLType()] ?? key.getSQLType(),
    keyExpression: `"${key.name}"::text`,
    columns,
    keyIndex,
    intKey: l.columns[keyIndex]!.getSQLType().toLowerCase() === 'integer',
    convert: l.columns.map((col) => CONVERTERS[kindOf(col)]),
    kinds: l.columns.map(kindOf),
    excluded,
    local: localTable,
    central: centralTable,
  };
}

/** In an order where a referenced table comes before the tables referencing it. */
export const SYNCED_TABLES: readonly SyncedTable[] = [
  define(local.roles, central.roles),
  define(local.operators, central.operators, ['password_hash']),
  define(local.ipAllowlist, central.ipAllowlist),
  define(local.settings, central.settings),
  define(local.affiliates, central.affiliates),
  define(local.commissionRules, central.commissionRules),
  define(local.commissions, central.commissions),
  define(local.adjustments, central.adjustments),
  define(local.payoutBatches, central.payoutBatches),
  define(local.batchApprovals, central.batchApprovals),
  define(local.payouts, central.payouts),
  define(local.payoutItems, central.payoutItems),
  define(local.providerEvents, central.providerEvents),
  define(local.reconciliationRuns, central.reconciliationRuns),
  define(local.reconciliationResults, central.reconciliationResults),
];

export const SYNCED_BY_NAME: ReadonlyMap<string, SyncedTable> = new Map(
  SYNCED_TABLES.map((t) => [t.name, t]),
);

/** A quoted identifier (names here come from the schema, never from input). */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The central SELECT list for a table's mirror columns. */
export const selectList = (t: SyncedTable) => t.columns.map(ident).join(', ');

/**
 * One COPY text line → the row's SQLite values, in `columns` order: into `out` from `at` when given
 * (a multi-row INSERT's flat parameter array), else into a new array.
 */
export function convertLine(
  t: SyncedTable,
  line: string,
  out: SqliteValue[] = new Array<SqliteValue>(t.convert.length),
  at = 0,
): SqliteValue[] {
  const convert = t.convert;
  const n = convert.length;
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = i === n - 1 ? line.length : line.indexOf('\t', start);
    if (end < 0 || (i === n - 1 && line.indexOf('\t', start) >= 0))
      throw new Error(`${t.name}: a COPY line does not have ${n} fields`);
    out[at + i] = convert[i]!(line.slice(start, end));
    start = end + 1;
  }
  return out;
}

/**
 * Differences between a mirror and its central table: central columns missing locally (except the
 * excluded ones), local columns central lacks, and integer/text type mismatches. Empty when in
 * step.
 */
export function mirrorDrift(t: SyncedTable): string[] {
  const problems: string[] = [];
  const l = new Map(sqliteTableConfig(t.local).columns.map((col) => [col.name, col]));
  const c = new Map(pgTableConfig(t.central).columns.map((col) => [col.name, col]));
  for (const [name, col] of c) {
    if (t.excluded.includes(name)) {
      if (l.has(name)) problems.push(`${t.name}.${name} is excluded but mirrored`);
      continue;
    }
    const mirror = l.get(name);
    if (!mirror) {
      problems.push(`${t.name}.${name} is not mirrored`);
      continue;
    }
    const pgType = col.getSQLType().toLowerCase();
    const want = /^(integer|bigint|smallint|boolean|bigserial|serial)$/.test(pgType)
      ? 'integer'
      : 'text';
    if (mirror.getSQLType().toLowerCase() !== want)
      problems.push(
        `${t.name}.${name}: ${pgType} should be ${want} locally, is ${mirror.getSQLType()}`,
      );
    if ((pgType === 'boolean') !== (mirror.columnType === 'SQLiteBoolean'))
      problems.push(`${t.name}.${name}: boolean mismatch`);
    if (col.notNull !== mirror.notNull) problems.push(`${t.name}.${name}: nullability differs`);
  }
  for (const name of l.keys())
    if (!c.has(name)) problems.push(`${t.name}.${name} is not a central column`);
  return problems;
}
