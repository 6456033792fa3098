/**
 * Writing a tabular report to a file, for accounting: CSV (RFC 4180 through papaparse) or JSON with
 * metadata. One engine for every report (each report's file defines its TabularReport: payouts.ts,
 * commissions.ts, payout-items.ts, audit-log.ts, journal.ts).
 *
 * - **One snapshot, flat memory.** The report is read in one snapshot of the ledger, a page at a
 *   time (read-report.ts: each store its fastest way); each page is written (and awaited) before
 *   the next is read. Memory holds one page whatever the size. If the embedded store's sliced read
 *   finds the ledger changed under it, the export starts again in one snapshot.
 * - **Exact amounts.** Queries return amounts as integer minor units; they are summed as bigint and
 *   written as exact decimal strings in major units (formatAmount: digits, one '.', an optional
 *   leading '-'). A reader gets the minor units back with parseAmount, exactly.
 * - **Safe to open.** CSV text cells that a spreadsheet would run as a formula (starting with
 *   = + - @ tab or CR) get a leading single quote. Amount cells are not touched: we write them
 *   ourselves, so they can hold only a number, and a negative amount (a clawback) must stay a
 * number.
 *   An optional UTF-8 BOM makes spreadsheets read the file as UTF-8. JSON is not neutralised: it is
 *   data for programs, and altering values would corrupt it.
 * - **Whole or nothing.** The file is written to `<out>.<random>.partial` (created exclusively) and
 *   moved into place only when complete, synced and audited (without overwrite by a hard link,
 * which
 *   never replaces a file); on any error (a full disk, a lost connection) the partial file is
 * removed,
 *   so a file at `<out>` is always a whole export, and an export nobody can account for never
 * exists.
 * - **Checksums.** The file's SHA-256 is returned and audited. JSON metadata also carries `sha256`
 *   over the rows: each row as JSON (keys in column order, values as written) followed by "\n", in
 *   file order — a reader recomputes it from the parsed rows.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import {
  appendAudit,
  type AuditContext,
  type AuditEntry,
} from '../../platform/kernel/audit-chain.js';
import { Sink, checkTarget, place, placeError } from '../../platform/files/whole-file.js';
import type { CentralStore, CentralTx } from '../../platform/central/store.js';
import { formatAmount } from '../../shared/money/index.js';
import { exportHits, recordEvent } from '../security/rules.js';
import { appVersion } from '../../platform/files/resources.js';
import { resolveFilters, type FilterEcho, type FilterInput, type Filters } from './filters.js';
import {
  KEYSET_CHUNK,
  readReport,
  SnapshotLost,
  type Cells,
  type TabularReport,
} from './read-report.js';

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: ExportFormat;
  out: string;
  filters: FilterInput;
  overwrite?: boolean | undefined;
  /** Start a CSV with a UTF-8 byte order mark (for spreadsheets). */
  bom?: boolean | undefined;
  generatedBy: { operatorId: string | null; username: string | null };
  audit: Omit<AuditContext, 'operatorId' | 'decision' | 'at'>;
  pageSize?: number | undefined;
  /** PGlite, reports with keys: rows per COPY chunk (default KEYSET_CHUNK). */
  chunkRows?: number | undefined;
  /**
   * Opens a partial file for writing (default: created exclusively, owner-only). Tests put a full
   * disk here.
   */
  openPartial?: ((file: string) => Promise<FileHandle>) | undefined;
  /**
   * Called after each page with the rows written so far and the rows the export will write
   * (counted first, in its snapshot; null where not counted); throwing aborts the export (and
   * removes the partial file).
   */
  onProgress?: ((rowsWritten: number, total: number | null) => void) | undefined;
  now?: (() => Date) | undefined;
}

/** The exact sum of one amount column in one currency (and one group, when the report groups). */
export type ExportTotal = {
  column: string;
  currency: string;
  /**
   * null: the column's total in that currency; otherwise the total of the rows with this group
   * value.
   */
  group: string | null;
  rows: number;
  amount: string;
};

export interface ExportResult {
  report: string;
  file: string;
  format: ExportFormat;
  rowCount: number;
  totals: ExportTotal[];
  /** JSON: the rows' checksum (as in the metadata); CSV: null (the file's checksum is the one). */
  sha256: string | null;
  fileSha256: string;
  bytes: number;
}

/**
 * RFC 4180, quoting as papaparse does: a field holding a quote, a comma, CR, LF or a byte order
 * mark, or starting or ending with a space, is enclosed in quotes with its quotes doubled. Written
 * here rather than through Papa.unparse: on the export's hot path papaparse's per-field checks were
 * a third of a million-row export's CPU (bench:export, profiled); the tests read every export back
 * with papaparse.
 */
