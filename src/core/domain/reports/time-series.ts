/**
 * The time series (`treasury report time-series`): per UTC bucket (day, week starting Monday, or
 * month) and currency, commissions accrued, payouts sent, succeeded, failed and reversed, and
 * clawbacks — each figure dated by its own instant. Grouped in SQL; whole-day periods are summed
 * from the maintained aggregates (aggregates.ts). Amounts are exact sums of bigint minor units, sent
 * as decimal strings.
 *
 * Time buckets are UTC: `date_trunc` over the instant taken AT TIME ZONE 'UTC', whatever the
 * server's TimeZone. Filters: filters.ts (period [from, to)).
 */
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { rows } from '../../platform/central/store.js';
import { defineQuery } from '../../platform/kernel/router.js';
import { PAYOUT_STATUSES } from '../payouts/status.js';
import { dayRange, servedByAggregates } from './aggregates.js';
import { CLAWBACK, viaProvider } from './analysis.js';
import {
  filtersSchema,
  resolveFilters,
  where,
  type FilterEcho,
  type Filters,
  type FilterSpec,
} from './filters.js';
import { paidAt, reversedAt, submittedAt } from './payout-times.js';
import { GRANULARITIES, isPartialPeriod, type Granularity } from './periods.js';
import { defineReport } from './report.js';

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
  /**
   * The bucket is not covered whole: the report's period starts or ends inside it, or it is still
   * running (periods.ts). Its figures are not comparable with a whole bucket's.
   */
  partial: boolean;
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
        partial: isPartialPeriod(p.period, input.granularity, filters, ctx.now),
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

export const TIME_SERIES = defineReport({
  name: 'time-series',
  about:
    'money over time: per day, week or month and currency, commissions accrued, payouts sent, succeeded, failed and reversed, and clawbacks',
  query: timeSeries,
});
