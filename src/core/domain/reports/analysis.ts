/**
 * The analytic reports, grouped in SQL: money over time and per affiliate (per provider:
 * provider-analysis.ts). Amounts are exact sums of bigint minor units, sent as decimal strings.
 * Whole-day periods are summed from the maintained aggregates (aggregates.ts).
 *
 * Time buckets are UTC: `date_trunc` over the instant taken AT TIME ZONE 'UTC', whatever the
 * server's TimeZone; weeks start on Monday (ISO). Filters: filters.ts (period [from, to)).
 */
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { defineQuery } from '../../platform/kernel/router.js';
import { keptResult } from '../../platform/query/kept.js';
import {
  byAmount,
  byNumber,
  byText,
  OrderedRows,
  type Compare,
} from '../../platform/query/ordered.js';
import {
  likePattern,
  matchesAny,
  pageFields,
  pageOf,
  parseJson,
  type Sort,
} from '../../platform/query/paging.js';
import { PAYOUT_STATUSES } from '../payouts/status.js';
import {
  filtersSchema,
  resolveFilters,
  where,
  type FilterEcho,
  type Filters,
  type FilterSpec,
} from './filters.js';
import { paidAt, reversedAt, submittedAt } from './payout-times.js';
import { dayRange, servedByAggregates } from './aggregates.js';

const GRANULARITIES = ['day', 'week', 'month'] as const;
type Granularity = (typeof GRANULARITIES)[number];

/**
 * Clawbacks as the journal books them: adjustments of kind clawback (rounding and reversals are
 * not).
 */
const CLAWBACK = sql`a.kind = 'clawback'`;

/**
 * Affiliates paid through this provider (their payout destination), for commission-side figures.
 */
function viaProvider(f: Filters, affiliate: SQL): SQL {
  return f.provider
    ? sql`${affiliate} IN (SELECT x.id FROM affiliates x WHERE x.payout_provider = ${f.provider})`
    : sql`TRUE`;
}

// ---------------------------------------------------------------------------------------------
// reports.timeSeries
// ---------------------------------------------------------------------------------------------

export const TIME_SERIES_SPEC = {
  report: 'time-series',
  accepts: ['from', 'to', 'currency', 'provider', 'affiliate', 'status'],
  statuses: PAYOUT_STATUSES,
  dated:
    'each figure by its own instant: accrued when earned, sent at the first attempt, succeeded when paid, failed when settled, reversed when reversed, clawbacks when made; ' +
    'status (current payout status) applies to the payout figures; provider to payouts, and to commissions of affiliates paid through it',
} as const satisfies FilterSpec;

export interface TimeSeriesPoint {
  /** The bucket's first day, YYYY-MM-DD (UTC). */
  period: string;
  currency: string;
  /**
   * Commissions earned in the bucket, by their conversion's time (every stored amount, as the
   * journal accrues them).
   */
  accruedMinor: string;
  /** Payouts first sent to a provider in the bucket. */
  sent: number;
  sentMinor: string;
  /** Payouts that succeeded (cash left) in the bucket, reversed later or not. */
  succeeded: number;
  succeededMinor: string;
  /** Same as succeededMinor (kept for the console's chart). */
  paidMinor: string;
  failed: number;
  failedMinor: string;
  reversed: number;
  reversedMinor: string;
  /**
   * Clawed back in the bucket (adjustments of kind clawback, negated): positive when the affiliate
   * owes money back.
   */
  clawbacksMinor: string;
  /** Payouts settled in the bucket: succeeded plus failed. */
  payouts: number;
}

