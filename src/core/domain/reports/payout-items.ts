/**
 * The payout items report (`treasury export payout-items`): one row per commission or adjustment a
 * payout paid, dated when the payout was created; totals split by item kind. docs/payouts.md names
 * its required columns.
 */
import { sql } from 'drizzle-orm';
import { PAYOUT_STATUSES } from '../payouts/status.js';
import { defineExport } from './export-command.js';
import { where } from './filters.js';
import type { TabularReport } from './read-report.js';
import { defineReport } from './report.js';

/** The required columns first, in this order; then the extra ones. */
export const PAYOUT_ITEM_COLUMNS = [
  'batch_id',
  'batch_number',
  'payout_id',
  'affiliate_id',
  'commission_id',
  'conversion_id',
  'amount',
  'currency',
  'payout_status',
  'provider',
  'provider_reference',
  'adjustment_id',
  'item_kind',
  'payout_amount',
  'payout_currency',
] as const;

export const payoutItemReport: TabularReport = {
  name: 'payout-items',
  action: 'export.payoutItems',
  spec: {
    report: 'payout-items',
    accepts: ['from', 'to', 'currency', 'provider', 'affiliate', 'status', 'batch'],
    statuses: PAYOUT_STATUSES,
    dated: 'when the payout was created; status is the payout status',
  },
  columns: PAYOUT_ITEM_COLUMNS,
  amounts: { amount: 'currency', payout_amount: 'payout_currency' },
  groupBy: 'item_kind',
  keys: 1,
  sources: ['payout_items', 'payouts', 'payout_batches', 'commissions'],
  queries: (f) => [
    sql`SELECT b.id::text AS batch_id, b.number AS batch_number, p.id::text AS payout_id, p.affiliate_id,
               i.commission_id::text AS commission_id, c.conversion_id, i.amount_minor::text AS amount, trim(i.currency) AS currency,
               p.status AS payout_status, p.provider, p.provider_payout_id AS provider_reference, i.adjustment_id,
               CASE WHEN i.commission_id IS NOT NULL THEN 'commission' ELSE 'adjustment' END AS item_kind,
               p.amount_minor::text AS payout_amount, trim(p.currency) AS payout_currency, i.id AS _k1
        FROM payout_items i
        JOIN payouts p ON p.id = i.payout_id
        JOIN payout_batches b ON b.id = p.batch_id
        LEFT JOIN commissions c ON c.id = i.commission_id
        WHERE ${where(f, { at: sql`p.created_at`, currency: sql`i.currency`, provider: sql`p.provider`, affiliate: sql`p.affiliate_id`, status: sql`p.status`, batch: sql`p.batch_id` })}
        ORDER BY i.id`,
  ],
};

export const exportPayoutItems = defineExport(
  'export.payoutItems',
  'reports.export',
  payoutItemReport,
);

export const PAYOUT_ITEMS = defineReport({
  name: 'payout-items',
  about: 'which commissions and adjustments each payout paid',
  export: exportPayoutItems,
});
