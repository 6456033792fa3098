/**
 * The filters every report and export takes — period, currency, provider, affiliate, status, batch
 * — with one schema per report: a report names the filters that mean something for it, and a filter
 * it cannot honour is refused with a message that says which filters it takes (never silently
 * ignored: an accountant who asked for one provider must not get all of them).
 *
 * - The period is [from, to): `from` inclusive, `to` exclusive; a date alone is midnight UTC.
 * - `status` takes one value or several (any of them); its vocabulary is the report's own.
 * - An affiliate or a batch that does not exist is an error, not an empty report.
 */
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { loadBatch } from '../batches/content.js';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { instant, periodOrdered, toDate } from '../../platform/kernel/inputs.js';
import { currencyInput } from '../../platform/query/paging.js';
import { PROVIDER_NAMES, type ProviderName } from '../../platform/payments/provider.js';

export const FILTER_NAMES = [
  'from',
  'to',
  'currency',
  'provider',
  'affiliate',
  'status',
  'batch',
] as const;
export type FilterName = (typeof FILTER_NAMES)[number];

/** What a report accepts, and what its filters mean (for messages, metadata and the README). */
export interface FilterSpec {
  /** The report's name as the CLI spells it. */
  report: string;
  accepts: readonly FilterName[];
  /** The status vocabulary, when `status` is accepted. */
  statuses?: readonly [string, ...string[]];
  /** Which instant the period applies to ("when the payout settled", …). */
  dated?: string;
}

/** Resolved filters: dates parsed, the batch looked up, statuses as a list. */
export interface Filters {
  from: Date | null;
  to: Date | null;
  currency: string | null;
  provider: ProviderName | null;
  affiliate: string | null;
  status: string[] | null;
  batch: { id: string; number: string } | null;
}

/** The filters as a report's metadata records them (JSON-safe). */
export type FilterEcho = {
  from: string | null;
  to: string | null;
  currency: string | null;
  provider: string | null;
  affiliate: string | null;
  status: string[] | null;
  batch: string | null;
  /** What the period applies to. */
  dated: string | null;
};

const provider = z.enum(PROVIDER_NAMES, { error: `must be one of ${PROVIDER_NAMES.join(', ')}` });
const affiliate = z.string().min(1, 'name an affiliate by id').max(200);
const batch = z.string().min(1, 'name a batch by number (B-YYYYMMDD-NNN) or id').max(200);

function statusSchema(statuses: readonly [string, ...string[]]) {
  const one = z.enum(statuses, { error: `must be one of ${statuses.join(', ')}` });
  return z.union([one, z.array(one).min(1, 'name at least one status')], {
    error: `must be one of ${statuses.join(', ')} (or a list of them)`,
  });
}

function allFilters(spec: FilterSpec) {
  return {
    from: instant.optional(),
    to: instant.optional(),
    currency: currencyInput.optional(),
    provider: provider.optional(),
    affiliate: affiliate.optional(),
    status: (spec.statuses ? statusSchema(spec.statuses) : z.never()).optional(),
    batch: batch.optional(),
  };
}

/** The zod fields for the filters a report accepts. */
export function filterShape<A extends FilterName>(
  spec: FilterSpec & { accepts: readonly A[] },
): Pick<ReturnType<typeof allFilters>, A> {
  const all = allFilters(spec);
  return Object.fromEntries(spec.accepts.map((name) => [name, all[name]])) as Pick<
    ReturnType<typeof allFilters>,
    A
  >;
}

/**
 * A strict object of the report's filters plus `extra` fields. Unknown keys are refused naming what
 * the report does take; `to` must come after `from`.
 */
