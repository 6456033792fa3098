/**
 * What every paged console query shares: the grid's page request (AG Grid's infinite row model asks
 * for `offset`/`limit` as the operator scrolls), a sort over whitelisted fields, and the quick
 * filter. Sort fields map to SQL expressions chosen here, never to text from the request.
 */
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { isCurrency } from '../../shared/money/index.js';
import { instant } from '../kernel/inputs.js';

export const MAX_PAGE = 1000;
export const DEFAULT_PAGE = 100;

export const currencyInput = z.string().refine(isCurrency, 'is not an ISO 4217 currency code');
export const dateInput = instant;

export type SortDir = 'asc' | 'desc';
export interface Sort<F extends string> {
  field: F;
  dir: SortDir;
}

/** The page fields of a grid query whose sortable fields are `fields`. */
export function pageFields<const F extends string>(fields: readonly [F, ...F[]]) {
  return {
    offset: z
      .number()
      .int('must be a whole number')
      .min(0, 'cannot be negative')
      .max(100_000_000)
      .optional(),
    limit: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(MAX_PAGE, `at most ${MAX_PAGE} rows per page`)
      .optional(),
    sort: z
      .strictObject({
        field: z.enum(fields, { error: `must be one of ${fields.join(', ')}` }),
        dir: z.enum(['asc', 'desc'], { error: "must be 'asc' or 'desc'" }),
      })
      .optional(),
    search: z.string().max(200, 'at most 200 characters').optional(),
  };
}

/** A quick-filter term as an ILIKE pattern: its own %, _ and \ match literally. Null when blank. */
export function likePattern(search: string | undefined): string | null {
  const term = search?.trim();
  if (!term) return null;
  return `%${term.replace(/[\\%_]/g, '\\$&')}%`;
}

/** `ILIKE` of a pattern from likePattern against each column (any matches). */
export function matchesAny(pattern: string, columns: readonly SQL[]): SQL {
  return sql`(${sql.join(
    columns.map((c) => sql`${c} ILIKE ${pattern} ESCAPE '\\'`),
    sql` OR `,
  )})`;
}

/**
 * ORDER BY for a sort request: the field's expression (from `columns`, a fixed map), its direction,
 * then the tie-breakers so that pages never overlap or skip a row.
 */
export function orderBy<F extends string>(
  columns: Readonly<Record<F, SQL>>,
  sort: Sort<F> | undefined,
  fallback: Sort<F>,
  tieBreakers: readonly SQL[],
): SQL {
  const chosen = sort ?? fallback;
  const dir = chosen.dir === 'desc' ? sql.raw('DESC NULLS LAST') : sql.raw('ASC NULLS LAST');
  return sql.join(
    [sql`${columns[chosen.field]} ${dir}`, ...tieBreakers.map((t) => sql`${t} ASC`)],
    sql`, `,
  );
}

export function pageOf(input: { offset?: number | undefined; limit?: number | undefined }): {
  offset: number;
  limit: number;
} {
  return { offset: input.offset ?? 0, limit: input.limit ?? DEFAULT_PAGE };
}

/** An ISO string of a timestamp as either driver returns it (Date or text). */
export function isoOf(value: Date | string | null | undefined): string | null {
  return value === null || value === undefined ? null : new Date(value).toISOString();
}

/** A JSON value computed in SQL and sent as text (so both drivers hand over the same string). */
export function parseJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
