/**
 * Conversions CSV:
 * id,affiliate_id,occurred_at,product,gross_amount,discount_amount,currency,status, refunded_at.
 * Amounts are decimal strings in major units of `currency` (no more decimals than the currency
 * has); status approved|pending|refunded|fraud; refunded_at is required when status is refunded and
 * must be empty otherwise.
 */
import { sql } from 'drizzle-orm';
import { pgArray } from '../../platform/central/arrays.js';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import type { Problem } from '../../shared/errors.js';
import { parseAmount } from '../../shared/money/index.js';
import type { CsvRecord } from './csv.js';
import {
  checkCurrency,
  checkId,
  checkOneOf,
  checkText,
  parseInstant,
} from '../../shared/fields.js';

export const CONVERSION_COLUMNS = {
  required: [
    'id',
    'affiliate_id',
    'occurred_at',
    'product',
    'gross_amount',
    'discount_amount',
    'currency',
    'status',
    'refunded_at',
  ],
} as const;

export const CONVERSION_STATUSES = ['approved', 'pending', 'refunded', 'fraud'] as const;

export interface ConversionRow {
  id: string;
  affiliateId: string;
  occurredAt: number;
  product: string;
  grossMinor: bigint;
  discountMinor: bigint;
  currency: string;
  status: string;
  refundedAt: number | null;
  /** Where the row came from, for problems found while writing (absent for generated rows). */
  line?: number;
}

/** Where a row's problems go; `found` counts them (a row with any is not imported). */
interface RowProblems {
  readonly file: string;
  readonly line: number;
  readonly report: (p: Problem) => void;
  found: number;
}

function fail(row: RowProblems, field: string, message: string): void {
  row.found++;
  row.report({ file: row.file, line: row.line, field, message });
}

function check(
  row: RowProblems,
  v: CsvRecord['values'],
  field: string,
  fn: (value: string) => string | null,
): void {
  const message = fn(v[field]!.trim());
  if (message) fail(row, field, message);
}

/**
 * Gross and discount in minor units of a valid currency; the discount may not exceed the gross.
 * Each amount's problem is reported (0n stands in for it).
 */
function parseAmounts(
  row: RowProblems,
  v: CsvRecord['values'],
  currency: string,
): { gross: bigint; discount: bigint } {
  let gross = 0n;
  let discount = 0n;
  let amountsOk = true;
  for (const field of ['gross_amount', 'discount_amount'] as const) {
    try {
      const amount = parseAmount(v[field]!, currency);
      if (field === 'gross_amount') gross = amount;
      else discount = amount;
    } catch (error) {
      amountsOk = false;
      fail(row, field, (error as Error).message);
    }
  }
  // Only the amounts themselves decide whether this comparison is meaningful: a problem in
  // another field must not hide it (every problem of the row is reported).
  if (amountsOk && discount > gross)
    fail(
      row,
      'discount_amount',
      `discount ${v.discount_amount} is larger than gross ${v.gross_amount}`,
    );
  return { gross, discount };
}

/** refunded_at: required (an instant) when the status is refunded, empty otherwise. */
function parseRefundedAt(row: RowProblems, v: CsvRecord['values'], status: string): number | null {
  const refundedText = v.refunded_at!.trim();
  if (status === 'refunded') {
    if (refundedText === '') {
      fail(row, 'refunded_at', 'is required when status is refunded');
      return null;
    }
    const r = parseInstant(refundedText);
    if ('error' in r) {
      fail(row, 'refunded_at', r.error);
      return null;
    }
    return r.ms;
  }
  if (refundedText !== '')
    fail(row, 'refunded_at', `must be empty unless status is refunded (status is ${status})`);
  return null;
}

export function parseConversion(
  file: string,
  rec: CsvRecord,
  report: (p: Problem) => void,
): ConversionRow | null {
  const v = rec.values;
  const row: RowProblems = { file, line: rec.line, report, found: 0 };
  check(row, v, 'id', checkId);
  check(row, v, 'affiliate_id', checkId);
  check(row, v, 'product', checkText(100));
  check(row, v, 'status', checkOneOf(CONVERSION_STATUSES));
  const occurred = parseInstant(v.occurred_at!.trim());
  if ('error' in occurred) fail(row, 'occurred_at', occurred.error);
  const currency = v.currency!.trim();
  const currencyProblem = checkCurrency(currency);
  if (currencyProblem) fail(row, 'currency', currencyProblem);
  const { gross, discount } = currencyProblem
    ? { gross: 0n, discount: 0n }
    : parseAmounts(row, v, currency);
  const status = v.status!.trim();
  const refundedAt = parseRefundedAt(row, v, status);
  if (row.found > 0 || 'error' in occurred) return null;
  return {
    line: rec.line,
    id: v.id!.trim(),
    affiliateId: v.affiliate_id!.trim(),
    occurredAt: occurred.ms,
    product: v.product!.trim(),
    grossMinor: gross,
    discountMinor: discount,
    currency,
    status,
    refundedAt,
  };
}

/**
 * Conversions of the chunk that are stored under another affiliate, as problems: a conversion never
 * moves to another affiliate (its commission, possibly paid, belongs to the first).
 */
