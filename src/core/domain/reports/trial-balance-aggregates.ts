/**
 * The trial balance from the maintained day aggregates (aggregates.ts, migration 0012): the same
 * lines the journal derives (journal.ts), summed per fact instead of per row. A few hundred fact
 * rows per period, whatever the ledger's size.
 *
 * Each line of an entry is one (fact, account, side): an accrual's expense debit and payable credit
 * both come from its `accrued` fact (amount > 0), a payout's four lines from `succeeded_src`
 * (payable), `succeeded_fx_src` and `succeeded_fx` (FX clearing, only with FX) and `succeeded`
 * (cash).
 *
 * The ties compare the journal's lines with the source's own facts: the journal's cash with the
 * payouts' paid and reversed amounts, its accruals (amount > 0) with every stored commission
 * amount. That every fact equals the source tables is what the aggregate tests check
 * (recomputation). "Unbalanced" here counts currencies whose debits and credits differ: entries are
 * summed, not listed, and every line pair is balanced per currency by construction.
 */
import { sql } from 'drizzle-orm';
import { rows, type CentralTx } from '../../platform/central/store.js';
import type { ProviderName } from '../../platform/payments/provider.js';
import { dayRange } from './aggregates.js';
import { where, type Filters } from './filters.js';
import { ACCOUNTS, CASH_ACCOUNTS, type EntryType } from './journal-lines.js';
import type { AccountBalance, Tie } from './trial-balance-shape.js';

type Account = keyof typeof ACCOUNTS | 'cash';

interface LineDef {
  type: EntryType;
  fact: string;
  /**
   * The sign the fact is kept under, where it has one: adjustments '+' (owed to the affiliate) or
   * '-' (owed back); accruals '+' (a commission of 0 has no entry).
   */
  sign?: '+' | '-';
  account: Account;
  side: 'D' | 'C';
}

const ADJUSTMENT_LINES = (type: 'adjustment' | 'clawback'): LineDef[] => [
  { type, fact: type, sign: '+', account: 'expense', side: 'D' },
  { type, fact: type, sign: '+', account: 'payable', side: 'C' },
  { type, fact: type, sign: '-', account: 'payable', side: 'D' },
  { type, fact: type, sign: '-', account: 'expense', side: 'C' },
];

const LINES: LineDef[] = [
  { type: 'accrual', fact: 'accrued', sign: '+', account: 'expense', side: 'D' },
  { type: 'accrual', fact: 'accrued', sign: '+', account: 'payable', side: 'C' },
  ...ADJUSTMENT_LINES('adjustment'),
  ...ADJUSTMENT_LINES('clawback'),
  { type: 'payout', fact: 'succeeded_src', account: 'payable', side: 'D' },
  { type: 'payout', fact: 'succeeded_fx_src', account: 'fx', side: 'C' },
  { type: 'payout', fact: 'succeeded_fx', account: 'fx', side: 'D' },
  { type: 'payout', fact: 'succeeded', account: 'cash', side: 'C' },
  { type: 'reversal', fact: 'reversed', account: 'cash', side: 'D' },
  { type: 'reversal', fact: 'reversed_fx', account: 'fx', side: 'C' },
  { type: 'reversal', fact: 'reversed_fx_src', account: 'fx', side: 'D' },
  { type: 'reversal', fact: 'reversed_src', account: 'payable', side: 'C' },
];

interface Fact {
  fact: string;
  currency: string;
  provider: string;
  status: string;
  n: bigint;
  amount: bigint;
}

const wants = (f: Filters, type: EntryType) => f.status === null || f.status.includes(type);

function account(a: Account, provider: string): { code: string; name: string } {
  return a === 'cash' ? CASH_ACCOUNTS[provider as ProviderName] : ACCOUNTS[a];
}

async function facts(tx: CentralTx, f: Filters): Promise<Fact[]> {
  // Provider (and batch) keep only payout and reversal entries: accruals and adjustments are at no
  // provider.
  const payoutsOnly = f.provider !== null;
  const names = [
    ...new Set(
      LINES.filter(
        (l) => wants(f, l.type) && (!payoutsOnly || l.type === 'payout' || l.type === 'reversal'),
      ).map((l) => l.fact),
    ),
  ];
  names.push('accrued', 'succeeded_same', 'reversed_same'); // the accrued tie's source, and entry counts
  const list = await rows<{
    fact: string;
    currency: string;
    provider: string;
    status: string;
    n: string;
    amount: string;
  }>(
    tx,
    sql`SELECT r.fact, r.currency, r.provider, r.status, sum(r.n)::text AS n, sum(r.amount_minor)::text AS amount
        FROM report_days r
        WHERE r.fact IN (${sql.join(
          names.map((x) => sql`${x}`),
          sql`, `,
        )}) AND ${dayRange(f)}
          AND ${where(f, { currency: sql`r.currency`, provider: sql`r.provider` })}
        GROUP BY 1, 2, 3, 4 HAVING sum(r.n) <> 0`,
  );
  return list.map((r) => ({ ...r, n: BigInt(r.n), amount: BigInt(r.amount) }));
}

