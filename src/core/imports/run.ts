/**
 * Runs a CSV import: atomic per file.
 * Pass 1 streams the file and validates every record (nothing kept but problems and ids), then the
 * references are checked set-based. Any problem → nothing is written and every problem is reported
 * with file, line and field. Pass 2 streams the file again and upserts in chunks inside the caller's
 * transaction; the file's SHA-256 must be the same in both passes.
 */
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { rows, type CentralTx } from '../central/store.js';
import { TreasuryError, type Problem } from '../commands/errors.js';
import { columnCountProblem, CsvHeaderError, ProblemList, readCsv, type CsvColumns, type CsvRecord } from './csv.js';
import { AFFILIATE_COLUMNS, parseAffiliate, upsertAffiliates, type AffiliateRow } from './affiliates.js';
import { compactReportAggregates } from '../reports/aggregates.js';
import { CONVERSION_COLUMNS, parseConversion, upsertConversions, type ConversionRow } from './conversions.js';

export interface ImportSummary {
  file: string;
  sha256: string;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
}

interface ImportKind<Row extends { id: string }> {
  columns: CsvColumns;
  parse(file: string, rec: CsvRecord, report: (p: Problem) => void): Row | null;
  upsert(tx: CentralTx, chunk: readonly Row[], file: string): Promise<{ inserted: number; updated: number }>;
  /** Affiliate ids each row refers to, checked against the store after pass 1. */
  affiliateOf?(row: Row): string;
}

const KINDS = {
  affiliates: { columns: AFFILIATE_COLUMNS, parse: parseAffiliate, upsert: upsertAffiliates } satisfies ImportKind<AffiliateRow>,
  conversions: {
    columns: CONVERSION_COLUMNS,
    parse: parseConversion,
    upsert: upsertConversions,
    affiliateOf: (r: ConversionRow) => r.affiliateId,
  } satisfies ImportKind<ConversionRow>,
};
export type ImportKindName = keyof typeof KINDS;

const CHUNK = 5000;

export async function importCsv(
  tx: CentralTx,
  kindName: ImportKindName,
  file: string,
  progress: (done: number, phase: string) => void = () => {},
): Promise<ImportSummary> {
  const kind = KINDS[kindName] as ImportKind<{ id: string }>;
  const label = path.basename(file);
  const problems = new ProblemList();
  const seen = new Map<string, number>(); // id → first line
  const references = new Map<string, number>(); // affiliate id → first line referring to it
  const first: { sha256?: string } = {};
  let count = 0;
  try {
    for await (const rec of readCsv(file, kind.columns, first)) {
      if (++count % 50_000 === 0) progress(count, 'validating');
      // A row with too few or too many fields has its values under the wrong columns: report that
      // alone (per-field messages would be misleading) and never accept it with fields dropped.
      const shape = columnCountProblem(label, rec, Object.keys(rec.values).length - 1);
      if (shape) {
        problems.add(shape);
        continue;
      }
      const row = kind.parse(label, rec, (p) => problems.add(p));
      if (!row) continue;
      const dup = seen.get(row.id);
      if (dup !== undefined) problems.add({ file: label, line: rec.line, field: 'id', message: `id "${row.id}" already appears on line ${dup}` });
      else seen.set(row.id, rec.line);
      if (kind.affiliateOf) {
        const a = kind.affiliateOf(row);
        if (!references.has(a)) references.set(a, rec.line);
      }
    }
  } catch (error) {
    if (error instanceof CsvHeaderError) {
      // Same file label as the row problems (readCsv only knows the full path).
      const items = error.problems.map((p) => ({ ...p, file: label }));
      throw invalid(label, items, items.length);
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new TreasuryError('VALIDATION', `file not found: ${file}`, [{ file, message: 'not found' }]);
    throw error;
  }
  seen.clear();
  if (references.size > 0) {
    const ids = JSON.stringify([...references.keys()]);
    const known = await rows<{ id: string }>(tx, sql`SELECT id FROM affiliates WHERE id IN (SELECT json_array_elements_text(${ids}::json))`);
    const knownIds = new Set(known.map((r) => r.id));
    for (const [id, line] of references) {
      if (!knownIds.has(id)) problems.add({ file: label, line, field: 'affiliate_id', message: `affiliate "${id}" does not exist (import affiliates first); first referred to here` });
    }
  }
  if (!problems.empty) throw invalid(label, problems.items, problems.total);

  const second: { sha256?: string } = {};
  let inserted = 0;
  let updated = 0;
  let written = 0;
  let chunk: { id: string }[] = [];
  const flush = async () => {
    const r = await kind.upsert(tx, chunk, label);
    inserted += r.inserted;
    updated += r.updated;
    written += chunk.length;
    progress(written, 'writing');
    chunk = [];
  };
  for await (const rec of readCsv(file, kind.columns, second)) {
    const row = kind.parse(label, rec, () => {
      throw new TreasuryError('CONFLICT', `${label} changed while it was being imported; nothing was written`);
    });
    chunk.push(row!);
    if (chunk.length === CHUNK) await flush();
  }
  if (chunk.length) await flush();
  if (second.sha256 !== first.sha256 || written !== count) {
    throw new TreasuryError('CONFLICT', `${label} changed while it was being imported; nothing was written`);
  }
  // Each chunk appended report deltas for the affiliates it touched (rows in file order touch many).
  if (written > 0) await compactReportAggregates(tx);
  return { file: label, sha256: first.sha256!, rows: count, inserted, updated, unchanged: count - inserted - updated };
}

function invalid(file: string, items: Problem[], total: number): TreasuryError {
  const more = total > items.length ? ` (showing the first ${items.length} of ${total})` : '';
  return new TreasuryError('CSV_INVALID', `${file}: ${total} problem${total === 1 ? '' : 's'}, nothing was imported${more}`, items);
}