const QUOTE_NEEDED = /[",\r\n\uFEFF]|^ | $/;

export function csvField(value: string): string {
  return QUOTE_NEEDED.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * One CSV record: amount cells as written (a number, its sign kept), text cells neutralised and
 * quoted.
 */
function csvRecord(
  cells: readonly (string | null | undefined)[],
  width: number,
  isAmount: readonly boolean[],
): string {
  let line = '';
  for (let c = 0; c < width; c++) {
    if (c > 0) line += ',';
    const v = cells[c];
    if (v === null || v === undefined) continue;
    line += isAmount[c] ? v : csvField(neutraliseCell(v));
  }
  return line;
}

/** = + - @ tab CR: what a spreadsheet takes as the start of a formula. */
const FORMULA_START = new Set([0x3d, 0x2b, 0x2d, 0x40, 0x09, 0x0d]);

/** A text cell as a spreadsheet will not execute it. */
export function neutraliseCell(value: string): string {
  return FORMULA_START.has(value.charCodeAt(0)) ? `'${value}` : value;
}

interface Sum {
  column: string;
  currency: string;
  group: string | null;
  rows: number;
  sum: bigint;
}

/**
 * Sums per amount column, currency and group, as bigint (map lookups only on the hot path, no key
 * strings).
 */
class Totals {
  /** column → currency → [the whole currency's sum, and its sums per group]. */
  private readonly byColumn = new Map<
    string,
    Map<string, { whole: Sum; groups: Map<string, Sum> }>
  >();
  add(column: string, currency: string, group: string | null, minor: bigint): void {
    let byCurrency = this.byColumn.get(column);
    if (!byCurrency) this.byColumn.set(column, (byCurrency = new Map()));
    let sums = byCurrency.get(currency);
    if (!sums)
      byCurrency.set(
        currency,
        (sums = { whole: { column, currency, group: null, rows: 0, sum: 0n }, groups: new Map() }),
      );
    sums.whole.rows++;
    sums.whole.sum += minor;
    if (group === null) return;
    let part = sums.groups.get(group);
    if (!part) sums.groups.set(group, (part = { column, currency, group, rows: 0, sum: 0n }));
    part.rows++;
    part.sum += minor;
  }
  list(columns: readonly string[]): ExportTotal[] {
    const all: Sum[] = [];
    for (const byCurrency of this.byColumn.values())
      for (const { whole, groups } of byCurrency.values()) all.push(whole, ...groups.values());
    return all
      .sort(
        (a, b) =>
          columns.indexOf(a.column) - columns.indexOf(b.column) ||
          a.currency.localeCompare(b.currency) ||
          (a.group === null ? -1 : b.group === null ? 1 : a.group.localeCompare(b.group)),
      )
      .map((t) => ({
        column: t.column,
        currency: t.currency,
        group: t.group,
        rows: t.rows,
        amount: formatAmount(t.sum, t.currency),
      }));
  }
}

/** Resolves the filters (clear errors for bad ones), then writes the file. */
export async function exportReport(
  store: CentralStore,
  report: TabularReport,
  options: ExportOptions,
): Promise<ExportResult> {
  const file = checkTarget(options.out, options.overwrite ?? false);
  const { filters, echo } = await resolveFilters(store.db, report.spec, options.filters);
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeReport(store, report, file, filters, echo, options, false);
    } catch (error) {
      if (!(error instanceof SnapshotLost)) throw error;
      // The partial file is gone (writeReport cleans up). A calculation writing in slices changed
      // the ledger: once it has ended, the slices are tried again (the store stays free meanwhile).
      options.onProgress?.(0, null);
      if (attempt < 3 && store.lanes.busyWriting()) {
        await store.lanes.writersIdle();
        continue;
      }
      // Again, in one snapshot this time: it holds the embedded store until it ends, but it always
      // ends, and the file is one moment's ledger.
      return writeReport(store, report, file, filters, echo, options, true);
    }
  }
}

/** Where a report's amounts and groups are among its columns (checked once per export). */
interface Layout {
  columns: readonly string[];
  /** Per column: the index of the column naming its currency (-1: not an amount). */
  amountCurrency: number[];
  amountColumns: number[];
  isAmount: boolean[];
  groupIndex: number;
}

function layoutOf(report: TabularReport): Layout {
  const columns = report.columns;
  const amountCurrency = columns.map((c) =>
    report.amounts[c] ? columns.indexOf(report.amounts[c]) : -1,
  );
  for (const [column, currency] of Object.entries(report.amounts)) {
    if (!columns.includes(column) || !columns.includes(currency))
      throw new Error(
        `${report.name}: amount column ${column} or its currency column ${currency} is not among the columns`,
      );
  }
  return {
    columns,
    amountCurrency,
    amountColumns: columns.flatMap((_, c) => (amountCurrency[c]! >= 0 ? [c] : [])),
    isAmount: amountCurrency.map((i) => i >= 0),
    groupIndex: report.groupBy ? columns.indexOf(report.groupBy) : -1,
  };
}

