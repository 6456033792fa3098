/**
 * Affiliate performance (`treasury report affiliates`): per affiliate and currency, conversions,
 * net revenue, commissions, paid, pending, payable and clawed back. Grouped in SQL (all time: from
 * the maintained aggregates, aggregates.ts), kept, then paged and sorted in memory.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { defineQuery } from '../../platform/kernel/router.js';
import { keptResult } from '../../platform/query/kept.js';
import {
  byAmountWithinCurrency,
  byNumber,
  byText,
  OrderedRows,
  type Compare,
  type Grouped,
} from '../../platform/query/ordered.js';
import {
  likePattern,
  matchesAny,
  pageFields,
  pageOf,
  parseJson,
  type Sort,
} from '../../platform/query/paging.js';
import { CLAWBACK } from './analysis.js';
import {
  filtersSchema,
  resolveFilters,
  where,
  type FilterEcho,
  type Filters,
  type FilterSpec,
} from './filters.js';
import { defineReport } from './report.js';

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
// Amounts sort within each currency (ordered.ts): raw minor units of two currencies do not compare.
const PERFORMANCE_COMPARE = {
  affiliateId: byText((p) => p.row.affiliateId),
  name: byText((p) => p.row.name),
  currency: byText((p) => p.row.currency),
  conversions: byNumber((p) => p.row.conversions),
  netRevenueMinor: byAmountWithinCurrency(
    (p) => p.row.currency,
    (p) => p.revenue,
  ),
  commissionsMinor: byAmountWithinCurrency(
    (p) => p.row.currency,
    (p) => p.commissions,
  ),
  paidMinor: byAmountWithinCurrency(
    (p) => p.row.currency,
    (p) => p.paid,
  ),
  pendingMinor: byAmountWithinCurrency(
    (p) => p.row.currency,
    (p) => p.pending,
  ),
  payableMinor: byAmountWithinCurrency(
    (p) => p.row.currency,
    (p) => p.payable,
  ),
  clawedBackMinor: byAmountWithinCurrency(
    (p) => p.row.currency,
    (p) => p.clawed,
  ),
} satisfies Record<PerformanceSortField, Compare<Performance> | Grouped<Performance>>;
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

export const AFFILIATE_PERFORMANCE = defineReport({
  name: 'affiliates',
  about:
    'per affiliate and currency: conversions, net revenue, commissions, paid, pending, payable and clawed back',
  query: affiliatePerformance,
});
