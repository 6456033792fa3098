/**
 * Reading a tabular report for a file, in one snapshot of the ledger, a page of rows at a time
 * (export-file.ts writes them). Each store is read its fastest way:
 *
 * - PostgreSQL: `COPY (query) TO STDOUT`, streamed with backpressure, in one REPEATABLE READ
 *   transaction (the export has a connection of its own); the rows are counted first, for progress.
 * - PGlite, a report with keys and change-logged sources: keyset chunks through COPY, each chunk
 *   its
 *   own short transaction so that other calls run between them on the one connection; every chunk
 *   checks the change log, so the chunks are one snapshot or the read fails with SnapshotLost.
 * - PGlite, a report with keys only: the same keyset chunks inside one transaction.
 * - PGlite, otherwise: a server-side cursor inside one transaction.
 */
import { sql, type SQL } from 'drizzle-orm';
import { changedSince, snapshotXmin } from '../../platform/central/changes.js';
import { copyField, copyOutChunks, copyOutText, inlineQuery } from '../../platform/central/copy.js';
import { rows, type CentralStore, type CentralTx } from '../../platform/central/store.js';
import type { Filters, FilterSpec } from './filters.js';

/** A report that can be written to a file. */
export interface TabularReport {
  /** The name the CLI uses (`treasury export <name>`). */
  readonly name: string;
  /** The audit action of a finished export. */
  readonly action: string;
  readonly spec: FilterSpec;
  /** Columns in file order; the queries return exactly these (as text or null). */
  readonly columns: readonly string[];
  /**
   * Amount columns (minor units in the query, decimal in the file) → the column naming their
   * currency.
   */
  readonly amounts: Readonly<Record<string, string>>;
  /** A column whose values split the totals too (a status, an entry type). */
  readonly groupBy?: string;
  /**
   * The queries end with this many hidden columns `_k1…`: the rows' unique order, its first column
   * indexed. PGlite then reads the report in keyset chunks through COPY (see readReport).
   */
  readonly keys?: number;
  /**
   * The change-logged tables (change_log `tbl`) the queries read. With keys and sources, PGlite
   * reads the report in slices, each its own short transaction, and checks that none of these
   * tables changed since the first slice's snapshot (see readBySlices); without, in one snapshot.
   */
  readonly sources?: readonly string[];
  /** Read in this order (see readReport); each ordered so that the file is deterministic. */
  queries(filters: Filters): SQL[];
}

/** One row's cells in column order (text, or null), then its hidden keys while being read. */
export type Cells = (string | null)[];

const CURSOR = 'treasury_export';

/**
 * Rows per COPY on PGlite: large enough that a statement's start-up is small beside its rows, small
 * enough that a console call waits for one chunk only (about 60 ms at 25,000 commissions).
 */
export const KEYSET_CHUNK = 25_000;

/** A sliced read checks its snapshot every this many chunks, and always in the last. */
const CHECK_EVERY = 8;

/** The query's rows after the key `after` (cells of _k1…), in key order, at most `limit`. */
function keysetChunk(query: SQL, keys: number, after: Cells | null, limit: number): SQL {
  const k = (i: number) => sql.raw(`q._k${i + 1}`);
  const order = sql.join(
    Array.from({ length: keys }, (_, i) => k(i)),
    sql`, `,
  );
  // (k1, k2) > (a, b) written so that the first key alone can use its index: k1 >= a AND (k1 > a OR
  // k2 > b).
  const after_ = (i: number): SQL =>
    i === keys - 1
      ? sql`${k(i)} > ${after![i]}`
      : sql`${k(i)} >= ${after![i]} AND (${k(i)} > ${after![i]} OR ${after_(i + 1)})`;
  return sql`SELECT * FROM (${query}) q ${after ? sql`WHERE ${after_(0)}` : sql``} ORDER BY ${order} LIMIT ${sql.raw(String(limit))}`;
}

/** One COPY text-format line as cells. */
function cellsOf(line: string, width: number, report: TabularReport): Cells {
  const raw = line.split('\t');
  if (raw.length !== width)
    throw new Error(`the ${report.name} query returned ${raw.length} columns, not ${width}`);
  for (let c = 0; c < width; c++) raw[c] = copyField(raw[c]!) as string;
  return raw;
}