/**
 * Sums a page's amounts (per column, currency and group) and writes them as exact decimals. The
 * page's arrays are ours: cells are replaced in place (no second copy of a page).
 */
function formatAmounts(page: Cells[], layout: Layout, totals: Totals): void {
  for (const cells of page) {
    const groupValue = layout.groupIndex < 0 ? null : (cells[layout.groupIndex] ?? '');
    for (const c of layout.amountColumns) {
      const value = cells[c];
      if (value === null || value === undefined) continue;
      const currency = cells[layout.amountCurrency[c]!]!;
      const minor = BigInt(value);
      totals.add(layout.columns[c]!, currency, groupValue, minor);
      cells[c] = formatAmount(minor, currency);
    }
  }
}

function csvPage(page: Cells[], layout: Layout): string {
  let text = '';
  for (const cells of page)
    text += csvRecord(cells, layout.columns.length, layout.isAmount) + '\r\n';
  return text;
}

/** A page of JSON rows, each added to the rows' checksum; `first`: the file's first page. */
function jsonPage(page: Cells[], columns: readonly string[], rowsHash: Hash, first: boolean) {
  let text = '';
  for (const cells of page) {
    const row: Record<string, string | null> = {};
    for (let c = 0; c < columns.length; c++) row[columns[c]!] = cells[c] ?? null;
    const json = JSON.stringify(row);
    rowsHash.update(json + '\n', 'utf8');
    text += (first && text === '' ? '' : ',\n') + json;
  }
  return text;
}

/** One export being written: what it reads, where it writes, and what it has summed. */
interface Writing {
  store: CentralStore;
  report: TabularReport;
  file: string;
  filters: Filters;
  echo: FilterEcho;
  options: ExportOptions;
  oneSnapshot: boolean;
  /** Our own names beside the target (see writeReport). */
  partial: string;
  /** JSON only: the rows, until the metadata (which leads) is known. */
  rowsFile: string;
  openPartial: (file: string) => Promise<FileHandle>;
  pageSize: number;
  now: Date;
  layout: Layout;
  totals: Totals;
  rowsHash: Hash;
}

/**
 * Reads the report a page at a time into the partial file (CSV) or the rows file (JSON), summing
 * as it goes. Returns the rows written and the file's checksum and size (CSV: the whole file).
 */
async function writeRows(
  w: Writing,
): Promise<{ rowCount: number; fileSha256: string; bytes: number }> {
  const csv = w.options.format === 'csv';
  const { columns } = w.layout;
  let rowCount = 0;
  let total: number | null = null;
  const sink = await Sink.open(csv ? w.partial : w.rowsFile, w.file, w.openPartial);
  try {
    if (csv)
      await sink.write((w.options.bom ? '\uFEFF' : '') + columns.map(csvField).join(',') + '\r\n');
    const onPage = async (page: Cells[]) => {
      formatAmounts(page, w.layout, w.totals);
      await sink.write(
        csv ? csvPage(page, w.layout) : jsonPage(page, columns, w.rowsHash, rowCount === 0),
      );
      rowCount += page.length;
      w.options.onProgress?.(rowCount, total);
    };
    await readReport(w.store, w.report, w.filters, onPage, {
      pageSize: w.pageSize,
      chunkRows: w.options.chunkRows,
      oneSnapshot: w.oneSnapshot,
      onTotal: (n) => {
        total = n;
        w.options.onProgress?.(0, total);
      },
    });
    await sink.sync();
  } finally {
    await sink.close();
  }
  return { rowCount, fileSha256: sink.hash.digest('hex'), bytes: sink.bytes };
}

/**
 * JSON: the partial file is the metadata, then the rows file's rows. Returns the rows' checksum and
 * the whole file's.
 */
async function writeJson(
  w: Writing,
  rowCount: number,
  totals: ExportTotal[],
): Promise<{ sha256: string; fileSha256: string; bytes: number }> {
  const sha256 = w.rowsHash.digest('hex');
  const metadata = {
    report: w.report.name,
    generatedAt: w.now.toISOString(),
    generatedBy: w.options.generatedBy,
    appVersion: appVersion(),
    filters: w.echo,
    columns: w.layout.columns,
    amounts:
      'exact decimal strings in major units of the currency named in the row; parse with the currency exponent (ISO 4217)',
    rowCount,
    totals,
    sha256,
    sha256Of: 'each row as JSON (keys in column order) followed by "\\n", in file order',
  };
  const json = await Sink.open(w.partial, w.file, w.openPartial);
  try {
    await json.write(`{"metadata":${JSON.stringify(metadata)},\n"rows":[\n`);
    for await (const chunk of createReadStream(w.rowsFile, {
      encoding: 'utf8',
      highWaterMark: 1 << 20,
    }))
      await json.write(chunk as string);
    await json.write(`\n]}\n`);
    await json.sync();
  } finally {
    await json.close();
  }
  await rm(w.rowsFile, { force: true });
  return { sha256, fileSha256: json.hash.digest('hex'), bytes: json.bytes };
}