function timeSeriesSql(granularity: Granularity, f: Filters): SQL {
  const bucket = (at: SQL) =>
    sql`to_char(date_trunc(${granularity}::text, ${at} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`;
  const payoutWhere = (at: SQL) =>
    where(f, {
      at,
      currency: sql`p.currency`,
      provider: sql`p.provider`,
      affiliate: sql`p.affiliate_id`,
      status: sql`p.status`,
    });
  const sentAt = submittedAt('p');
  return sql`WITH
    accrued AS (
      SELECT ${bucket(sql`m.occurred_at`)} AS period, trim(m.currency) AS currency, sum(m.amount_minor) AS amount
      FROM commissions m
      WHERE ${where(f, { at: sql`m.occurred_at`, currency: sql`m.currency`, affiliate: sql`m.affiliate_id` })} AND ${viaProvider(f, sql`m.affiliate_id`)}
      GROUP BY 1, 2),
    sent AS (
      SELECT ${bucket(sql`s.at`)} AS period, s.currency, count(*)::int AS n, sum(s.amount) AS amount
      FROM (SELECT ${sentAt} AS at, trim(p.currency) AS currency, p.amount_minor AS amount FROM payouts p WHERE p.attempt > 0 AND ${payoutWhere(sentAt)}) s
      GROUP BY 1, 2),
    succeeded AS (
      SELECT ${bucket(paidAt('p'))} AS period, trim(p.currency) AS currency, count(*)::int AS n, sum(p.amount_minor) AS amount
      FROM payouts p WHERE p.status IN ('SUCCEEDED', 'REVERSED') AND ${payoutWhere(paidAt('p'))}
      GROUP BY 1, 2),
    failed AS (
      SELECT ${bucket(sql`coalesce(p.settled_at, p.updated_at)`)} AS period, trim(p.currency) AS currency, count(*)::int AS n, sum(p.amount_minor) AS amount
      FROM payouts p WHERE p.status = 'FAILED' AND ${payoutWhere(sql`coalesce(p.settled_at, p.updated_at)`)}
      GROUP BY 1, 2),
    reversed AS (
      SELECT ${bucket(reversedAt('p'))} AS period, trim(p.currency) AS currency, count(*)::int AS n, sum(p.amount_minor) AS amount
      FROM payouts p WHERE p.status = 'REVERSED' AND ${payoutWhere(reversedAt('p'))}
      GROUP BY 1, 2),
    clawbacks AS (
      SELECT ${bucket(sql`a.created_at`)} AS period, trim(a.currency) AS currency, -sum(a.amount_minor) AS amount
      FROM adjustments a
      WHERE ${CLAWBACK} AND ${where(f, { at: sql`a.created_at`, currency: sql`a.currency`, affiliate: sql`a.affiliate_id` })} AND ${viaProvider(f, sql`a.affiliate_id`)}
      GROUP BY 1, 2),
    keys AS (
      SELECT period, currency FROM accrued UNION SELECT period, currency FROM sent UNION SELECT period, currency FROM succeeded
      UNION SELECT period, currency FROM failed UNION SELECT period, currency FROM reversed UNION SELECT period, currency FROM clawbacks)
    SELECT k.period, k.currency,
           coalesce(ac.amount, 0)::text AS accrued,
           coalesce(se.n, 0) AS sent, coalesce(se.amount, 0)::text AS sent_amount,
           coalesce(su.n, 0) AS succeeded, coalesce(su.amount, 0)::text AS succeeded_amount,
           coalesce(fa.n, 0) AS failed, coalesce(fa.amount, 0)::text AS failed_amount,
           coalesce(re.n, 0) AS reversed, coalesce(re.amount, 0)::text AS reversed_amount,
           coalesce(cl.amount, 0)::text AS clawbacks
    FROM keys k
    LEFT JOIN accrued ac USING (period, currency) LEFT JOIN sent se USING (period, currency) LEFT JOIN succeeded su USING (period, currency)
    LEFT JOIN failed fa USING (period, currency) LEFT JOIN reversed re USING (period, currency) LEFT JOIN clawbacks cl USING (period, currency)
    ORDER BY 1, 2`;
}

/**
 * The same figures from the maintained aggregates (aggregates.ts): whole-day periods, no affiliate
 * filter.
 */
