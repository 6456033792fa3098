/**
 * The console's first reports, grouped in SQL: money over time, per affiliate, per provider.
 * (The full reporting module comes later; these stay small.) Amounts are exact sums of bigint minor
 * units, sent as decimal strings; rates are computed with numeric and sent as text.
 *
 * Time buckets are UTC: `date_trunc` over the instant taken AT TIME ZONE 'UTC', whatever the
 * server's TimeZone; weeks start on Monday (ISO).
 */
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type CentralTx } from '../central/store.js';
import { defineQuery } from '../commands/router.js';
import { toDate } from '../commands/inputs.js';
import { PROVIDER_NAMES } from '../providers/provider.js';
import { keptResult } from './kept.js';
import { byAmount, byNumber, byText, OrderedRows, type Compare } from './ordered.js';
import { currencyInput, dateInput, likePattern, matchesAny, pageFields, pageOf, parseJson, type Sort } from './paging.js';

const GRANULARITIES = ['day', 'week', 'month'] as const;

const period = {
  /** From this instant (inclusive)… */
  from: dateInput.optional(),
  /** …to this one (exclusive). */
  to: dateInput.optional(),
};

/** `column` within [from, to). */
function within(column: SQL, input: { from?: string | undefined; to?: string | undefined }): SQL {
  const from = input.from ? toDate(input.from).toISOString() : null;
  const to = input.to ? toDate(input.to).toISOString() : null;
  return sql`(${from}::timestamptz IS NULL OR ${column} >= ${from}::timestamptz) AND (${to}::timestamptz IS NULL OR ${column} < ${to}::timestamptz)`;
}

// ---------------------------------------------------------------------------------------------
// reports.timeSeries
// ---------------------------------------------------------------------------------------------

export interface TimeSeriesPoint {
  /** The bucket's first day, YYYY-MM-DD (UTC). */
  period: string;
  currency: string;
  /** Commissions earned in the bucket: by their conversion's time, voided ones excluded (they are 0). */
  accruedMinor: string;
  /** Payouts that succeeded in the bucket (settled then), in the payout currency. */
  paidMinor: string;
  /** Payouts that failed in the bucket. */
  failedMinor: string;
  /** Payouts settled in the bucket: succeeded plus failed. */
  payouts: number;
}

type Granularity = (typeof GRANULARITIES)[number];
type TimeSeriesInput = { granularity: Granularity; from?: string | undefined; to?: string | undefined; currency?: string | undefined };

/** Commissions by their conversion's time, payouts by when they settled; both per bucket and currency. */
function timeSeriesSql(input: TimeSeriesInput): SQL {
  const bucket = (at: SQL) => sql`to_char(date_trunc(${input.granularity}::text, ${at} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`;
  const currency = input.currency ?? null;
  const settledAt = sql`coalesce(p.settled_at, p.updated_at)`;
  return sql`WITH accrued AS (
      SELECT ${bucket(sql`m.occurred_at`)} AS period, trim(m.currency) AS currency, sum(m.amount_minor) AS accrued
      FROM commissions m
      WHERE m.status <> 'voided' AND ${within(sql`m.occurred_at`, input)} AND (${currency}::text IS NULL OR m.currency = ${currency}::text)
      GROUP BY 1, 2),
    settled AS (
      SELECT ${bucket(settledAt)} AS period, trim(p.currency) AS currency,
             coalesce(sum(p.amount_minor) FILTER (WHERE p.status = 'SUCCEEDED'), 0) AS paid,
             coalesce(sum(p.amount_minor) FILTER (WHERE p.status = 'FAILED'), 0) AS failed,
             count(*)::int AS payouts
      FROM payouts p
      WHERE p.status IN ('SUCCEEDED', 'FAILED') AND ${within(settledAt, input)} AND (${currency}::text IS NULL OR p.currency = ${currency}::text)
      GROUP BY 1, 2)
    SELECT coalesce(a.period, s.period) AS period, coalesce(a.currency, s.currency) AS currency,
           coalesce(a.accrued, 0)::text AS accrued, coalesce(s.paid, 0)::text AS paid, coalesce(s.failed, 0)::text AS failed,
           coalesce(s.payouts, 0) AS payouts
    FROM accrued a FULL JOIN settled s ON s.period = a.period AND s.currency = a.currency
    ORDER BY 1, 2`;
}