/** What the three readers share: the query, the report's shape, and where pages go. */
interface Reading {
  tx: CentralTx;
  query: SQL;
  report: TabularReport;
  /** Columns in each row as read: the report's, then its hidden keys. */
  width: number;
  pageSize: number;
  onPage: (page: Cells[]) => Promise<void>;
}

/** The report's columns of a row as read (its hidden keys dropped, in place). */
function visible(r: Pick<Reading, 'report'>, cells: Cells): Cells {
  cells.length = r.report.columns.length;
  return cells;
}

/**
 * Postgres: COPY TO STDOUT, streamed with backpressure; each batch of lines (about pageSize rows of
 * ~150 bytes) is a page.
 */
async function readByCopy(r: Reading): Promise<void> {
  await copyOutChunks(
    r.tx,
    inlineQuery(r.tx, r.query),
    (lines) => {
      const page: Cells[] = new Array(lines.length);
      for (let i = 0; i < lines.length; i++)
        page[i] = visible(r, cellsOf(lines[i]!, r.width, r.report));
      return r.onPage(page);
    },
    { batchBytes: Math.max(1 << 14, r.pageSize * 160) },
  );
}

/** Copies one keyset chunk (a whole query, at most `limit` rows) and returns COPY's text output. */
type CopyChunk = (query: SQL, limit: number) => Promise<string>;

/** PGlite, a report with keys: COPY of one keyset chunk after another, each split into pages. */
async function readByKeyset(
  r: Omit<Reading, 'tx'>,
  keys: number,
  chunkRows: number,
  copyChunk: CopyChunk,
): Promise<void> {
  let after: Cells | null = null;
  for (;;) {
    const text = await copyChunk(keysetChunk(r.query, keys, after, chunkRows), chunkRows);
    if (text === '') return;
    const chunk = (text.endsWith('\n') ? text.slice(0, -1) : text)
      .split('\n')
      .map((line) => cellsOf(line, r.width, r.report));
    after = chunk[chunk.length - 1]!.slice(r.report.columns.length);
    for (let at = 0; at < chunk.length; at += r.pageSize)
      await r.onPage(chunk.slice(at, at + r.pageSize).map((cells) => visible(r, cells)));
    if (chunk.length < chunkRows) return;
  }
}

/**
 * The report's rows, counted in the read's snapshot (for progress: done of total, and the time
 * left). On PostgreSQL a count is a small part of the export (measured: 1M rows, export 1.31× the
 * COPY floor with it); the embedded store reads in slices without one (readBySlices).
 */
async function countRows(tx: CentralTx, report: TabularReport, filters: Filters): Promise<number> {
  let total = 0;
  for (const query of report.queries(filters))
    total += Number(
      (await rows<{ n: string }>(tx, sql`SELECT count(*)::text AS n FROM (${query}) q`))[0]!.n,
    );
  return total;
}

/**
 * A sliced read found that its sources changed after its first slice: the slices are not one
 * snapshot.
 */
export class SnapshotLost extends Error {}

/**
 * PGlite, a report with keys and sources: each keyset chunk is copied in its own short read-only
 * transaction, so the embedded store's one connection is free between chunks and the console's
 * calls run there instead of waiting for the whole export. The slices still make one snapshot:
 * the first fixes an xmin, and every slice checks, inside its own snapshot, that none of the
 * report's source tables was written at or above it (central/changes.ts). If one was (a calc or a
 * payment ran meanwhile), SnapshotLost: the caller starts again in one snapshot.
 */
