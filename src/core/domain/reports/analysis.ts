/**
 * What the analytic reports share (time-series.ts, affiliate-performance.ts; per provider:
 * provider-analysis.ts): how a clawback is recognised, and which affiliates a provider filter
 * keeps for commission-side figures.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Filters } from './filters.js';

/**
 * Clawbacks as the journal books them: adjustments of kind clawback (rounding and reversals are
 * not).
 */
export const CLAWBACK = sql`a.kind = 'clawback'`;

/**
 * Affiliates paid through this provider (their payout destination), for commission-side figures.
 */
export function viaProvider(f: Filters, affiliate: SQL): SQL {
  return f.provider
    ? sql`${affiliate} IN (SELECT x.id FROM affiliates x WHERE x.payout_provider = ${f.provider})`
    : sql`TRUE`;
}
