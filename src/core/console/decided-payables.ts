/**
 * The decided payables set behind the payables grid and the dashboard: payables.list's aggregate
 * and decisions over every matching affiliate, kept between requests (kept.ts says why it is never
 * stale) so that a page, a re-sort or the dashboard's totals cost milliseconds, not a new sum of
 * every commission. Built again when the data changed or when the rule version in force has.
 */
import { sql } from 'drizzle-orm';
import { payableTotalsSql, type PayableTotals } from '../calculation/payables.js';
import { loadRuleVersions } from '../calculation/rules-store.js';
import type { CentralStore } from '../central/store.js';
import { rows } from '../central/store.js';
import { ruleVersionAt, type RuleVersion } from '../commission/index.js';
import { keptResult } from './kept.js';
import { likePattern, matchesAny, parseJson } from './paging.js';
import { PayablesSet } from './payables.js';

/** The tables a decided set is made of. */
const SOURCES = ['affiliates', 'commissions', 'adjustments', 'payout_items', 'commission_rules'];

interface Decided {
  versions: RuleVersion[];
  version: number | null;
  set: PayablesSet;
}

export interface DecidedFilter {
  currency?: string | undefined;
  search?: string | undefined;
}

/** Every decided (affiliate, currency) row matching the filter, as of now. */
export async function decidedPayables(ctx: { store: CentralStore; now: Date }, filter: DecidedFilter): Promise<PayablesSet> {
  const pattern = likePattern(filter.search);
  const at = ctx.now.getTime();
  const decided = await keptResult<Decided>(
    ctx.store,
    { key: JSON.stringify(['payables', filter.currency ?? null, pattern]), sources: SOURCES },
    async (tx) => {
      const versions = await loadRuleVersions(tx);
      const affiliates = pattern ? matchesAny(pattern, [sql`a.id`, sql`a.name`]) : undefined;
      // One text value rather than a row per affiliate: moving 100,000 rows out of PGlite costs
      // more than summing them; one JSON document costs little.
      const [r] = await rows<{ totals: string }>(
        tx,
        sql`SELECT coalesce(json_agg(json_build_array(t.affiliate_id, t.name, t.status, t.kyc_status, t.payout_provider, t.currency,
                                                     t.payable::text, t.payable_count, t.pending::text, t.pending_count, t.adjustments::text)), '[]')::text AS totals
            FROM (${payableTotalsSql({ currency: filter.currency, affiliates })}) t`,
      );
      const totals = parseJson<[string, string, string, string, string | null, string, string, number, string, number, string][]>(r!.totals).map(
        (t): PayableTotals => ({
          affiliate_id: t[0], name: t[1], status: t[2], kyc_status: t[3], payout_provider: t[4], currency: t[5],
          payable: t[6], payable_count: t[7], pending: t[8], pending_count: t[9], adjustments: t[10],
        }),
      );
      const inForce = ruleVersionAt(versions, at);
      return { versions, version: inForce?.version ?? null, set: PayablesSet.fromTotals(totals, inForce?.rules, ctx.now) };
    },
    // A later rule version may come into force with time alone (its effective date), not by a write.
    (kept) => (ruleVersionAt(kept.versions, at)?.version ?? null) === kept.version,
  );
  return decided.set;
}