export const timeSeries = defineQuery({
  name: 'reports.timeSeries',
  permission: 'reports.view',
  input: z.strictObject({
    granularity: z.enum(GRANULARITIES, { error: `must be one of ${GRANULARITIES.join(', ')}` }),
    ...period,
    currency: currencyInput.optional(),
  }),
  async run(ctx, input): Promise<{ granularity: Granularity; points: TimeSeriesPoint[] }> {
    // Kept between requests (kept.ts): redrawing a chart must not sum a million commissions again.
    const key = JSON.stringify(['timeSeries', input.granularity, input.from ?? null, input.to ?? null, input.currency ?? null]);
    const points = await keptResult(ctx.store, { key, sources: ['commissions', 'payouts'] }, (tx) =>
      rows<{ period: string; currency: string; accrued: string; paid: string; failed: string; payouts: number }>(tx, timeSeriesSql(input)),
    );
    return {
      granularity: input.granularity,
      points: points.map((p) => ({ period: p.period, currency: p.currency, accruedMinor: p.accrued, paidMinor: p.paid, failedMinor: p.failed, payouts: Number(p.payouts) })),
    };
  },
});

// ---------------------------------------------------------------------------------------------
// reports.affiliatePerformance
// ---------------------------------------------------------------------------------------------

export const PERFORMANCE_SORT = ['affiliateId', 'name', 'currency', 'conversions', 'commissionsMinor', 'paidMinor', 'pendingMinor', 'payableMinor'] as const;
export type PerformanceSortField = (typeof PERFORMANCE_SORT)[number];

export interface PerformanceRow {
  affiliateId: string;
  name: string;
  /** The commissions' currency. */
  currency: string;
  /** Calculated conversions (one commission each, voided ones included). */
  conversions: number;
  /** Everything earned: pending, payable and paid (voided commissions are 0). */
  commissionsMinor: string;
  paidMinor: string;
  pendingMinor: string;
  payableMinor: string;
}

interface Performance {
  row: PerformanceRow;
  commissions: bigint;
  paid: bigint;
  pending: bigint;
  payable: bigint;
}
const PERFORMANCE_COMPARE: Record<PerformanceSortField, Compare<Performance>> = {
  affiliateId: byText((p) => p.row.affiliateId),
  name: byText((p) => p.row.name),
  currency: byText((p) => p.row.currency),
  conversions: byNumber((p) => p.row.conversions),
  commissionsMinor: byAmount((p) => p.commissions),
  paidMinor: byAmount((p) => p.paid),
  pendingMinor: byAmount((p) => p.pending),
  payableMinor: byAmount((p) => p.payable),
};
const PERFORMANCE_DEFAULT_SORT: Sort<PerformanceSortField> = { field: 'commissionsMinor', dir: 'desc' };

/**
 * Grouped once per filter in SQL and kept (kept.ts): a grid pages and re-sorts it in memory, where
 * summing a million commissions again for every page would take seconds.
 */
export const affiliatePerformance = defineQuery({
  name: 'reports.affiliatePerformance',
  permission: 'reports.view',
  input: z.strictObject({ currency: currencyInput.optional(), ...pageFields(PERFORMANCE_SORT) }),
  async run(ctx, input): Promise<{ total: number; rows: PerformanceRow[] }> {
    const currency = input.currency ?? null;
    const pattern = likePattern(input.search);
    const ordered = await keptResult(ctx.store, { key: JSON.stringify(['performance', currency, pattern]), sources: ['affiliates', 'commissions'] }, async (tx) => {
      const picked = pattern ? sql`AND m.affiliate_id IN (SELECT a.id FROM affiliates a WHERE ${matchesAny(pattern, [sql`a.id`, sql`a.name`])})` : sql``;
      const [r] = await rows<{ groups: string }>(
        tx,
        sql`SELECT coalesce(json_agg(json_build_array(g.affiliate_id, a.name, g.currency, g.conversions, g.commissions::text, g.paid::text, g.pending::text, g.payable::text)), '[]')::text AS groups
            FROM (SELECT m.affiliate_id, trim(m.currency) AS currency, count(*)::int AS conversions, sum(m.amount_minor) AS commissions,
                         coalesce(sum(m.amount_minor) FILTER (WHERE m.status = 'paid'), 0) AS paid,
                         coalesce(sum(m.amount_minor) FILTER (WHERE m.status = 'pending'), 0) AS pending,
                         coalesce(sum(m.amount_minor) FILTER (WHERE m.status = 'payable'), 0) AS payable
                  FROM commissions m
                  WHERE (${currency}::text IS NULL OR m.currency = ${currency}::text) ${picked}
                  GROUP BY m.affiliate_id, m.currency) g
            JOIN affiliates a ON a.id = g.affiliate_id`,
      );
      const groups = parseJson<[string, string, string, number, string, string, string, string][]>(r!.groups).map(
        (g): Performance => ({
          row: { affiliateId: g[0], name: g[1], currency: g[2], conversions: g[3], commissionsMinor: g[4], paidMinor: g[5], pendingMinor: g[6], payableMinor: g[7] },
          commissions: BigInt(g[4]),
          paid: BigInt(g[5]),
          pending: BigInt(g[6]),
          payable: BigInt(g[7]),
        }),
      );
      return new OrderedRows(groups, PERFORMANCE_COMPARE, (a, b) => PERFORMANCE_COMPARE.affiliateId(a, b) || PERFORMANCE_COMPARE.currency(a, b));
    });
    const { offset, limit } = pageOf(input);
    const page = ordered.page(input.sort ?? PERFORMANCE_DEFAULT_SORT, offset, limit);
    return { total: page.total, rows: page.rows.map((p) => p.row) };
  },
});

