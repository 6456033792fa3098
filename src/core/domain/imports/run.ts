/**
 * Runs a CSV import, whole per file.
 * Pass 1 streams the file and validates every record (nothing kept but problems and ids), then the
 * references are checked set-based; it writes nothing and holds no transaction. Any problem →
 * nothing is written and every problem is reported with file, line and field. Pass 2 streams the
 * file again and upserts it in chunks (central/chunks.ts): on PostgreSQL in one transaction; on the
 * embedded store one short transaction per chunk, the console's calls answered between them — there
 * the import completes once its first chunk is in (a cancel is refused from then on), and importing
 * the same file again after an interruption completes it (rows already in count as unchanged). The
 * file's SHA-256 must be the same in both passes.
 */
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { writeInChunks } from '../../platform/central/chunks.js';
import { rows, type CentralStore, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError, type Problem } from '../../shared/errors.js';
import {
  columnCountProblem,
  CsvHeaderError,
  ProblemList,
  readCsv,
  type CsvColumns,
  type CsvRecord,
} from './csv.js';
import {
  AFFILIATE_COLUMNS,
  compareAffiliates,
  parseAffiliate,
  upsertAffiliates,
  type AffiliateRow,
} from './affiliates.js';
import { compactReportAggregates } from '../reports/aggregates.js';
import {
  compareConversions,
  CONVERSION_COLUMNS,
  parseConversion,
  upsertConversions,
  type ConversionRow,
} from './conversions.js';

