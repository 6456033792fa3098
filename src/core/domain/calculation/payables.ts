/**
 * What each affiliate can be paid now, per currency: payable commissions plus open adjustments not
 * already in a live payout, with the reasons an affiliate is not eligible. One aggregate query,
 * over the open commissions the writes keep per affiliate (migration 0014) rather than every
 * commission.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows, type CentralTx } from '../../platform/central/store.js';
import {
  nextPayoutDate,
  payableBalance,
  ruleVersionAt,
  type RuleSet,
} from '../../shared/commission/index.js';
import { formatAmount } from '../../shared/money/index.js';
import { loadRuleVersions } from './rules-store.js';

export type IneligibleReason =
  | 'affiliate_inactive'
  | 'payouts_held'
  | 'kyc_not_approved'
  | 'no_destination'
  | 'nothing_payable'
  | 'negative_balance'
  | 'below_minimum'
  | 'currency_not_in_rules';

export interface PayableRow {
  affiliateId: string;
  name: string;
  currency: string;
  payable: string; // decimal, major units; never negative
  payableMinor: string;
  carriedForward: string; // negative balance carried to later payouts, ≤ 0
  commissions: string; // payable commissions total
  adjustments: string; // open adjustments total (negative: clawbacks)
  commissionCount: number;
  pending: string; // not yet payable (hold period, pending conversion, inactive affiliate)
  pendingCount: number;
  minimum: string | null;
  eligible: boolean;
  reasons: IneligibleReason[];
  nextPayoutDate: string | null; // YYYY-MM-DD
}

export async function listPayables(
  tx: CentralTx,
  options: { currency?: string; now: Date },
): Promise<PayableRow[]> {
  const versions = await loadRuleVersions(tx);
  const rules = ruleVersionAt(versions, options.now.getTime())?.rules;
  const result = await rows<PayableTotals>(
    tx,
    sql`SELECT t.affiliate_id, t.name, t.status, t.kyc_status, t.payout_provider, t.payout_hold, t.currency,
               t.payable::text AS payable, t.payable_count, t.pending::text AS pending, t.pending_count, t.adjustments::text AS adjustments
        FROM (${payableTotalsSql({ currency: options.currency })}) t
        ORDER BY t.currency, t.affiliate_id`,
  );
  return decidePayables(result, rules, options.now);
}

/**
 * The aggregate every payables view decides on, as SQL: one row per (affiliate, currency) with
 * payable and pending commissions and open adjustments not in a live payout. Amounts are numeric
 * (exact sums of bigint). `affiliates` is a condition on `a` (the affiliates row) narrowing which
 * affiliates are summed; it and the currency are pushed into the aggregates, so a narrow filter
 * does not pay for summing everyone.
 */
export function payableTotalsSql(filter: {
  currency?: string | undefined;
  affiliates?: SQL | undefined;
  fromTables?: boolean;
}): SQL {
  const currency = filter.currency ?? null;
  const picked = (column: SQL) =>
    filter.affiliates
      ? sql`AND ${column} IN (SELECT a.id FROM affiliates a WHERE ${filter.affiliates})`
      : sql``;
  return sql`WITH com AS (${filter.fromTables ? commissionsFromTable(currency, picked) : commissionsFromOpen(currency, picked)}),
        adj AS (
          SELECT d.affiliate_id, d.currency, sum(d.amount_minor) AS adjustments
          FROM adjustments d
          WHERE (${currency}::text IS NULL OR d.currency = ${currency}::text) ${picked(sql`d.affiliate_id`)}
            AND NOT EXISTS (SELECT 1 FROM payout_items l WHERE l.adjustment_id = d.id AND l.live)
          GROUP BY d.affiliate_id, d.currency)
        SELECT a.id AS affiliate_id, a.name, a.status, a.kyc_status, a.payout_provider, a.payout_hold_reason AS payout_hold, k.currency,
               coalesce(com.payable, 0) AS payable, coalesce(com.payable_count, 0) AS payable_count,
               coalesce(com.pending, 0) AS pending, coalesce(com.pending_count, 0) AS pending_count,
               coalesce(adj.adjustments, 0) AS adjustments
        FROM (SELECT affiliate_id, currency FROM com UNION SELECT affiliate_id, currency FROM adj) k
        JOIN affiliates a ON a.id = k.affiliate_id
        LEFT JOIN com ON com.affiliate_id = k.affiliate_id AND com.currency = k.currency
        LEFT JOIN adj ON adj.affiliate_id = k.affiliate_id AND adj.currency = k.currency`;
}