// ---------------------------------------------------------------------------------------------
// reports.providerAnalysis
// ---------------------------------------------------------------------------------------------

export interface ProviderAnalysisRow {
  provider: string;
  currency: string;
  payouts: number;
  succeeded: number;
  failed: number;
  /** Not settled yet: not sent, or with the provider. */
  pending: number;
  cancelled: number;
  reversed: number;
  paidMinor: string;
  failedMinor: string;
  /** Succeeded out of settled (succeeded + failed), in percent with one decimal ("97.5"); null when none settled. */
  successRate: string | null;
}

export const providerAnalysis = defineQuery({
  name: 'reports.providerAnalysis',
  permission: 'reports.view',
  input: z.strictObject({
    ...period,
    currency: currencyInput.optional(),
    provider: z.enum(PROVIDER_NAMES, { error: `must be one of ${PROVIDER_NAMES.join(', ')}` }).optional(),
  }),
  async run(ctx, input): Promise<{ rows: ProviderAnalysisRow[] }> {
    const currency = input.currency ?? null;
    const provider = input.provider ?? null;
    const list = await rows<{
      provider: string; currency: string; payouts: number; succeeded: number; failed: number; pending: number; cancelled: number; reversed: number;
      paid: string; failed_amount: string; success_rate: string | null;
    }>(
      ctx.tx,
      sql`SELECT p.provider, trim(p.currency) AS currency, count(*)::int AS payouts,
                 (count(*) FILTER (WHERE p.status = 'SUCCEEDED'))::int AS succeeded,
                 (count(*) FILTER (WHERE p.status = 'FAILED'))::int AS failed,
                 (count(*) FILTER (WHERE p.status IN ('PENDING', 'UNKNOWN', 'ACCEPTED')))::int AS pending,
                 (count(*) FILTER (WHERE p.status = 'CANCELLED'))::int AS cancelled,
                 (count(*) FILTER (WHERE p.status = 'REVERSED'))::int AS reversed,
                 coalesce(sum(p.amount_minor) FILTER (WHERE p.status = 'SUCCEEDED'), 0)::text AS paid,
                 coalesce(sum(p.amount_minor) FILTER (WHERE p.status = 'FAILED'), 0)::text AS failed_amount,
                 round(100::numeric * count(*) FILTER (WHERE p.status = 'SUCCEEDED')
                       / nullif(count(*) FILTER (WHERE p.status IN ('SUCCEEDED', 'FAILED')), 0), 1)::text AS success_rate
          FROM payouts p
          WHERE ${within(sql`p.created_at`, input)} AND (${currency}::text IS NULL OR p.currency = ${currency}::text)
            AND (${provider}::text IS NULL OR p.provider = ${provider}::text)
          GROUP BY p.provider, p.currency ORDER BY p.provider, p.currency`,
    );
    return {
      rows: list.map((r) => ({
        provider: r.provider, currency: r.currency, payouts: Number(r.payouts), succeeded: Number(r.succeeded), failed: Number(r.failed), pending: Number(r.pending),
        cancelled: Number(r.cancelled), reversed: Number(r.reversed), paidMinor: r.paid, failedMinor: r.failed_amount, successRate: r.success_rate,
      })),
    };
  },
});
