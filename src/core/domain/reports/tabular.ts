/**
 * The reports accounting takes as files: each is SQL returning its columns as text (amounts as
 * integer minor units, which export-file.ts formats), ordered by a key so that a file is
 * deterministic for a snapshot. Filters are applied in SQL (filters.ts). A report that declares
 * `keys` ends its SELECT with that many hidden columns `_k1…` — its unique order, the first one
 * indexed — so that PGlite can read it in keyset chunks (read-report.ts).
 */
import { sql } from 'drizzle-orm';
import { AUDIT_DECISIONS } from '../../platform/kernel/audit-chain.js';
import { PAYOUT_STATUSES } from '../payouts/status.js';
import type { TabularReport } from './read-report.js';
import type { FilterSpec } from './filters.js';
import { JOURNAL_COLUMNS, JOURNAL_SPEC, journalQueries } from './journal.js';
import { iso, paidAt, reversedAt, submittedAt } from './payout-times.js';
import { where } from './filters.js';

export const COMMISSION_STATUSES = ['pending', 'payable', 'voided', 'paid'] as const;
export const RECONCILIATION_STATUSES = [
  'matched',
  'amount_mismatch',
  'status_mismatch',
  'missing_at_provider',
  'unknown_to_us',
  'not_reconciled',
] as const;

// ---------------------------------------------------------------------------------------------
// payouts: the reconciled payout report
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// commissions
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// payout items
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// audit log
// ---------------------------------------------------------------------------------------------

export const auditReport: TabularReport = {
  name: 'audit-log',
  action: 'export.auditLog',
  spec: {
    report: 'audit-log',
    accepts: ['from', 'to', 'status'],
    statuses: AUDIT_DECISIONS,
    dated: 'when the action was recorded; status is the decision',
  },
  columns: [
    'seq',
    'at',
    'operator_id',
    'username',
    'action',
    'entity_type',
    'entity_id',
    'decision',
    'ip',
    'workstation_id',
    'command_id',
    'before',
    'after',
    'prev_hash',
    'hash',
  ],
  amounts: {},
  keys: 1,
  queries: (f) => [
    sql`SELECT l.seq::text AS seq, ${iso(sql`l.at`)} AS at, l.operator_id::text AS operator_id, o.username, l.action, l.entity_type, l.entity_id,
               l.decision, l.ip, l.workstation_id, l.command_id::text AS command_id, l.before::text AS before, l.after::text AS after, l.prev_hash, l.hash,
               l.seq AS _k1
        FROM audit_log l LEFT JOIN operators o ON o.id = l.operator_id
        WHERE ${where(f, { at: sql`l.at`, status: sql`l.decision` })}
        ORDER BY l.seq`,
  ],
};

// ---------------------------------------------------------------------------------------------
// journal entries (journal.ts)
// ---------------------------------------------------------------------------------------------

export const journalReport: TabularReport = {
  name: 'journal',
  action: 'export.journal',
  spec: JOURNAL_SPEC,
  columns: JOURNAL_COLUMNS,
  amounts: { debit: 'currency', credit: 'currency' },
  groupBy: 'account_code',
  keys: 2,
  sources: ['commissions', 'adjustments', 'payouts', 'payout_batches', 'payout_items'],
  queries: journalQueries,
};

export const TABULAR_REPORTS = [
  payoutReport,
  commissionReport,
  payoutItemReport,
  auditReport,
  journalReport,
] as const;