type Balance = AccountBalance & { d: bigint; c: bigint };

/** Each line definition's facts summed per account and currency, and the lines counted. */
function balances(f: Filters, all: Fact[]): { accounts: Map<string, Balance>; lines: bigint } {
  const accounts = new Map<string, Balance>();
  let lines = 0n;
  for (const def of LINES) {
    if (!wants(f, def.type)) continue;
    for (const x of all.filter(
      (x) => x.fact === def.fact && (def.sign === undefined || x.status === def.sign),
    )) {
      if (f.provider !== null && def.type !== 'payout' && def.type !== 'reversal') continue;
      const a = account(def.account, x.provider);
      const key = `${a.code}|${x.currency}`;
      const row = accounts.get(key) ?? {
        accountCode: a.code,
        accountName: a.name,
        currency: x.currency,
        debitMinor: '',
        creditMinor: '',
        balanceMinor: '',
        d: 0n,
        c: 0n,
      };
      const amount = def.sign === '-' ? -x.amount : x.amount;
      if (def.side === 'D') row.d += amount;
      else row.c += amount;
      accounts.set(key, row);
      lines += x.n;
    }
  }
  return { accounts, lines };
}

/** The entries the facts stand for (with a currency, an FX entry counts in either of its two). */
function entryCount(f: Filters, sum: Sum): bigint {
  const n = (fact: string, status?: string) => sum(fact, (x) => x.n, undefined, status);
  const moneyEntries = (kind: 'succeeded' | 'reversed') =>
    // With a currency, an FX entry counts where either of its currencies is that one.
    f.currency === null ? n(kind) : n(kind) + n(`${kind}_src`) - n(`${kind}_same`);
  let entries = 0n;
  if (wants(f, 'accrual') && f.provider === null) entries += n('accrued', '+');
  if (wants(f, 'adjustment') && f.provider === null) entries += n('adjustment');
  if (wants(f, 'clawback') && f.provider === null) entries += n('clawback');
  if (wants(f, 'payout')) entries += moneyEntries('succeeded');
  if (wants(f, 'reversal')) entries += moneyEntries('reversed');
  return entries;
}

export async function trialBalanceFromAggregates(
  tx: CentralTx,
  f: Filters,
): Promise<{
  entries: number;
  lines: number;
  unbalancedEntries: number;
  accounts: AccountBalance[];
  ties: Tie[];
}> {
  const all = await facts(tx, f);
  const sum: Sum = (fact, pick, currency, status) =>
    all
      .filter(
        (x) =>
          x.fact === fact &&
          (currency === undefined || x.currency === currency) &&
          (status === undefined || x.status === status),
      )
      .reduce((s, x) => s + pick(x), 0n);
  const { accounts, lines } = balances(f, all);
  const byCurrency = new Map<string, bigint>();
  for (const a of accounts.values())
    byCurrency.set(a.currency, (byCurrency.get(a.currency) ?? 0n) + a.d - a.c);
  return {
    entries: Number(entryCount(f, sum)),
    lines: Number(lines),
    unbalancedEntries: [...byCurrency.values()].filter((v) => v !== 0n).length,
    accounts: [...accounts.values()]
      .sort(
        (a, b) =>
          a.accountCode.localeCompare(b.accountCode) || a.currency.localeCompare(b.currency),
      )
      .map(({ d, c, ...a }) => ({
        ...a,
        debitMinor: d.toString(),
        creditMinor: c.toString(),
        balanceMinor: (d - c).toString(),
      })),
    ties: ties(f, all, sum),
  };
}

type Sum = (fact: string, pick: (x: Fact) => bigint, currency?: string, status?: string) => bigint;

function ties(f: Filters, all: Fact[], sum: Sum): Tie[] {
  const checks: { check: Tie['check']; journal: string; source: string; journalStatus?: string }[] =
    [];
  if (wants(f, 'payout'))
    checks.push({ check: 'cash_out', journal: 'succeeded', source: 'succeeded' });
  if (wants(f, 'reversal'))
    checks.push({ check: 'cash_back', journal: 'reversed', source: 'reversed' });
  if (wants(f, 'accrual') && f.provider === null)
    checks.push({ check: 'accrued', journal: 'accrued', journalStatus: '+', source: 'accrued' });
  const out: Tie[] = [];
  for (const c of checks) {
    const currencies = [
      ...new Set(
        all.filter((x) => x.fact === c.source || x.fact === c.journal).map((x) => x.currency),
      ),
    ].sort();
    for (const currency of currencies) {
      const journalMinor = sum(c.journal, (x) => x.amount, currency, c.journalStatus);
      const sourceMinor = sum(c.source, (x) => x.amount, currency);
      out.push({
        check: c.check,
        currency,
        journalMinor: journalMinor.toString(),
        sourceMinor: sourceMinor.toString(),
        ties: journalMinor === sourceMinor,
      });
    }
  }
  return out.sort((a, b) => a.check.localeCompare(b.check) || a.currency.localeCompare(b.currency));
}
