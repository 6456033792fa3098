/**
 * The dry run of an import: the file read and checked exactly as the import reads it (run.ts's
 * pass 1: the same parser, the same checks, the same reference check), then compared with the
 * store — which rows are new, which would change a stored one, which are already as the file has
 * them — without writing anything and without holding a transaction. What the console shows before
 * the operator imports: the first rows as parsed, the counts, per-currency totals (exact minor
 * units) and every problem with its line and field.
 */
import path from 'node:path';
import type { CentralStore } from '../../platform/central/store.js';
import { TreasuryError, type Problem } from '../../shared/errors.js';
import type { AffiliateRow } from './affiliates.js';
import type { ConversionRow } from './conversions.js';
import {
  CHUNK,
  KINDS,
  validate,
  type ImportKind,
  type ImportKindName,
  type ImportProgress,
} from './run.js';

/** Rows shown as parsed. */
export const SAMPLE_ROWS = 20;
/** Problems kept in full: more than anyone reads, few enough for one answer. */
export const PROBLEMS_KEPT = 5000;

/** One currency's conversions in the file (rows without problems), in minor units. */
export interface CurrencyTotal {
  currency: string;
  rows: number;
  gross: bigint;
  discount: bigint;
  /** gross − discount. */
  net: bigint;
}

export type PreviewSample =
  { kind: 'affiliates'; rows: AffiliateRow[] } | { kind: 'conversions'; rows: ConversionRow[] };

export interface ImportPreview {
  /** Marks the answer of a dry run (an import answers with its ImportSummary). */
  dryRun: true;
  file: string;
  /** What the file was when checked; the import is refused if it has changed since. */
  sha256: string | null;
  /** Data lines read (the header and blank lines not counted). */
  rows: number;
  /** Of the rows without problems: new ones, stored ones the file changes, stored ones as is. */
  inserted: number;
  updated: number;
  unchanged: number;
  sample: PreviewSample;
  /** Conversions only: per currency, sorted by code. */
  totals: CurrencyTotal[];
  /** Every problem (the first PROBLEMS_KEPT in full), in the order found. */
  problems: Problem[];
  problemCount: number;
}

/** What the dry run keeps while it reads: the rows waiting to be compared, counts, totals. */
class Tally {
  pending: { id: string }[] = [];
  inserted = 0;
  updated = 0;
  compared = 0;
  found: Problem[] = [];
  readonly sample: { id: string }[] = [];
  readonly totals = new Map<string, CurrencyTotal>();

  constructor(
    private readonly store: CentralStore,
    private readonly kind: ImportKind<{ id: string }>,
    private readonly label: string,
  ) {}

  async add(row: { id: string }, isConversion: boolean): Promise<void> {
    if (this.sample.length < SAMPLE_ROWS) this.sample.push(row);
    if (isConversion) this.count(row as ConversionRow);
    this.pending.push(row);
    if (this.pending.length === CHUNK) await this.flush();
  }

  /** Compares the rows read so far with the store (one read per chunk, no transaction). */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = this.pending;
    this.pending = [];
    const r = await this.kind.compare(this.store.db, chunk, this.label);
    this.inserted += r.inserted;
    this.updated += r.updated;
    this.compared += chunk.length;
    this.found.push(...r.problems);
  }

  private count(row: ConversionRow): void {
    const t = this.totals.get(row.currency) ?? {
      currency: row.currency,
      rows: 0,
      gross: 0n,
      discount: 0n,
      net: 0n,
    };
    t.rows++;
    t.gross += row.grossMinor;
    t.discount += row.discountMinor;
    t.net = t.gross - t.discount;
    this.totals.set(row.currency, t);
  }
}

/** Checks `file` as `kindName` would import it, writing nothing. */
export async function checkCsv(
  store: CentralStore,
  kindName: ImportKindName,
  file: string,
  progress: ImportProgress = () => {},
): Promise<ImportPreview> {
  const kind = KINDS[kindName] as ImportKind<{ id: string }>;
  const label = path.basename(file);
  const tally = new Tally(store, kind, label);
  const conversions = kindName === 'conversions';
  let pass: Awaited<ReturnType<typeof validate>>;
  try {
    pass = await validate(store, kind, {
      file,
      label,
      progress,
      keep: PROBLEMS_KEPT,
      every: CHUNK,
      row: (row) => tally.add(row, conversions),
    });
  } catch (error) {
    // A header the import cannot read is the file's problem, shown like the others.
    if (error instanceof TreasuryError && error.code === 'CSV_INVALID')
      return headerRefused(kindName, label, error.problems);
    throw error;
  }
  await tally.flush();
  for (const p of tally.found) pass.problems.add(p);
  return {
    dryRun: true,
    file: label,
    sha256: pass.sha256 ?? null,
    rows: pass.rows,
    inserted: tally.inserted,
    updated: tally.updated,
    unchanged: tally.compared - tally.inserted - tally.updated,
    sample: { kind: kindName, rows: tally.sample } as PreviewSample,
    totals: [...tally.totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
    // By line (the reference and move checks come after the reading), stable within a line.
    problems: [...pass.problems.items].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    problemCount: pass.problems.total,
  };
}

/** A file whose header was refused: no row was read. */
function headerRefused(
  kindName: ImportKindName,
  label: string,
  problems: readonly Problem[],
): ImportPreview {
  return {
    dryRun: true,
    file: label,
    sha256: null,
    rows: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    sample: { kind: kindName, rows: [] } as PreviewSample,
    totals: [],
    problems: [...problems],
    problemCount: problems.length,
  };
}