function timeSeriesFromAggregates(granularity: Granularity, f: Filters): SQL {
  const payoutStatus = f.status
    ? sql`(r.fact IN ('accrued', 'clawback') OR r.status IN (${sql.join(
        f.status.map((s) => sql`${s}`),
        sql`, `,
      )}))`
    : sql`TRUE`;
  const sum = (fact: string, what: 'n' | 'amount') =>
    sql`coalesce(sum(${sql.raw(what)}) FILTER (WHERE fact = ${fact}), 0)`;
  return sql`WITH d AS (
      SELECT to_char(date_trunc(${granularity}::text, r.day::timestamp), 'YYYY-MM-DD') AS period, r.currency, r.fact, sum(r.n) AS n, sum(r.amount_minor) AS amount
      FROM report_days r
      WHERE r.fact IN ('accrued', 'sent', 'succeeded', 'failed', 'reversed', 'clawback') AND ${dayRange(f)}
        AND ${where(f, { currency: sql`r.currency`, provider: sql`r.provider` })} AND ${payoutStatus}
      GROUP BY 1, 2, 3 HAVING sum(r.n) <> 0)
    SELECT period, currency, ${sum('accrued', 'amount')}::text AS accrued,
           ${sum('sent', 'n')}::int AS sent, ${sum('sent', 'amount')}::text AS sent_amount,
           ${sum('succeeded', 'n')}::int AS succeeded, ${sum('succeeded', 'amount')}::text AS succeeded_amount,
           ${sum('failed', 'n')}::int AS failed, ${sum('failed', 'amount')}::text AS failed_amount,
           ${sum('reversed', 'n')}::int AS reversed, ${sum('reversed', 'amount')}::text AS reversed_amount,
           (-${sum('clawback', 'amount')})::text AS clawbacks
    FROM d GROUP BY 1, 2 ORDER BY 1, 2`;
}

export const timeSeries = defineQuery({
  name: 'reports.timeSeries',
  permission: 'reports.view',
  input: filtersSchema(TIME_SERIES_SPEC, {
    granularity: z.enum(GRANULARITIES, { error: `must be one of ${GRANULARITIES.join(', ')}` }),
  }),
  async run(
    ctx,
    input,
  ): Promise<{ granularity: Granularity; filters: FilterEcho; points: TimeSeriesPoint[] }> {
    const { filters, echo } = await resolveFilters(ctx.tx, TIME_SERIES_SPEC, input);
    const points = await rows<{
      period: string;
      currency: string;
      accrued: string;
      sent: number;
      sent_amount: string;
      succeeded: number;
      succeeded_amount: string;
      failed: number;
      failed_amount: string;
      reversed: number;
      reversed_amount: string;
      clawbacks: string;
    }>(
      ctx.tx,
      servedByAggregates(filters)
        ? timeSeriesFromAggregates(input.granularity, filters)
        : timeSeriesSql(input.granularity, filters),
    );
    return {
      granularity: input.granularity,
      filters: echo,
      points: points.map((p) => ({
        period: p.period,
        currency: p.currency,
        accruedMinor: p.accrued,
        sent: Number(p.sent),
        sentMinor: p.sent_amount,
        succeeded: Number(p.succeeded),
        succeededMinor: p.succeeded_amount,
        paidMinor: p.succeeded_amount,
        failed: Number(p.failed),
        failedMinor: p.failed_amount,
        reversed: Number(p.reversed),
        reversedMinor: p.reversed_amount,
        clawbacksMinor: p.clawbacks,
        payouts: Number(p.succeeded) + Number(p.failed),
      })),
    };
  },
});

// ---------------------------------------------------------------------------------------------
// reports.affiliatePerformance
// ---------------------------------------------------------------------------------------------

export const AFFILIATE_STATUSES = ['active', 'suspended', 'closed'] as const;

export const PERFORMANCE_SPEC = {
  report: 'affiliates',
  accepts: ['from', 'to', 'currency', 'provider', 'affiliate', 'status'],
  statuses: AFFILIATE_STATUSES,
  dated:
    "conversions and their commissions when they occurred, clawbacks when made; provider is the affiliate's payout provider; status is the affiliate's",
} as const satisfies FilterSpec;

export const PERFORMANCE_SORT = [
  'affiliateId',
  'name',
  'currency',
  'conversions',
  'netRevenueMinor',
  'commissionsMinor',
  'paidMinor',
  'pendingMinor',
  'payableMinor',
  'clawedBackMinor',
] as const;
export type PerformanceSortField = (typeof PERFORMANCE_SORT)[number];

