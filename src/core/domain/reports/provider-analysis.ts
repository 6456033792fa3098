/**
 * `reports.providerAnalysis`: per provider and currency, payouts by status, money paid, reversed
 * and failed, the success rate, settle-time percentiles and failure codes — dated by when the
 * payout was created. Counts and sums come from the maintained aggregates for whole-day periods
 * (aggregates.ts); the percentiles always read the settled payouts (a percentile is not a sum).
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows } from '../../platform/central/store.js';
import { defineQuery } from '../../platform/kernel/router.js';
import { PAYOUT_STATUSES } from '../payouts/status.js';
import { dayRange, servedByAggregates } from './aggregates.js';
import {
  filtersSchema,
  resolveFilters,
  where,
  type FilterEcho,
  type Filters,
  type FilterSpec,
} from './filters.js';
import { submittedAt } from './payout-times.js';
import { defineReport } from './report.js';

export const PROVIDER_SPEC = {
  report: 'providers',
  accepts: ['from', 'to', 'currency', 'provider', 'affiliate', 'status', 'batch'],
  statuses: PAYOUT_STATUSES,
  dated: 'when the payout was created; status is the payout status',
} as const satisfies FilterSpec;

export interface ProviderAnalysisRow {
  provider: string;
  currency: string;
  payouts: number;
  /** Succeeded and not reversed (the counts partition the payouts). */
  succeeded: number;
  failed: number;
  /** Not settled yet: not sent, or with the provider. */
  pending: number;
  cancelled: number;
  reversed: number;
  /** Succeeded and standing. */
  paidMinor: string;
  /** Succeeded, then reversed. */
  reversedMinor: string;
  failedMinor: string;
  /**
   * Succeeded (reversed later included) out of settled, in percent with one decimal ("97.5"); null
   * when none settled.
   */
  successRate: string | null;
  /**
   * Seconds from the first attempt to success or failure: median and 95th percentile (one decimal);
   * null when none.
   */
  settleSecondsP50: string | null;
  settleSecondsP95: string | null;
  /** Fees the provider reported; null: neither provider's payout API reports a fee (see README). */
  feesMinor: string | null;
}

export interface FailureCodeRow {
  provider: string;
  currency: string;
  code: string;
  count: number;
}

interface ProviderCounts {
  provider: string;
  currency: string;
  payouts: number;
  succeeded: number;
  failed: number;
  pending: number;
  cancelled: number;
  reversed: number;
  paid: string;
  reversed_amount: string;
  failed_amount: string;
  success_rate: string | null;
  p50: string | null;
  p95: string | null;
}

/**
 * Seconds from the first attempt to success or failure, per payout picked; percentiles per provider
 * and currency.
 */
function settleSql(picked: SQL): SQL {
  return sql`SELECT p.provider, trim(p.currency) AS currency,
                    round((percentile_cont(0.5) WITHIN GROUP (ORDER BY p.settle_s))::numeric, 1)::text AS p50,
                    round((percentile_cont(0.95) WITHIN GROUP (ORDER BY p.settle_s))::numeric, 1)::text AS p95
             FROM (SELECT p.provider, p.currency, extract(epoch FROM (p.settled_at - ${submittedAt('p')})) AS settle_s
                   FROM payouts p WHERE p.status IN ('SUCCEEDED', 'FAILED') AND ${picked}) p
             GROUP BY 1, 2`;
}

const SUCCESS_RATE = sql`round(100::numeric * (c.succeeded + c.reversed) / nullif(c.succeeded + c.reversed + c.failed, 0), 1)::text`;

function providerCountsSql(picked: SQL): SQL {
  return sql`WITH c AS (
      SELECT p.provider, trim(p.currency) AS currency, count(*)::int AS payouts,
             (count(*) FILTER (WHERE p.status = 'SUCCEEDED'))::int AS succeeded,
             (count(*) FILTER (WHERE p.status = 'FAILED'))::int AS failed,
             (count(*) FILTER (WHERE p.status IN ('PENDING', 'UNKNOWN', 'ACCEPTED')))::int AS pending,
             (count(*) FILTER (WHERE p.status = 'CANCELLED'))::int AS cancelled,
             (count(*) FILTER (WHERE p.status = 'REVERSED'))::int AS reversed,
             coalesce(sum(p.amount_minor) FILTER (WHERE p.status = 'SUCCEEDED'), 0)::text AS paid,
             coalesce(sum(p.amount_minor) FILTER (WHERE p.status = 'REVERSED'), 0)::text AS reversed_amount,
             coalesce(sum(p.amount_minor) FILTER (WHERE p.status = 'FAILED'), 0)::text AS failed_amount
      FROM payouts p WHERE ${picked} GROUP BY 1, 2)
    SELECT c.*, ${SUCCESS_RATE} AS success_rate, s.p50, s.p95
    FROM c LEFT JOIN (${settleSql(picked)}) s USING (provider, currency) ORDER BY 1, 2`;
}

/**
 * Counts and sums from the maintained `created` facts (aggregates.ts); the percentiles still read
 * the settled payouts.
 */