export async function movedConversions(
  tx: CentralTx,
  chunk: readonly ConversionRow[],
  file: string,
): Promise<Problem[]> {
  const moved = await rows<{ id: string; affiliate_id: string }>(
    tx,
    sql`SELECT c.id, c.affiliate_id FROM conversions c
        JOIN unnest(${pgArray(chunk.map((r) => r.id))}::text[], ${pgArray(chunk.map((r) => r.affiliateId))}::text[]) AS u(id, affiliate_id)
          ON c.id = u.id WHERE c.affiliate_id <> u.affiliate_id`,
  );
  const byId = new Map(chunk.map((r) => [r.id, r]));
  return moved.map((m) => ({
    file,
    line: byId.get(m.id)?.line,
    field: 'affiliate_id',
    message: `conversion "${m.id}" belongs to affiliate "${m.affiliate_id}"; a conversion cannot move to another affiliate`,
  }));
}

/** The chunk as the statements below read it: one JSON array per row, amounts as exact strings. */
function chunkJson(chunk: readonly ConversionRow[]): string {
  return JSON.stringify(
    chunk.map((r) => [
      r.id,
      r.affiliateId,
      r.occurredAt,
      r.product,
      r.grossMinor.toString(),
      r.discountMinor.toString(),
      r.currency,
      r.status,
      r.refundedAt,
    ]),
  );
}

/** The rows of chunkJson as a relation (the same columns as the table). */
const SOURCE = (json: string) => sql`
      SELECT e->>0 AS id, e->>1 AS affiliate_id, 'epoch'::timestamptz + (e->>2)::bigint * interval '1 millisecond' AS occurred_at, e->>3 AS product,
             (e->>4)::bigint AS gross_minor, (e->>5)::bigint AS discount_minor, e->>6 AS currency, e->>7 AS status,
             'epoch'::timestamptz + (e->>8)::bigint * interval '1 millisecond' AS refunded_at
      FROM json_array_elements(${json}::json) AS e`;

/**
 * What upsertConversions would do with the chunk, without writing: how many rows are new, how many
 * differ from the stored ones (the same comparison as its ON CONFLICT … WHERE), and the rows that
 * would move to another affiliate.
 */
export async function compareConversions(
  tx: CentralTx,
  chunk: readonly ConversionRow[],
  file: string,
): Promise<{ inserted: number; updated: number; problems: Problem[] }> {
  if (chunk.length === 0) return { inserted: 0, updated: 0, problems: [] };
  const problems = await movedConversions(tx, chunk, file);
  const [row] = await rows<{ inserted: number; updated: number }>(
    tx,
    sql`WITH src AS (${SOURCE(chunkJson(chunk))})
        SELECT count(*) FILTER (WHERE c.id IS NULL)::int AS inserted,
               count(*) FILTER (WHERE c.id IS NOT NULL AND
                 (c.affiliate_id, c.occurred_at, c.product, c.gross_minor, c.discount_minor, c.currency, c.status, c.refunded_at)
                 IS DISTINCT FROM (s.affiliate_id, s.occurred_at, s.product, s.gross_minor, s.discount_minor, s.currency, s.status, s.refunded_at))::int AS updated
        FROM src s LEFT JOIN conversions c ON c.id = s.id`,
  );
  return { inserted: Number(row!.inserted), updated: Number(row!.updated), problems };
}

/**
 * Inserts new conversions and updates changed ones, one statement per chunk; unchanged rows
 * untouched.
 */
export async function upsertConversions(
  tx: CentralTx,
  chunk: readonly ConversionRow[],
  file = '(generated)',
): Promise<{ inserted: number; updated: number }> {
  if (chunk.length === 0) return { inserted: 0, updated: 0 };
  const moved = await movedConversions(tx, chunk, file);
  if (moved.length > 0)
    throw new TreasuryError(
      'CSV_INVALID',
      `${file}: ${moved.length} conversion${moved.length === 1 ? '' : 's'} would move to another affiliate; nothing was imported`,
      moved,
    );
  const json = chunkJson(chunk);
  const result = await tx.execute(sql`
    WITH src AS (${SOURCE(json)}
    ), up AS (
      INSERT INTO conversions AS c (id, affiliate_id, occurred_at, product, gross_minor, discount_minor, currency, status, refunded_at)
      SELECT id, affiliate_id, occurred_at, product, gross_minor, discount_minor, currency, status, refunded_at FROM src
      ON CONFLICT (id) DO UPDATE SET
        affiliate_id = excluded.affiliate_id, occurred_at = excluded.occurred_at, product = excluded.product,
        gross_minor = excluded.gross_minor, discount_minor = excluded.discount_minor, currency = excluded.currency,
        status = excluded.status, refunded_at = excluded.refunded_at, updated_at = now()
      WHERE (c.affiliate_id, c.occurred_at, c.product, c.gross_minor, c.discount_minor, c.currency, c.status, c.refunded_at)
            IS DISTINCT FROM (excluded.affiliate_id, excluded.occurred_at, excluded.product, excluded.gross_minor, excluded.discount_minor,
                              excluded.currency, excluded.status, excluded.refunded_at)
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM up`);
  const row = (Array.isArray(result) ? result[0] : (result as { rows: unknown[] }).rows[0]) as {
    inserted: number;
    updated: number;
  };
  return { inserted: Number(row.inserted), updated: Number(row.updated) };
}
