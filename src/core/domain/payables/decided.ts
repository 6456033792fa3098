/**
 * The decided payables set behind the payables grid and the dashboard: payables.list's aggregate
 * and decisions over every matching affiliate, kept between requests (kept.ts says why it is never
 * stale) so that a page, a re-sort or the dashboard's totals cost milliseconds, not a new sum of
 * every commission. Built again when the data changed or when the rule version in force has.
 */
import { sql } from 'drizzle-orm';
import { payableTotalsSql, type PayableTotals } from '../calculation/payables.js';
import { loadRuleVersions } from '../calculation/rules-store.js';
import type { CentralStore } from '../../platform/central/store.js';
import { copyRows } from '../../platform/central/copy.js';
import { ruleVersionAt, type RuleVersion } from '../../shared/commission/index.js';
import { keptResult } from '../../platform/query/kept.js';
import { likePattern, matchesAny } from '../../platform/query/paging.js';
import { PayablesSet } from './payables.js';

/** PayableTotals' columns, in the query's order (read with COPY). */
const TOTALS_COLUMNS = [
  'affiliate_id',
  'name',
  'status',
  'kyc_status',
  'payout_provider',
  'payout_hold',
  'currency',
  'payable',
  'payable_count',
  'pending',
  'pending_count',
  'adjustments',
] as const;

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
export async function decidedPayables(
  ctx: { store: CentralStore; now: Date },
  filter: DecidedFilter,
): Promise<PayablesSet> {
  const pattern = likePattern(filter.search);
  const at = ctx.now.getTime();
  const decided = await keptResult<Decided>(
    ctx.store,
    { key: JSON.stringify(['payables', filter.currency ?? null, pattern]), sources: SOURCES },
    async (tx) => {
      const versions = await loadRuleVersions(tx);
      const affiliates = pattern ? matchesAny(pattern, [sql`a.id`, sql`a.name`]) : undefined;
      // Read with COPY: moving 100,000 rows out of PGlite one by one costs more than summing them.
      // 100,000 affiliates' sums and their union fit in memory (the default 4 MB spills to disk).
      await tx.execute(sql`SELECT set_config('work_mem', '64MB', true)`);
      const fields = await copyRows(
        tx,
        sql`SELECT t.affiliate_id, t.name, t.status, t.kyc_status, t.payout_provider, t.payout_hold, t.currency,
                   t.payable::text, t.payable_count, t.pending::text, t.pending_count, t.adjustments::text
            FROM (${payableTotalsSql({ currency: filter.currency, affiliates })}) t`,
        TOTALS_COLUMNS,
      );
      const totals = fields.map((f): PayableTotals => ({
        ...(f as Record<(typeof TOTALS_COLUMNS)[number], string> & {
          payout_provider: string | null;
          payout_hold: string | null;
        }),
        payable_count: Number(f.payable_count),
        pending_count: Number(f.pending_count),
      }));
      const inForce = ruleVersionAt(versions, at);
      return {
        versions,
        version: inForce?.version ?? null,
        set: PayablesSet.fromTotals(totals, inForce?.rules, ctx.now),
      };
    },
    // A later rule version may come into force with time alone (its effective date), not by a
    // write.
    (kept) => (ruleVersionAt(kept.versions, at)?.version ?? null) === kept.version,
  );
  return decided.set;
}