export function filtersSchema<A extends FilterName, E extends z.ZodRawShape>(
  spec: FilterSpec & { accepts: readonly A[] },
  extra: E,
) {
  const known = [...spec.accepts, ...Object.keys(extra)];
  return z
    .strictObject(
      { ...filterShape(spec), ...extra },
      {
        error: (issue) =>
          issue.code === 'unrecognized_keys'
            ? `the ${spec.report} report cannot be filtered by ${(issue.keys as string[]).join(', ')}: it takes ${known.join(', ')}`
            : undefined,
      },
    )
    .superRefine((value, ctx) =>
      periodOrdered(value as { from?: string | undefined; to?: string | undefined }, ctx),
    );
}

export type FilterInput = {
  [K in FilterName]?: K extends 'status' ? string | string[] | undefined : string | undefined;
};

/** Parses dates, checks that the affiliate and batch exist, and echoes the filters for metadata. */
export async function resolveFilters(
  tx: CentralTx,
  spec: FilterSpec,
  input: FilterInput,
): Promise<{ filters: Filters; echo: FilterEcho }> {
  let batchRow: { id: string; number: string } | null = null;
  if (input.batch !== undefined) {
    try {
      const b = await loadBatch(tx, input.batch);
      batchRow = { id: b.id, number: b.number };
    } catch (error) {
      if (error instanceof TreasuryError && error.code === 'NOT_FOUND') {
        throw new TreasuryError('VALIDATION', `batch: no batch ${input.batch}`, [
          { field: 'batch', message: `no batch ${input.batch}` },
        ]);
      }
      throw error;
    }
  }
  if (input.affiliate !== undefined) {
    const [found] = await rows<{ id: string }>(
      tx,
      sql`SELECT id FROM affiliates WHERE id = ${input.affiliate}`,
    );
    if (!found)
      throw new TreasuryError('VALIDATION', `affiliate: no affiliate ${input.affiliate}`, [
        { field: 'affiliate', message: `no affiliate ${input.affiliate}` },
      ]);
  }
  const status =
    input.status === undefined
      ? null
      : Array.isArray(input.status)
        ? [...new Set(input.status)]
        : [input.status];
  const filters: Filters = {
    from: input.from === undefined ? null : toDate(input.from),
    to: input.to === undefined ? null : toDate(input.to),
    currency: input.currency ?? null,
    provider: (input.provider as ProviderName | undefined) ?? null,
    affiliate: input.affiliate ?? null,
    status,
    batch: batchRow,
  };
  return {
    filters,
    echo: {
      from: filters.from?.toISOString() ?? null,
      to: filters.to?.toISOString() ?? null,
      currency: filters.currency,
      provider: filters.provider,
      affiliate: filters.affiliate,
      status,
      batch: batchRow?.number ?? null,
      dated: spec.dated ?? null,
    },
  };
}

/** The columns each filter applies to, for one query; absent → that filter is not applied there. */
export interface FilterColumns {
  at?: SQL;
  currency?: SQL;
  provider?: SQL;
  affiliate?: SQL;
  status?: SQL;
  batch?: SQL;
}

/** `AND`-joined conditions for the filters that are set (TRUE when none). */
export function where(f: Filters, columns: FilterColumns): SQL {
  const parts: SQL[] = [];
  if (columns.at && f.from) parts.push(sql`${columns.at} >= ${f.from.toISOString()}::timestamptz`);
  if (columns.at && f.to) parts.push(sql`${columns.at} < ${f.to.toISOString()}::timestamptz`);
  if (columns.currency && f.currency) parts.push(sql`${columns.currency} = ${f.currency}`);
  if (columns.provider && f.provider) parts.push(sql`${columns.provider} = ${f.provider}`);
  if (columns.affiliate && f.affiliate) parts.push(sql`${columns.affiliate} = ${f.affiliate}`);
  if (columns.status && f.status)
    parts.push(
      sql`${columns.status} IN (${sql.join(
        f.status.map((s) => sql`${s}`),
        sql`, `,
      )})`,
    );
  if (columns.batch && f.batch) parts.push(sql`${columns.batch} = ${f.batch.id}::uuid`);
  return parts.length === 0 ? sql`TRUE` : sql.join(parts, sql` AND `);
}