/**
 * Audited before the file appears under its name: a crash in between leaves an audited export
 * without its file (the partial one), never a file nobody can account for.
 */
async function auditAndPlace(w: Writing, result: ExportResult): Promise<void> {
  await auditExport(w.store, w.report, result, w.echo, w.options, w.now);
  try {
    await place(w.partial, w.file, w.options.overwrite ?? false);
  } catch (error) {
    // The audit already says "exported": say it did not land.
    await auditAbandoned(w.store, w.report, result, w.options, w.now, error);
    throw placeError(w.file, error);
  }
}

async function writeReport(
  store: CentralStore,
  report: TabularReport,
  file: string,
  filters: Filters,
  echo: FilterEcho,
  options: ExportOptions,
  oneSnapshot: boolean,
): Promise<ExportResult> {
  // Our own names beside the target, created exclusively (never following or truncating what is
  // there): two exports to one path never write into each other's file.
  const tag = randomBytes(6).toString('hex');
  const pageSize = options.pageSize ?? 2000;
  if (!(pageSize >= 1) || !((options.chunkRows ?? KEYSET_CHUNK) >= 1))
    throw new RangeError('pageSize and chunkRows must be at least 1');
  const w: Writing = {
    store,
    report,
    file,
    filters,
    echo,
    options,
    oneSnapshot,
    pageSize,
    partial: `${file}.${tag}.partial`,
    rowsFile: `${file}.${tag}.partial.rows`,
    openPartial: options.openPartial ?? ((f: string) => open(f, 'wx', 0o600)),
    now: (options.now ?? (() => new Date()))(),
    layout: layoutOf(report),
    totals: new Totals(),
    rowsHash: createHash('sha256'),
  };
  try {
    const written = await writeRows(w);
    const totals = w.totals.list(w.layout.columns);
    const finished =
      options.format === 'csv'
        ? { sha256: null, fileSha256: written.fileSha256, bytes: written.bytes }
        : await writeJson(w, written.rowCount, totals);
    const result: ExportResult = {
      report: report.name,
      file,
      format: options.format,
      rowCount: written.rowCount,
      totals,
      ...finished,
    };
    await auditAndPlace(w, result);
    return result;
  } catch (error) {
    await rm(w.partial, { force: true });
    await rm(w.rowsFile, { force: true });
    throw error;
  }
}

async function auditAbandoned(
  store: CentralStore,
  report: TabularReport,
  result: ExportResult,
  options: ExportOptions,
  now: Date,
  error: unknown,
): Promise<void> {
  await store.db.transaction((tx: CentralTx) =>
    appendAudit(
      tx,
      {
        ...options.audit,
        operatorId: options.generatedBy.operatorId,
        decision: 'allowed',
        at: now,
      },
      [
        {
          action: `${report.action}.abandoned`,
          entityType: 'export',
          entityId: result.fileSha256,
          after: { file: result.file, reason: (error as Error).message },
        },
      ],
    ),
  );
}

/**
 * Audited before the file appears under its name; a large export is also a security event (noted,
 * not blocked).
 */
async function auditExport(
  store: CentralStore,
  report: TabularReport,
  result: ExportResult,
  echo: FilterEcho,
  options: ExportOptions,
  now: Date,
): Promise<void> {
  await store.db.transaction(async (tx: CentralTx) => {
    const events: AuditEntry[] = [];
    for (const hit of await exportHits(tx, { name: report.name, rows: result.rowCount })) {
      const id = await recordEvent(
        tx,
        hit,
        { operatorId: options.generatedBy.operatorId, ip: options.audit.ip },
        now,
      );
      events.push({
        action: 'security.event',
        entityType: 'security_event',
        entityId: id,
        after: { kind: hit.kind, risk: hit.risk, subject: hit.subject },
      });
    }
    await appendAudit(
      tx,
      {
        ...options.audit,
        operatorId: options.generatedBy.operatorId,
        decision: 'allowed',
        at: now,
      },
      [
        {
          action: report.action,
          entityType: 'export',
          entityId: result.fileSha256,
          after: {
            report: report.name,
            file: result.file,
            format: result.format,
            rows: result.rowCount,
            sha256: result.sha256,
            fileSha256: result.fileSha256,
            bytes: result.bytes,
            filters: echo,
            totals: result.totals,
          },
        },
        ...events,
      ],
    );
  });
}