async function readBySlices(
  store: CentralStore,
  report: TabularReport,
  filters: Filters,
  pageSize: number,
  onPage: Reading['onPage'],
  chunkRows: number,
): Promise<void> {
  const keys = report.keys!;
  const sources = report.sources!;
  // No count here: on the embedded store it costs a fifth of the export in one statement that holds
  // the connection (the reports' joins stay in a count), so progress is rows written, without a
  // total.
  const xmin = await store.db.transaction((tx) => snapshotXmin(tx), {
    isolationLevel: 'repeatable read',
    accessMode: 'read only',
  });
  let chunks = 0;
  const copyChunk: CopyChunk = async (query, limit) => {
    await store.lanes.quiet(); // the console's calls first (central/lanes.ts)
    return store.db.transaction(
      async (tx) => {
        const text = await copyOutText(tx, inlineQuery(tx, query));
        // The last chunk's snapshot is the newest: nothing written since the first means every
        // chunk read the same ledger. The checks between only stop a lost read sooner.
        const last = lineCount(text) < limit;
        if ((last || ++chunks % CHECK_EVERY === 0) && (await changedSince(tx, xmin, sources))) {
          throw new SnapshotLost(`${report.name}: ${sources.join(', ')} changed during the export`);
        }
        return text;
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
  };
  for (const query of report.queries(filters)) {
    await readByKeyset(
      { query, report, width: report.columns.length + keys, pageSize, onPage },
      keys,
      chunkRows,
      copyChunk,
    );
  }
}

/** Lines in COPY's text output (each ends with a newline). */
function lineCount(text: string): number {
  let n = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) n++;
  return n;
}

/**
 * PGlite, otherwise: a server-side cursor, one page ahead (the next page fetched while one is
 * written).
 */
async function readByCursor(r: Reading): Promise<void> {
  const fetchPage = () => {
    const p = rows<Record<string, string | null>>(
      r.tx,
      sql`FETCH FORWARD ${sql.raw(String(r.pageSize))} FROM ${sql.raw(CURSOR)}`,
    );
    p.catch(() => {}); // awaited below; never an unhandled rejection while a page is being written
    return p;
  };
  const columns = r.report.columns;
  await r.tx.execute(sql`DECLARE ${sql.raw(CURSOR)} NO SCROLL CURSOR FOR ${r.query}`);
  let next = fetchPage();
  for (;;) {
    const page = await next;
    const more = page.length === r.pageSize;
    if (more) next = fetchPage();
    if (page.length > 0) {
      const names = Object.keys(page[0]!);
      if (names.length !== r.width || columns.some((k, i) => k !== names[i]))
        throw new Error(
          `the ${r.report.name} query returned columns ${names.join(',')}, not ${columns.join(',')}`,
        );
      await r.onPage(page.map((row) => visible(r, Object.values(row))));
    }
    if (!more) break;
  }
  await r.tx.execute(sql`CLOSE ${sql.raw(CURSOR)}`);
}

/**
 * Every row of the report's queries as cells in column order, a page at a time, inside one
 * read-only snapshot. `onPage` is awaited before more is read.
 *
 * - Postgres: `COPY (query) TO STDOUT`, streamed with backpressure (central/copy.ts) — the
 *   database's own fastest way out.
 * - PGlite, a report with keys: COPY can only fill an in-memory blob there, so the report is
 *   copied in keyset chunks of KEYSET_CHUNK rows (each chunk one index range scan): flat memory at
 *   COPY's speed, without PGlite's per-row protocol decoding.
 * - PGlite, otherwise: a server-side cursor.
 *
 * On PGlite a report with sources is read in slices (readBySlices) unless `oneSnapshot`.
 */
export interface ReadOptions {
  pageSize: number;
  /** PGlite, reports with keys: rows per COPY chunk (default KEYSET_CHUNK). */
  chunkRows?: number | undefined;
  /** Read in one snapshot transaction even where slices would do (after SnapshotLost). */
  oneSnapshot?: boolean | undefined;
  /** The number of rows the read will give, where counted (PostgreSQL), before the first page. */
  onTotal?: ((n: number) => void) | undefined;
}

export async function readReport(
  store: CentralStore,
  report: TabularReport,
  filters: Filters,
  onPage: (page: Cells[]) => Promise<void>,
  options: ReadOptions,
): Promise<void> {
  const { pageSize, chunkRows = KEYSET_CHUNK, oneSnapshot = false, onTotal } = options;
  const keys = report.keys ?? 0;
  if (store.kind === 'pglite' && keys > 0 && report.sources && !oneSnapshot)
    return readBySlices(store, report, filters, pageSize, onPage, chunkRows);
  await store.db.transaction(
    async (tx) => {
      if (store.kind === 'postgres' && onTotal) onTotal(await countRows(tx, report, filters));
      for (const query of report.queries(filters)) {
        const reading: Reading = {
          tx,
          query,
          report,
          width: report.columns.length + keys,
          pageSize,
          onPage,
        };
        if (store.kind === 'postgres') await readByCopy(reading);
        else if (keys > 0)
          await readByKeyset(reading, keys, chunkRows, (q) => copyOutText(tx, inlineQuery(tx, q)));
        else await readByCursor(reading);
      }
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}