export interface ImportSummary {
  file: string;
  sha256: string;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface ImportKind<Row extends { id: string }> {
  columns: CsvColumns;
  parse(file: string, rec: CsvRecord, report: (p: Problem) => void): Row | null;
  upsert(
    tx: CentralTx,
    chunk: readonly Row[],
    file: string,
  ): Promise<{ inserted: number; updated: number }>;
  /** What `upsert` would do, without writing (the dry run, check.ts). */
  compare(
    tx: CentralTx,
    chunk: readonly Row[],
    file: string,
  ): Promise<{ inserted: number; updated: number; problems: Problem[] }>;
  /** Affiliate ids each row refers to, checked against the store after pass 1. */
  affiliateOf?(row: Row): string;
}

export const KINDS = {
  affiliates: {
    columns: AFFILIATE_COLUMNS,
    parse: parseAffiliate,
    upsert: upsertAffiliates,
    compare: compareAffiliates,
  } satisfies ImportKind<AffiliateRow>,
  conversions: {
    columns: CONVERSION_COLUMNS,
    parse: parseConversion,
    upsert: upsertConversions,
    compare: compareConversions,
    affiliateOf: (r: ConversionRow) => r.affiliateId,
  } satisfies ImportKind<ConversionRow>,
};
export type ImportKindName = keyof typeof KINDS;

export const CHUNK = 5000;

/**
 * What an import reports as it goes; `cancellable: false` once it has begun committing for good.
 */
export type ImportProgress = (p: {
  phase: 'validating' | 'writing';
  done: number;
  total?: number;
  cancellable?: false;
}) => void;

export async function importCsv(
  store: CentralStore,
  kindName: ImportKindName,
  file: string,
  options: {
    progress?: ImportProgress;
    /** The SHA-256 the file had when it was checked: a file changed since is refused. */
    sha256?: string;
    record(tx: CentralTx, summary: ImportSummary): Promise<void>;
  },
): Promise<ImportSummary> {
  const kind = KINDS[kindName] as ImportKind<{ id: string }>;
  const label = path.basename(file);
  const progress = options.progress ?? (() => {});
  const first = await validate(store, kind, { file, label, progress });
  if (!first.problems.empty) throw invalid(label, first.problems.items, first.problems.total);
  // The file the operator checked (the console's dry run) is the one imported, or nothing is.
  if (options.sha256 !== undefined && options.sha256 !== first.sha256)
    throw new TreasuryError(
      'CONFLICT',
      `${label} changed since it was checked; nothing was imported: check it again`,
    );
  const second: { sha256?: string } = {};
  const counts = { inserted: 0, updated: 0, written: 0 };
  return writeInChunks(store, chunksOf(kind, file, label, second), {
    write: async (tx, chunk) => {
      const r = await kind.upsert(tx, chunk, label);
      counts.inserted += r.inserted;
      counts.updated += r.updated;
      counts.written += chunk.length;
      progress({ phase: 'writing', done: counts.written, total: first.rows });
    },
    committing: () =>
      progress({ phase: 'writing', done: 0, total: first.rows, cancellable: false }),
    finish: async (tx) => {
      if (second.sha256 !== first.sha256 || counts.written !== first.rows)
        throw changed(store, label);
      // Each chunk appended report deltas for the affiliates it touched (rows in file order touch
      // many).
      if (counts.written > 0) await compactReportAggregates(tx);
      const summary = {
        file: label,
        sha256: first.sha256!,
        rows: first.rows,
        inserted: counts.inserted,
        updated: counts.updated,
        unchanged: first.rows - counts.inserted - counts.updated,
      };
      await options.record(tx, summary);
      return summary;
    },
  });
}

/** What pass 1 keeps while it reads: the ids seen and the affiliates referred to, with lines. */
interface PassOne {
  readonly problems: ProblemList;
  /** id → first line */
  readonly seen: Map<string, number>;
  /** affiliate id → first line referring to it */
  readonly references: Map<string, number>;
}

/**
 * One record: its shape, its fields, its id once in the file, the affiliate it refers to. The row
 * when it has no problem of its own.
 */
function checkRecord(
  kind: ImportKind<{ id: string }>,
  label: string,
  rec: CsvRecord,
  pass: PassOne,
): { id: string } | null {
  const { problems, seen, references } = pass;
  // A row with too few or too many fields has its values under the wrong columns: report that
  // alone (per-field messages would be misleading) and never accept it with fields dropped.
  const shape = columnCountProblem(label, rec, Object.keys(rec.values).length - 1);
  if (shape) {
    problems.add(shape);
    return null;
  }
  const row = kind.parse(label, rec, (p) => problems.add(p));
  if (!row) return null;
  if (kind.affiliateOf) {
    const a = kind.affiliateOf(row);
    if (!references.has(a)) references.set(a, rec.line);
  }
  const dup = seen.get(row.id);
  if (dup === undefined) {
    seen.set(row.id, rec.line);
    return row;
  }
  problems.add({
    file: label,
    line: rec.line,
    field: 'id',
    message: `id "${row.id}" already appears on line ${dup}`,
  });
  return null;
}

/** A file that could not be read through: a bad header, a missing file, or the error itself. */
function unreadable(error: unknown, file: string, label: string): unknown {
  if (error instanceof CsvHeaderError) {
    // Same file label as the row problems (readCsv only knows the full path).
    const items = error.problems.map((p) => ({ ...p, file: label }));
    return invalid(label, items, items.length);
  }
  if ((error as NodeJS.ErrnoException).code === 'ENOENT')
    return new TreasuryError('VALIDATION', `file not found: ${file}`, [
      { file, message: 'not found' },
    ]);
  return error;
}

/**
 * Every affiliate referred to must exist, checked in one query. Affiliates are never deleted: one
 * that exists now still exists when the rows are written.
 */
async function checkReferences(
  store: CentralStore,
  label: string,
  references: ReadonlyMap<string, number>,
  problems: ProblemList,
): Promise<void> {
  if (references.size === 0) return;
  const ids = JSON.stringify([...references.keys()]);
  const known = await rows<{ id: string }>(
    store.db,
    sql`SELECT id FROM affiliates WHERE id IN (SELECT json_array_elements_text(${ids}::json))`,
  );
  const knownIds = new Set(known.map((r) => r.id));
  for (const [id, line] of references) {
    if (!knownIds.has(id))
      problems.add({
        file: label,
        line,
        field: 'affiliate_id',
        message: `affiliate "${id}" does not exist (import affiliates first); first referred to here`,
      });
  }
}

/** What pass 1 reads, and what it tells as it goes. */
export interface PassOneInput {
  file: string;
  /** The file's name as problems give it. */
  label: string;
  progress: ImportProgress;
  /** Problems kept in full (the rest are counted): the CLI's error keeps 200, the dry run more. */
  keep?: number;
  /** Each row without a problem of its own, in file order (the dry run compares them). */
  row?(row: { id: string }, line: number): Promise<void> | void;
  /** How often (rows) progress is reported. */
  every?: number;
}

/**
 * Pass 1: every record checked, then the affiliates referred to; nothing written, no transaction
 * held. Its problems are returned (the caller decides: the import refuses, the dry run shows them).
 */
export async function validate(
  store: CentralStore,
  kind: ImportKind<{ id: string }>,
  input: PassOneInput,
): Promise<{ rows: number; sha256: string | undefined; problems: ProblemList }> {
  const { file, label, progress } = input;
  const every = input.every ?? 50_000;
  const pass: PassOne = {
    problems: new ProblemList(input.keep),
    seen: new Map(),
    references: new Map(),
  };
  const first: { sha256?: string } = {};
  let count = 0;
  try {
    for await (const rec of readCsv(file, kind.columns, first)) {
      if (++count % every === 0) progress({ phase: 'validating', done: count });
      const row = checkRecord(kind, label, rec, pass);
      if (row && input.row) await input.row(row, rec.line);
    }
  } catch (error) {
    throw unreadable(error, file, label);
  }
  pass.seen.clear();
  await checkReferences(store, label, pass.references, pass.problems);
  progress({ phase: 'validating', done: count, total: count });
  return { rows: count, sha256: first.sha256, problems: pass.problems };
}

/**
 * Pass 2's chunks: the file read again, each record parsed as in pass 1 (a difference means the
 * file changed).
 */
async function* chunksOf(
  kind: ImportKind<{ id: string }>,
  file: string,
  label: string,
  second: { sha256?: string },
): AsyncGenerator<{ id: string }[]> {
  let chunk: { id: string }[] = [];
  for await (const rec of readCsv(file, kind.columns, second)) {
    const row = kind.parse(label, rec, () => {
      throw new TreasuryError('CONFLICT', `${label} changed while it was being imported`);
    });
    chunk.push(row!);
    if (chunk.length === CHUNK) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
}

/**
 * The file changed between the passes: on PostgreSQL nothing was kept; on the embedded store what
 * was read before is in.
 */
function changed(store: CentralStore, label: string): TreasuryError {
  return new TreasuryError(
    'CONFLICT',
    store.kind === 'postgres'
      ? `${label} changed while it was being imported; nothing was written`
      : `${label} changed while it was being imported; the rows read before the change are in, each whole: import the file again`,
  );
}

export function invalid(file: string, items: Problem[], total: number): TreasuryError {
  const more = total > items.length ? ` (showing the first ${items.length} of ${total})` : '';
  return new TreasuryError(
    'CSV_INVALID',
    `${file}: ${total} problem${total === 1 ? '' : 's'}, nothing was imported${more}`,
    items,
  );
}
