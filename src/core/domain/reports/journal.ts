/**
 * The journal (`treasury report journal`, `treasury export journal`): the ledger of commissions in
 * double entry (journal-lines.ts says which entries, which accounts, and how they tie). Its report
 * is the trial balance with its tie-outs (trial-balance.ts); its export writes every line, one row
 * per journal line, totals split by account.
 */
import { defineQuery } from '../../platform/kernel/router.js';
import { defineExport } from './export-command.js';
import { filtersSchema, resolveFilters, type FilterSpec } from './filters.js';
import { ENTRY_TYPES, JOURNAL_COLUMNS, journalQueries } from './journal-lines.js';
import type { TabularReport } from './read-report.js';
import { defineReport } from './report.js';
import { trialBalance, type TrialBalance } from './trial-balance.js';

/** The export's columns: one journal line each (journal-lines.ts). */
export { JOURNAL_COLUMNS };

export const JOURNAL_SPEC = {
  report: 'journal',
  accepts: ['from', 'to', 'currency', 'provider', 'affiliate', 'status', 'batch'],
  statuses: ENTRY_TYPES,
  dated:
    'the entry date: accruals when the commission was earned, adjustments when made, payouts when they succeeded, reversals when reversed; ' +
    'status is the entry type; provider and batch keep only payout and reversal entries; currency keeps the lines in that currency',
} as const satisfies FilterSpec;

/** The trial balance, its entries and lines counted, and the tie-outs. */
export const journal = defineQuery({
  name: 'reports.journal',
  permission: 'reports.view',
  input: filtersSchema(JOURNAL_SPEC, {}),
  async run(ctx, input): Promise<TrialBalance> {
    const { filters, echo } = await resolveFilters(ctx.tx, JOURNAL_SPEC, input);
    return { filters: echo, ...(await trialBalance(ctx.tx, filters)) };
  },
});

/** One row per journal line, in entry order. */
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

export const exportJournal = defineExport('export.journal', 'reports.export', journalReport);

export const JOURNAL = defineReport({
  name: 'journal',
  about:
    'the double-entry journal of commissions: on screen its trial balance and tie-outs to payouts and commissions, in a file its lines',
  query: journal,
  export: exportJournal,
});
