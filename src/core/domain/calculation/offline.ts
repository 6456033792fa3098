/**
 * Rules and payables offline (the offline handlers of rules.show and payables.list, and what the
 * console's offline pages decide with): the same deciding function as online
 * (calculation/payables.ts) over the cache's mirror tables. Amounts stay integer minor units.
 */
import type { LocalCache } from '../../platform/cache/cache.js';
import { isoText } from '../../platform/cache/mirror-text.js';
import { decidePayables, type PayableTotals } from './payables.js';
import { parseRuleSet, ruleVersionAt } from '../../shared/commission/index.js';

function ruleRows(cache: LocalCache) {
  return (
    cache.sqlite
      .prepare(
        'SELECT version, effective_from, body, created_at FROM commission_rules ORDER BY version',
      )
      .all() as {
      version: bigint;
      effective_from: string;
      body: string;
      created_at: string;
    }[]
  ).map((r) => ({
    version: Number(r.version),
    effectiveFrom: isoText(r.effective_from)!,
    body: JSON.parse(r.body) as unknown,
    createdAt: isoText(r.created_at)!,
  }));
}

export function showRules(cache: LocalCache, now: Date) {
  const versions = ruleRows(cache);
  const current =
    versions.filter((v) => Date.parse(v.effectiveFrom) <= now.getTime()).at(-1) ?? null;
  return { current: current?.version ?? null, versions };
}

/** payables.list over the cache: the central aggregate in SQLite, then the same decisions. */
export function listPayablesOffline(cache: LocalCache, currency: string | undefined, now: Date) {
  return decidePayables(
    payableTotalsOffline(cache, currency),
    rulesInForce(cache, now)?.rules,
    now,
  );
}

/** The central payables aggregate (calculation/payables.ts), in SQLite over the mirrors. */
export function payableTotalsOffline(
  cache: LocalCache,
  currency: string | undefined,
): PayableTotals[] {
  const totals = cache.sqlite
    .prepare(
      `WITH com AS (
         SELECT m.affiliate_id, trim(m.currency) AS currency,
                coalesce(sum(m.amount_minor) FILTER (WHERE m.status = 'payable'), 0) AS payable,
                count(*) FILTER (WHERE m.status = 'payable') AS payable_count,
                coalesce(sum(m.amount_minor) FILTER (WHERE m.status = 'pending'), 0) AS pending,
                count(*) FILTER (WHERE m.status = 'pending') AS pending_count
         FROM commissions m
         WHERE m.status IN ('payable', 'pending') AND NOT EXISTS (SELECT 1 FROM payout_items l WHERE l.commission_id = m.id AND l.live = 1)
         GROUP BY m.affiliate_id, trim(m.currency)),
       adj AS (
         SELECT d.affiliate_id, trim(d.currency) AS currency, sum(d.amount_minor) AS adjustments
         FROM adjustments d WHERE NOT EXISTS (SELECT 1 FROM payout_items l WHERE l.adjustment_id = d.id AND l.live = 1)
         GROUP BY d.affiliate_id, trim(d.currency))
       SELECT a.id AS affiliate_id, a.name, a.status, a.kyc_status, a.payout_provider, a.payout_hold_reason AS payout_hold, k.currency,
              coalesce(com.payable, 0) AS payable, coalesce(com.payable_count, 0) AS payable_count,
              coalesce(com.pending, 0) AS pending, coalesce(com.pending_count, 0) AS pending_count,
              coalesce(adj.adjustments, 0) AS adjustments
       FROM (SELECT affiliate_id, currency FROM com UNION SELECT affiliate_id, currency FROM adj) k
       JOIN affiliates a ON a.id = k.affiliate_id
       LEFT JOIN com ON com.affiliate_id = k.affiliate_id AND com.currency = k.currency
       LEFT JOIN adj ON adj.affiliate_id = k.affiliate_id AND adj.currency = k.currency
       WHERE ? IS NULL OR k.currency = ?
       ORDER BY k.currency, a.id`,
    )
    .all(currency ?? null, currency ?? null) as (Omit<
    PayableTotals,
    'payable' | 'pending' | 'adjustments'
  > & { payable: bigint; pending: bigint; adjustments: bigint })[];
  // SQLite sums integers exactly (64-bit); they travel on as decimal strings like the central text.
  return totals.map((t) => ({
    ...t,
    payable: String(t.payable),
    pending: String(t.pending),
    adjustments: String(t.adjustments),
  }));
}

/** The rule version in force at `now`, from the mirrored versions. */
export function rulesInForce(cache: LocalCache, now: Date) {
  const versions = ruleRows(cache).map((v) => ({
    version: v.version,
    effectiveFrom: Date.parse(v.effectiveFrom),
    rules: parseRuleSet(v.body),
  }));
  return ruleVersionAt(versions, now.getTime());
}
