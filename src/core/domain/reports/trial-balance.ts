/**
 * The trial balance (the journal report's query `reports.journal`, journal.ts): the journal summed
 * per account and currency, whether every
 * entry balances, and the tie-outs accounting checks before closing: the journal's cash against
 * the payouts, its accruals against the commissions. The source side is summed from the tables on
 * its own (not from the journal's lines), so a journal line with a wrong amount, currency, side or
 * account shows as a break; both sides date a payout the same way (paidAt, reversedAt), so a
 * period's tie does not check the dating itself.
 *
 * Whole-day periods without an affiliate or batch are summed from the maintained aggregates instead
 * (trial-balance-aggregates.ts): the same lines, per fact rather than per row.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { where, type FilterEcho, type Filters } from './filters.js';
import { journalLines, type EntryType } from './journal-lines.js';
import { paidAt, reversedAt } from './payout-times.js';
import { servedByAggregates } from './aggregates.js';
import { trialBalanceFromAggregates } from './trial-balance-aggregates.js';
import type { AccountBalance, Tie } from './trial-balance-shape.js';

export type { AccountBalance, Tie };

export interface TrialBalance {
  filters: FilterEcho;
  entries: number;
  lines: number;
  /**
   * Entries whose debits and credits differ in some currency: always 0 unless something is wrong.
   * From the maintained aggregates (whole-day periods, trial-balance-aggregates.ts): the currencies
   * whose debits and credits differ.
   */
  unbalancedEntries: number;
  accounts: AccountBalance[];
  ties: Tie[];
}

function wants(f: Filters, type: EntryType): boolean {
  return f.status === null || f.status.includes(type);
}

/** The source side of each tie, per currency, from the source tables. */
function sources(f: Filters): SQL[] {
  const out: SQL[] = [];
  const payoutFilters = (at: SQL) =>
    where(f, {
      at,
      currency: sql`p.currency`,
      provider: sql`p.provider`,
      affiliate: sql`p.affiliate_id`,
      batch: sql`p.batch_id`,
    });
  if (wants(f, 'payout')) {
    out.push(sql`SELECT 'cash_out' AS tie, trim(p.currency) AS currency, sum(p.amount_minor) AS amount FROM payouts p
                 WHERE p.status IN ('SUCCEEDED', 'REVERSED') AND ${payoutFilters(paidAt('p'))} GROUP BY 2`);
  }
  if (wants(f, 'reversal')) {
    out.push(sql`SELECT 'cash_back' AS tie, trim(p.currency) AS currency, sum(p.amount_minor) AS amount FROM payouts p
                 WHERE p.status = 'REVERSED' AND ${payoutFilters(reversedAt('p'))} GROUP BY 2`);
  }
  if (wants(f, 'accrual') && f.provider === null && f.batch === null) {
    out.push(sql`SELECT 'accrued' AS tie, trim(c.currency) AS currency, sum(c.amount_minor) AS amount FROM commissions c
                 WHERE ${where(f, { at: sql`c.occurred_at`, currency: sql`c.currency`, affiliate: sql`c.affiliate_id` })} GROUP BY 2`);
  }
  return out;
}

/** How many entries and lines the journal has, and how many entries do not balance. */
async function counts(
  tx: CentralTx,
  lines: SQL,
): Promise<Pick<TrialBalance, 'entries' | 'lines' | 'unbalancedEntries'>> {
  const [c] = await rows<{ entries: number; lines: number; unbalanced: number }>(
    tx,
    sql`WITH l AS (${lines})
          SELECT (SELECT count(DISTINCT entry_id) FROM l)::int AS entries, (SELECT count(*) FROM l)::int AS lines,
                 (SELECT count(*) FROM (SELECT entry_id FROM l GROUP BY entry_id, currency
                                        HAVING coalesce(sum(debit::bigint), 0) <> coalesce(sum(credit::bigint), 0)) u)::int AS unbalanced`,
  );
  return {
    entries: Number(c!.entries),
    lines: Number(c!.lines),
    unbalancedEntries: Number(c!.unbalanced),
  };
}

/** Debit, credit and balance per account and currency. */
async function accountBalances(tx: CentralTx, lines: SQL): Promise<AccountBalance[]> {
  const accounts = await rows<{
    code: string;
    name: string;
    currency: string;
    debit: string;
    credit: string;
    balance: string;
  }>(
    tx,
    sql`SELECT account_code AS code, account_name AS name, currency,
                 coalesce(sum(debit::bigint), 0)::text AS debit, coalesce(sum(credit::bigint), 0)::text AS credit,
                 (coalesce(sum(debit::bigint), 0) - coalesce(sum(credit::bigint), 0))::text AS balance
          FROM (${lines}) l GROUP BY 1, 2, 3 ORDER BY 1, 3`,
  );
  return accounts.map((a) => ({
    accountCode: a.code,
    accountName: a.name,
    currency: a.currency,
    debitMinor: a.debit,
    creditMinor: a.credit,
    balanceMinor: a.balance,
  }));
}

/** Each tie's journal side (from the lines) against its source side (from the tables). */
async function tieOuts(tx: CentralTx, f: Filters, lines: SQL): Promise<Tie[]> {
  const source = sources(f);
  if (source.length === 0) return [];
  const ties = await rows<{ tie: Tie['check']; currency: string; journal: string; source: string }>(
    tx,
    sql`WITH l AS (${lines}),
          j AS (SELECT 'cash_out' AS tie, currency, sum(credit::bigint) AS amount FROM l WHERE entry_type = 'payout' AND account_code LIKE '110%' GROUP BY currency
                UNION ALL SELECT 'cash_back', currency, sum(debit::bigint) FROM l WHERE entry_type = 'reversal' AND account_code LIKE '110%' GROUP BY currency
                UNION ALL SELECT 'accrued', currency, sum(debit::bigint) FROM l WHERE entry_type = 'accrual' GROUP BY currency),
          s AS (${sql.join(
            source.map((q) => sql`(${q})`),
            sql` UNION ALL `,
          )})
          SELECT s.tie, s.currency, coalesce(j.amount, 0)::text AS journal, s.amount::text AS source
          FROM s LEFT JOIN j ON j.tie = s.tie AND j.currency = s.currency
          UNION ALL
          SELECT j.tie, j.currency, j.amount::text, '0' FROM j WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.tie = j.tie AND s.currency = j.currency)
          ORDER BY 1, 2`,
  );
  return ties.map((t) => ({
    check: t.tie,
    currency: t.currency,
    journalMinor: t.journal,
    sourceMinor: t.source,
    ties: BigInt(t.journal) === BigInt(t.source),
  }));
}

/** The trial balance and tie-outs for these filters (the `reports.journal` answer, without its echo). */
export async function trialBalance(
  tx: CentralTx,
  filters: Filters,
): Promise<Omit<TrialBalance, 'filters'>> {
  if (servedByAggregates(filters)) return trialBalanceFromAggregates(tx, filters);
  const lines = journalLines(filters);
  const { entries, lines: lineCount, unbalancedEntries } = await counts(tx, lines);
  const accounts = await accountBalances(tx, lines);
  const ties = await tieOuts(tx, filters, lines);
  return { entries, lines: lineCount, unbalancedEntries, accounts, ties };
}