function providerCountsFromAggregates(f: Filters): SQL {
  const n = (...statuses: string[]) =>
    sql`(coalesce(sum(r.n) FILTER (WHERE r.status IN (${sql.join(
      statuses.map((x) => sql`${x}`),
      sql`, `,
    )})), 0))::int`;
  const amount = (status: string) =>
    sql`coalesce(sum(r.amount_minor) FILTER (WHERE r.status = ${status}), 0)::text`;
  const picked = where(f, {
    at: sql`p.created_at`,
    currency: sql`p.currency`,
    provider: sql`p.provider`,
    status: sql`p.status`,
  });
  return sql`WITH c AS (
      SELECT r.provider, r.currency, sum(r.n)::int AS payouts, ${n('SUCCEEDED')} AS succeeded, ${n('FAILED')} AS failed,
             ${n('PENDING', 'UNKNOWN', 'ACCEPTED')} AS pending, ${n('CANCELLED')} AS cancelled, ${n('REVERSED')} AS reversed,
             ${amount('SUCCEEDED')} AS paid, ${amount('REVERSED')} AS reversed_amount, ${amount('FAILED')} AS failed_amount
      FROM report_days r
      WHERE r.fact = 'created' AND ${dayRange(f)} AND ${where(f, { currency: sql`r.currency`, provider: sql`r.provider`, status: sql`r.status` })}
      GROUP BY 1, 2 HAVING sum(r.n) <> 0)
    SELECT c.*, ${SUCCESS_RATE} AS success_rate, s.p50, s.p95
    FROM c LEFT JOIN (${settleSql(picked)}) s USING (provider, currency) ORDER BY 1, 2`;
}

function failureCodesSql(picked: SQL): SQL {
  return sql`SELECT p.provider, trim(p.currency) AS currency, coalesce(p.failure_code, 'UNSPECIFIED') AS code, count(*)::int AS n
             FROM payouts p WHERE p.status = 'FAILED' AND ${picked}
             GROUP BY 1, 2, 3 ORDER BY 1, 2, 4 DESC, 3`;
}

/**
 * The `failure` facts hold the failure code where the others hold the status: all are FAILED
 * payouts.
 */
function failureCodesFromAggregates(f: Filters): SQL {
  if (f.status !== null && !f.status.includes('FAILED'))
    return sql`SELECT NULL AS provider, NULL AS currency, NULL AS code, 0 AS n WHERE FALSE`;
  return sql`SELECT r.provider, r.currency, r.status AS code, sum(r.n)::int AS n FROM report_days r
             WHERE r.fact = 'failure' AND ${dayRange(f)} AND ${where(f, { currency: sql`r.currency`, provider: sql`r.provider` })}
             GROUP BY 1, 2, 3 HAVING sum(r.n) <> 0 ORDER BY 1, 2, 4 DESC, 3`;
}

export const providerAnalysis = defineQuery({
  name: 'reports.providerAnalysis',
  permission: 'reports.view',
  input: filtersSchema(PROVIDER_SPEC, {}),
  async run(
    ctx,
    input,
  ): Promise<{ filters: FilterEcho; rows: ProviderAnalysisRow[]; failureCodes: FailureCodeRow[] }> {
    const { filters, echo } = await resolveFilters(ctx.tx, PROVIDER_SPEC, input);
    const picked = where(filters, {
      at: sql`p.created_at`,
      currency: sql`p.currency`,
      provider: sql`p.provider`,
      affiliate: sql`p.affiliate_id`,
      status: sql`p.status`,
      batch: sql`p.batch_id`,
    });
    const fromAggregates = servedByAggregates(filters);
    const list = await rows<ProviderCounts>(
      ctx.tx,
      fromAggregates ? providerCountsFromAggregates(filters) : providerCountsSql(picked),
    );
    const codes = await rows<{ provider: string; currency: string; code: string; n: number }>(
      ctx.tx,
      fromAggregates ? failureCodesFromAggregates(filters) : failureCodesSql(picked),
    );
    return {
      filters: echo,
      rows: list.map((r) => ({
        provider: r.provider,
        currency: r.currency,
        payouts: Number(r.payouts),
        succeeded: Number(r.succeeded),
        failed: Number(r.failed),
        pending: Number(r.pending),
        cancelled: Number(r.cancelled),
        reversed: Number(r.reversed),
        paidMinor: r.paid,
        reversedMinor: r.reversed_amount,
        failedMinor: r.failed_amount,
        successRate: r.success_rate,
        settleSecondsP50: r.p50,
        settleSecondsP95: r.p95,
        feesMinor: null,
      })),
      failureCodes: codes.map((c) => ({
        provider: c.provider,
        currency: c.currency,
        code: c.code,
        count: Number(c.n),
      })),
    };
  },
});

export const PROVIDER_ANALYSIS = defineReport({
  name: 'providers',
  about:
    'per provider and currency: payouts by status, paid, success rate, settle-time percentiles, fees and failure codes',
  query: providerAnalysis,
});
