/**
 * The reconciled payout report (`treasury export payouts`): one row per payout, with its latest
 * reconciliation outcome and the provider's reference, dated when it succeeded, else when it
 * settled, else when it was created. Its columns come back as text, amounts as integer minor units
 * (export-file.ts writes them as decimals), ordered so that a file is deterministic for a snapshot.
 */
import { sql } from 'drizzle-orm';
import { PAYOUT_STATUSES } from '../payouts/status.js';
import { defineExport } from './export-command.js';
import { where, type FilterSpec } from './filters.js';
import { iso, paidAt, reversedAt, submittedAt } from './payout-times.js';
import type { TabularReport } from './read-report.js';
import { defineReport } from './report.js';

/** What `reconciliation_status` says: the latest run's outcome, or that none matched it yet. */
export const RECONCILIATION_STATUSES = [
  'matched',
  'amount_mismatch',
  'status_mismatch',
  'missing_at_provider',
  'unknown_to_us',
  'not_reconciled',
] as const;

export const PAYOUT_REPORT_SPEC = {
  report: 'payouts',
  accepts: ['from', 'to', 'currency', 'provider', 'affiliate', 'status', 'batch'],
  statuses: PAYOUT_STATUSES,
  dated:
    'when the payout succeeded (paid_at); otherwise when it settled (failed); otherwise when it was created',
} as const satisfies FilterSpec;

/** One row per payout with its latest reconciliation outcome and the provider's reference. */
export const payoutReport: TabularReport = {
  name: 'payouts',
  action: 'export.payouts',
  spec: PAYOUT_REPORT_SPEC,
  columns: [
    'batch_number',
    'batch_id',
    'payout_id',
    'affiliate_id',
    'affiliate_name',
    'provider',
    'provider_reference',
    'status',
    'amount',
    'currency',
    'source_amount',
    'source_currency',
    'fx_rate',
    'items',
    'created_at',
    'submitted_at',
    'paid_at',
    'reversed_at',
    'settled_at',
    'failure_code',
    'reconciliation_status',
    'reconciled_at',
    'reconciliation_run_id',
    'provider_amount',
  ],
  amounts: { amount: 'currency', source_amount: 'source_currency', provider_amount: 'currency' },
  groupBy: 'status',
  queries: (f) => {
    const dated = sql`coalesce(${paidAt('p')}, p.settled_at, p.created_at)`;
    return [
      sql`SELECT b.number AS batch_number, b.id::text AS batch_id, p.id::text AS payout_id, p.affiliate_id, a.name AS affiliate_name,
                 p.provider, p.provider_payout_id AS provider_reference, p.status,
                 p.amount_minor::text AS amount, trim(p.currency) AS currency, p.source_amount_minor::text AS source_amount,
                 trim(p.source_currency) AS source_currency, p.fx_rate,
                 (SELECT count(*) FROM payout_items i WHERE i.payout_id = p.id)::text AS items,
                 ${iso(sql`p.created_at`)} AS created_at,
                 ${iso(submittedAt('p'))} AS submitted_at,
                 ${iso(paidAt('p'))} AS paid_at, ${iso(reversedAt('p'))} AS reversed_at, ${iso(sql`p.settled_at`)} AS settled_at, p.failure_code,
                 coalesce(r.outcome, 'not_reconciled') AS reconciliation_status, ${iso(sql`r.created_at`)} AS reconciled_at,
                 r.run_id::text AS reconciliation_run_id,
                 CASE WHEN r.provider_amount_minor IS NOT NULL AND trim(r.currency) = trim(p.currency) THEN r.provider_amount_minor::text END AS provider_amount
          FROM payouts p
          JOIN payout_batches b ON b.id = p.batch_id
          JOIN affiliates a ON a.id = p.affiliate_id
          LEFT JOIN LATERAL (SELECT x.outcome, x.created_at, x.run_id, x.provider_amount_minor, x.currency FROM reconciliation_results x
                             WHERE x.payout_id = p.id ORDER BY x.id DESC LIMIT 1) r ON TRUE
          WHERE ${where(f, { at: dated, currency: sql`p.currency`, provider: sql`p.provider`, affiliate: sql`p.affiliate_id`, status: sql`p.status`, batch: sql`p.batch_id` })}
          ORDER BY b.number, p.affiliate_id, p.split_part`,
    ];
  },
};

export const exportPayouts = defineExport('export.payouts', 'reports.export', payoutReport);

export const PAYOUTS = defineReport({
  name: 'payouts',
  about:
    'every payout with its provider reference and latest reconciliation outcome, for the books',
  export: exportPayouts,
});