/**
 * Payable and pending commissions in no live payout, per affiliate and currency, from the
 * commissions.
 */
function commissionsFromTable(currency: string | null, picked: (column: SQL) => SQL): SQL {
  return sql`SELECT m.affiliate_id, m.currency,
                 coalesce(sum(m.amount_minor) FILTER (WHERE m.status = 'payable'), 0) AS payable,
                 count(*) FILTER (WHERE m.status = 'payable')::int AS payable_count,
                 coalesce(sum(m.amount_minor) FILTER (WHERE m.status = 'pending'), 0) AS pending,
                 count(*) FILTER (WHERE m.status = 'pending')::int AS pending_count
          FROM commissions m
          WHERE m.status IN ('payable', 'pending')
            AND (${currency}::text IS NULL OR m.currency = ${currency}::text) ${picked(sql`m.affiliate_id`)}
            AND NOT EXISTS (SELECT 1 FROM payout_items l WHERE l.commission_id = m.id AND l.live)
          GROUP BY m.affiliate_id, m.currency`;
}

/**
 * The same from open_commissions, kept by the writes (migration 0014): about one row per affiliate
 * instead of every commission. A key with nothing payable or pending (only held, which payables do
 * not show apart) is no row, as in the table's figures.
 */
function commissionsFromOpen(currency: string | null, picked: (column: SQL) => SQL): SQL {
  return sql`SELECT o.affiliate_id, o.currency, sum(o.payable_minor) AS payable, sum(o.payable_count)::int AS payable_count,
                 sum(o.pending_minor) AS pending, sum(o.pending_count)::int AS pending_count
          FROM open_commissions o
          WHERE (${currency}::text IS NULL OR o.currency = ${currency}::text) ${picked(sql`o.affiliate_id`)}
          GROUP BY o.affiliate_id, o.currency
          HAVING sum(o.payable_count) <> 0 OR sum(o.pending_count) <> 0`;
}

/** The per-affiliate totals as the aggregate query returns them (central SQL, or the cache's). */
export interface PayableTotals {
  affiliate_id: string;
  name: string;
  status: string;
  kyc_status: string;
  payout_provider: string | null;
  currency: string;
  /** Why a person holds this affiliate's payouts (affiliate.hold), or null. */
  payout_hold: string | null;
  payable: string;
  payable_count: number | bigint;
  pending: string;
  pending_count: number | bigint;
  adjustments: string;
}

/**
 * Eligibility and balances from the totals: shared by the central query and the offline one
 * (calculation/offline.ts), so both say the same thing about the same rows.
 */
export function decidePayables(
  result: readonly PayableTotals[],
  rules: RuleSet | undefined,
  now: Date,
): PayableRow[] {
  const next = rules ? nextPayoutDate(now, rules.payoutSchedule).toISOString().slice(0, 10) : null;
  return result.map((r) => {
    const currency = r.currency.trim();
    const commissions = BigInt(r.payable);
    const adjustments = BigInt(r.adjustments);
    const { payable, carriedForward } = payableBalance(commissions, adjustments);
    const minimum = rules?.minimumPayout[currency];
    const reasons: IneligibleReason[] = [];
    if (r.status !== 'active') reasons.push('affiliate_inactive');
    if (r.payout_hold) reasons.push('payouts_held');
    if (r.kyc_status !== 'approved') reasons.push('kyc_not_approved');
    if (!r.payout_provider) reasons.push('no_destination');
    if (commissions + adjustments < 0n) reasons.push('negative_balance');
    else if (payable === 0n) reasons.push('nothing_payable');
    else if (minimum === undefined) reasons.push('currency_not_in_rules');
    else if (payable < minimum) reasons.push('below_minimum');
    return {
      affiliateId: r.affiliate_id,
      name: r.name,
      currency,
      payable: formatAmount(payable, currency),
      payableMinor: payable.toString(),
      carriedForward: formatAmount(carriedForward, currency),
      commissions: formatAmount(commissions, currency),
      adjustments: formatAmount(adjustments, currency),
      commissionCount: Number(r.payable_count),
      pending: formatAmount(BigInt(r.pending), currency),
      pendingCount: Number(r.pending_count),
      minimum: minimum === undefined ? null : formatAmount(minimum, currency),
      eligible: reasons.length === 0,
      reasons,
      nextPayoutDate: next,
    };
  });
}