export interface PerformanceRow {
  affiliateId: string;
  name: string;
  /** The commissions' currency. */
  currency: string;
  /** Conversions in this currency, calculated or not, refunded and fraud included. */
  conversions: number;
  /** Gross minus discount of those conversions that stand (not refunded, not fraud). */
  netRevenueMinor: string;
  /** Everything earned: pending, payable and paid (voided commissions are 0). */
  commissionsMinor: string;
  paidMinor: string;
  /** Still in the hold period. */
  pendingMinor: string;
  payableMinor: string;
  /** Clawed back (clawback adjustments, negated: positive when money is owed back). */
  clawedBackMinor: string;
}

interface Performance {
  row: PerformanceRow;
  revenue: bigint;
  commissions: bigint;
  paid: bigint;
  pending: bigint;
  payable: bigint;
  clawed: bigint;
}
const PERFORMANCE_COMPARE: Record<PerformanceSortField, Compare<Performance>> = {
  affiliateId: byText((p) => p.row.affiliateId),
  name: byText((p) => p.row.name),
  currency: byText((p) => p.row.currency),
  conversions: byNumber((p) => p.row.conversions),
  netRevenueMinor: byAmount((p) => p.revenue),
  commissionsMinor: byAmount((p) => p.commissions),
  paidMinor: byAmount((p) => p.paid),
  pendingMinor: byAmount((p) => p.pending),
  payableMinor: byAmount((p) => p.payable),
  clawedBackMinor: byAmount((p) => p.clawed),
};
const PERFORMANCE_DEFAULT_SORT: Sort<PerformanceSortField> = {
  field: 'commissionsMinor',
  dir: 'desc',
};

/**
 * The affiliates a performance report covers: the affiliate, status, provider and search filters.
 */
function pickedAffiliates(f: Filters, pattern: string | null): SQL {
  return sql`SELECT a.id, a.name FROM affiliates a
    WHERE ${where(f, { affiliate: sql`a.id`, status: sql`a.status` })} ${f.provider ? sql`AND a.payout_provider = ${f.provider}` : sql``}
    ${pattern ? sql`AND ${matchesAny(pattern, [sql`a.id`, sql`a.name`])}` : sql``}`;
}

function performanceSql(f: Filters, pattern: string | null): SQL {
  return sql`WITH picked AS (${pickedAffiliates(f, pattern)}),
    converted AS (
      SELECT v.affiliate_id, trim(v.currency) AS currency, count(*)::int AS conversions,
             coalesce(sum(v.gross_minor - v.discount_minor) FILTER (WHERE v.status IN ('approved', 'pending')), 0) AS revenue
      FROM conversions v JOIN picked ON picked.id = v.affiliate_id
      WHERE ${where(f, { at: sql`v.occurred_at`, currency: sql`v.currency` })}
      GROUP BY 1, 2),
    earned AS (
      SELECT m.affiliate_id, trim(m.currency) AS currency,
             sum(m.amount_minor) AS commissions,
             coalesce(sum(m.amount_minor) FILTER (WHERE m.status = 'paid'), 0) AS paid,
             coalesce(sum(m.amount_minor) FILTER (WHERE m.status = 'pending'), 0) AS pending,
             coalesce(sum(m.amount_minor) FILTER (WHERE m.status = 'payable'), 0) AS payable
      FROM commissions m JOIN picked ON picked.id = m.affiliate_id
      WHERE ${where(f, { at: sql`m.occurred_at`, currency: sql`m.currency` })}
      GROUP BY 1, 2),
    clawed AS (
      SELECT a.affiliate_id, trim(a.currency) AS currency, -sum(a.amount_minor) AS clawed
      FROM adjustments a JOIN picked ON picked.id = a.affiliate_id
      WHERE ${CLAWBACK} AND ${where(f, { at: sql`a.created_at`, currency: sql`a.currency` })}
      GROUP BY 1, 2)
    SELECT coalesce(json_agg(json_build_array(g.affiliate_id, p.name, g.currency, coalesce(v.conversions, 0), coalesce(v.revenue, 0)::text,
                                              coalesce(e.commissions, 0)::text, coalesce(e.paid, 0)::text, coalesce(e.pending, 0)::text,
                                              coalesce(e.payable, 0)::text, coalesce(c.clawed, 0)::text)), '[]')::text AS groups
    FROM (SELECT affiliate_id, currency FROM converted UNION SELECT affiliate_id, currency FROM earned UNION SELECT affiliate_id, currency FROM clawed) g
    JOIN picked p ON p.id = g.affiliate_id
    LEFT JOIN converted v ON v.affiliate_id = g.affiliate_id AND v.currency = g.currency
    LEFT JOIN earned e ON e.affiliate_id = g.affiliate_id AND e.currency = g.currency
    LEFT JOIN clawed c ON c.affiliate_id = g.affiliate_id AND c.currency = g.currency`;
}

