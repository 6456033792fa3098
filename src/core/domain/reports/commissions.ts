/**
 * The commissions report (`treasury export commissions`): one row per commission, with the live
 * payout that holds it (if any), dated when it was earned. Read in keyset slices on the embedded
 * store (keys: the commission id; read-report.ts).
 */
import { sql } from 'drizzle-orm';
import { defineExport } from './export-command.js';
import { where } from './filters.js';
import { iso } from './payout-times.js';
import type { TabularReport } from './read-report.js';
import { defineReport } from './report.js';

export const COMMISSION_STATUSES = ['pending', 'payable', 'voided', 'paid'] as const;

export const commissionReport: TabularReport = {
  name: 'commissions',
  action: 'export.commissions',
  spec: {
    report: 'commissions',
    accepts: ['from', 'to', 'currency', 'provider', 'affiliate', 'status', 'batch'],
    statuses: COMMISSION_STATUSES,
    dated:
      'when the commission was earned (its conversion occurred); provider and batch: of the live payout that holds it',
  },
  columns: [
    'commission_id',
    'conversion_id',
    'affiliate_id',
    'occurred_at',
    'available_at',
    'calculated_at',
    'status',
    'reason',
    'rule_version',
    'rate_bps',
    'capped',
    'period',
    'amount',
    'currency',
    'payout_id',
    'batch_number',
    'payout_status',
    'provider',
  ],
  amounts: { amount: 'currency' },
  groupBy: 'status',
  keys: 1,
  sources: ['commissions', 'payout_items', 'payouts', 'payout_batches'],
  queries: (f) => [
    sql`SELECT c.id::text AS commission_id, c.conversion_id, c.affiliate_id, ${iso(sql`c.occurred_at`)} AS occurred_at,
               ${iso(sql`c.available_at`)} AS available_at, ${iso(sql`c.calculated_at`)} AS calculated_at, c.status, c.reason,
               c.rule_version::text AS rule_version, c.rate_bps::text AS rate_bps, c.capped::text AS capped, c.period,
               c.amount_minor::text AS amount, trim(c.currency) AS currency,
               p.id::text AS payout_id, b.number AS batch_number, p.status AS payout_status, p.provider, c.id AS _k1
        FROM commissions c
        LEFT JOIN payout_items i ON i.commission_id = c.id AND i.live
        LEFT JOIN payouts p ON p.id = i.payout_id
        LEFT JOIN payout_batches b ON b.id = p.batch_id
        WHERE ${where(f, { at: sql`c.occurred_at`, currency: sql`c.currency`, provider: sql`p.provider`, affiliate: sql`c.affiliate_id`, status: sql`c.status`, batch: sql`p.batch_id` })}
        ORDER BY c.id`,
  ],
};

export const exportCommissions = defineExport(
  'export.commissions',
  'reports.export',
  commissionReport,
);

export const COMMISSIONS = defineReport({
  name: 'commissions',
  about: 'every commission with its status, rule and the live payout that holds it',
  export: exportCommissions,
});