/**
 * The same groups from the maintained all-time aggregates (aggregates.ts): when no period is asked.
 */
function performanceFromAggregates(f: Filters, pattern: string | null): SQL {
  return sql`WITH picked AS (${pickedAffiliates(f, pattern)}),
    g AS (
      SELECT r.affiliate_id, r.currency, sum(r.conversions) AS conversions, sum(r.revenue_minor) AS revenue, sum(r.commissions_minor) AS commissions,
             sum(r.paid_minor) AS paid, sum(r.pending_minor) AS pending, sum(r.payable_minor) AS payable, sum(r.clawed_minor) AS clawed
      FROM report_affiliates r
      WHERE ${where(f, { currency: sql`r.currency`, affiliate: sql`r.affiliate_id` })}
      GROUP BY 1, 2 HAVING sum(r.entries) <> 0)
    SELECT coalesce(json_agg(json_build_array(g.affiliate_id, p.name, g.currency, g.conversions, g.revenue::text, g.commissions::text,
                                              g.paid::text, g.pending::text, g.payable::text, g.clawed::text)), '[]')::text AS groups
    FROM g JOIN picked p ON p.id = g.affiliate_id`;
}

/**
 * Grouped once per filter in SQL and kept (kept.ts): a grid pages and re-sorts it in memory, where
 * summing a million commissions again for every page would take seconds.
 */
export const affiliatePerformance = defineQuery({
  name: 'reports.affiliatePerformance',
  permission: 'reports.view',
  input: filtersSchema(PERFORMANCE_SPEC, pageFields(PERFORMANCE_SORT)),
  async run(ctx, input): Promise<{ total: number; filters: FilterEcho; rows: PerformanceRow[] }> {
    const { filters, echo } = await resolveFilters(ctx.tx, PERFORMANCE_SPEC, input);
    const pattern = likePattern(input.search);
    const key = JSON.stringify(['performance', echo, pattern]);
    const ordered = await keptResult(
      ctx.store,
      { key, sources: ['affiliates', 'commissions', 'conversions', 'adjustments'] },
      async (tx: CentralTx) => {
        const fromAggregates = filters.from === null && filters.to === null;
        const [r] = await rows<{ groups: string }>(
          tx,
          fromAggregates
            ? performanceFromAggregates(filters, pattern)
            : performanceSql(filters, pattern),
        );
        const groups = parseJson<
          [string, string, string, number, string, string, string, string, string, string][]
        >(r!.groups).map((g): Performance => ({
          row: {
            affiliateId: g[0],
            name: g[1],
            currency: g[2],
            conversions: g[3],
            netRevenueMinor: g[4],
            commissionsMinor: g[5],
            paidMinor: g[6],
            pendingMinor: g[7],
            payableMinor: g[8],
            clawedBackMinor: g[9],
          },
          revenue: BigInt(g[4]),
          commissions: BigInt(g[5]),
          paid: BigInt(g[6]),
          pending: BigInt(g[7]),
          payable: BigInt(g[8]),
          clawed: BigInt(g[9]),
        }));
        return new OrderedRows(
          groups,
          PERFORMANCE_COMPARE,
          (a, b) => PERFORMANCE_COMPARE.affiliateId(a, b) || PERFORMANCE_COMPARE.currency(a, b),
        );
      },
    );
    const { offset, limit } = pageOf(input);
    const page = ordered.page(input.sort ?? PERFORMANCE_DEFAULT_SORT, offset, limit);
    return { total: page.total, filters: echo, rows: page.rows.map((p) => p.row) };
  },
});
