/**
 * Journal entries: the ledger of commissions in double entry, derived in SQL from the state of
 * commissions, adjustments and payouts. Every entry balances to zero in each currency.
 *
 * | entry      | when                                 | debit                 | credit                |
 * |------------|--------------------------------------|-----------------------|-----------------------|
 * | accrual    | a commission is earned (occurred_at) | 5100 Commission expense | 2100 Commissions payable |
 * | clawback   | a clawback (kind): money owed back   | 2100                  | 5100                  |
 * | adjustment | any other adjustment (recalculation, manual, rounding): by its sign, like an accrual (+) or a clawback (−) | | |
 * | payout     | a payout succeeded (cash left)       | 2100                  | 110x Cash at provider |
 * | reversal   | a succeeded payout was reversed      | 110x Cash at provider | 2100                  |
 *
 * - A payout in another currency than its commissions (FX) goes through 1900 FX clearing: the
 *   payable is debited in the commissions' currency against FX clearing, and FX clearing is debited
 *   in the payout currency against cash — four lines, each currency balanced on its own.
 * - A reversal re-opens the liability (status.ts books it as a `reversal` adjustment
 *   `rev:<payout>`,
 *   carried into the next payout); the journal books that adjustment as the reversal entry (cash
 *   back, payable credited), not as an expense, because the expense was never undone.
 * - Failed, cancelled and unsent payouts move no money and have no entry.
 * - Every commission's stored amount is accrued, whatever its status: a voided one is normally 0,
 *   but one released from a cancelled payout after a clawback was recorded keeps the amount the
 *   clawback offsets (calc keeps amount + adjustments = what the rules say now), and the two
 * entries
 *   must meet in the ledger.
 * - Amounts are the stored minor units; debit and credit are each non-negative.
 * - Derived from current state: calc may still rewrite an unlocked commission's amount, which moves
 *   its accrual. Locked (paid) commissions never change: later differences are adjustments.
 *
 * Ties (checked by `reports.journal` and the tests): per currency, payout credits to cash equal the
 * payout report's SUCCEEDED + REVERSED amounts, reversal debits equal its REVERSED amounts, and
 * accruals equal the commissions report's non-voided total.
 */
import { sql, type SQL } from 'drizzle-orm';
import { CASH_ACCOUNTS } from '../providers/registry.js';
import { where, type Filters } from './filters.js';
import { iso, paidAt, reversedAt } from './payout-times.js';

export const ENTRY_TYPES = ['accrual', 'adjustment', 'clawback', 'payout', 'reversal'] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];

export const ACCOUNTS = {
  expense: { code: '5100', name: 'Commission expense' },
  payable: { code: '2100', name: 'Commissions payable' },
  fx: { code: '1900', name: 'FX clearing' },
} as const;
/** Each provider's cash account: its descriptor's `cashAccount` (providers/registry.ts). */
export { CASH_ACCOUNTS };

export const JOURNAL_COLUMNS = [
  'entry_id',
  'entry_date',
  'entry_type',
  'line',
  'account_code',
  'account_name',
  'debit',
  'credit',
  'currency',
  'affiliate_id',
  'provider',
  'batch_number',
  'payout_id',
  'commission_id',
  'adjustment_id',
  'provider_reference',
  'memo',
] as const;

/**
 * Our own constants as SQL literals (typed text, not parameters of unknown type inside VALUES and
 * CASE).
 */
const lit = (v: string) => sql.raw(`'${v.replace(/'/g, "''")}'::text`);

/** The cash account of a payout's provider. */
const cashCase = (provider: SQL, part: 'code' | 'name') =>
  sql`CASE ${provider} ${sql.join(
    Object.entries(CASH_ACCOUNTS).map(([name, a]) => sql`WHEN ${lit(name)} THEN ${lit(a[part])}`),
    sql` `,
  )} END`;

interface Section {
  /** The lines: JOURNAL_COLUMNS, then the hidden keys _k1 (source id) and _k2 (line). */
  lines: SQL;
  order: SQL;
}

function wanted(f: Filters, ...types: EntryType[]): boolean {
  return f.status === null || types.some((t) => f.status!.includes(t));
}

/** Accruals: every commission with an amount, expense debited against payable. */
function accrualSection(f: Filters): Section {
  return {
    lines: sql`SELECT 'ACC-' || c.id AS entry_id, ${iso(sql`c.occurred_at`)} AS entry_date, 'accrual' AS entry_type, l.n::text AS line,
                      l.code AS account_code, l.name AS account_name,
                      CASE WHEN l.side = 'D' THEN c.amount_minor::text END AS debit, CASE WHEN l.side = 'C' THEN c.amount_minor::text END AS credit,
                      trim(c.currency) AS currency, c.affiliate_id, NULL::text AS provider, NULL::text AS batch_number, NULL::text AS payout_id,
                      c.id::text AS commission_id, NULL::text AS adjustment_id, NULL::text AS provider_reference,
                      'commission on conversion ' || c.conversion_id AS memo, c.id AS _k1, l.n AS _k2
               FROM commissions c
               CROSS JOIN (VALUES (1, ${lit(ACCOUNTS.expense.code)}, ${lit(ACCOUNTS.expense.name)}, 'D'), (2, ${lit(ACCOUNTS.payable.code)}, ${lit(ACCOUNTS.payable.name)}, 'C')) AS l(n, code, name, side)
               WHERE c.amount_minor > 0
                 AND ${where(f, { at: sql`c.occurred_at`, currency: sql`c.currency`, affiliate: sql`c.affiliate_id` })}`,
    order: sql`ORDER BY c.id, l.n`,
  };
}

/** Adjustments of these types (its own kind or `adjustment`), the reversals' `rev:` ones aside. */
function adjustmentSection(f: Filters, adjustmentTypes: string[]): Section {
  // The entry type is the adjustment's kind (a clawback, or anything else); the sides follow the
  // sign: positive is owed to the affiliate (expense up), negative is owed back (expense down).
  const type = sql`CASE WHEN a.kind = 'clawback' THEN 'clawback' ELSE 'adjustment' END`;
  return {
    lines: sql`SELECT 'ADJ-' || a.id AS entry_id, ${iso(sql`a.created_at`)} AS entry_date, ${type} AS entry_type, l.n::text AS line,
                      CASE WHEN (l.n = 1) = (a.amount_minor > 0) THEN ${lit(ACCOUNTS.expense.code)} ELSE ${lit(ACCOUNTS.payable.code)} END AS account_code,
                      CASE WHEN (l.n = 1) = (a.amount_minor > 0) THEN ${lit(ACCOUNTS.expense.name)} ELSE ${lit(ACCOUNTS.payable.name)} END AS account_name,
                      CASE WHEN l.n = 1 THEN abs(a.amount_minor)::text END AS debit, CASE WHEN l.n = 2 THEN abs(a.amount_minor)::text END AS credit,
                      trim(a.currency) AS currency, a.affiliate_id, NULL::text AS provider, NULL::text AS batch_number, NULL::text AS payout_id,
                      a.commission_id::text AS commission_id, a.id AS adjustment_id, NULL::text AS provider_reference,
                      a.kind || ': ' || a.reason AS memo, a.id AS _k1, l.n AS _k2
               FROM adjustments a
               CROSS JOIN (VALUES (1), (2)) AS l(n)
               WHERE NOT (a.kind = 'reversal' AND a.id LIKE 'rev:%')
                 AND ${type} IN (${sql.join(
                   adjustmentTypes.map((t) => sql`${t}`),
                   sql`, `,
                 )})
                 AND ${where(f, { at: sql`a.created_at`, currency: sql`a.currency`, affiliate: sql`a.affiliate_id` })}`,
    order: sql`ORDER BY a.id, l.n`,
  };
}

/**
 * Payout and reversal lines: n 1..4; the FX clearing lines (2, 3) only when the currencies differ.
 */
function moneyLines(kind: 'payout' | 'reversal'): SQL {
  // Sides are always D, C, D, C; the accounts differ. A payout: 1 Dr payable (source), 2 Cr FX
  // (source), 3 Dr FX (paid), 4 Cr cash (paid). A reversal: 1 Dr cash (paid), 2 Cr FX (paid),
  // 3 Dr FX (source), 4 Cr payable (source).
  // `src`: the line is in the commissions' (source) amount and currency, else in the amount paid.
  const payout = kind === 'payout';
  return sql`CROSS JOIN LATERAL (VALUES
      (1, ${lit(payout ? 'payable' : 'cash')}, 'D', ${sql.raw(payout ? 'TRUE' : 'FALSE')}),
      (2, 'fx', 'C', ${sql.raw(payout ? 'TRUE' : 'FALSE')}),
      (3, 'fx', 'D', ${sql.raw(payout ? 'FALSE' : 'TRUE')}),
      (4, ${lit(payout ? 'cash' : 'payable')}, 'C', ${sql.raw(payout ? 'FALSE' : 'TRUE')})) AS l(n, account, side, src)
    CROSS JOIN LATERAL (SELECT
      CASE WHEN l.src THEN p.source_amount_minor ELSE p.amount_minor END AS amount,
      CASE WHEN l.src THEN trim(p.source_currency) ELSE trim(p.currency) END AS currency,
      (p.currency <> p.source_currency OR p.amount_minor <> p.source_amount_minor) AS fx) AS m
    CROSS JOIN LATERAL (SELECT
      CASE l.account WHEN 'payable' THEN ${lit(ACCOUNTS.payable.code)} WHEN 'fx' THEN ${lit(ACCOUNTS.fx.code)} ELSE ${cashCase(sql`p.provider`, 'code')} END AS code,
      CASE l.account WHEN 'payable' THEN ${lit(ACCOUNTS.payable.name)} WHEN 'fx' THEN ${lit(ACCOUNTS.fx.name)} ELSE ${cashCase(sql`p.provider`, 'name')} END AS name) AS acct`;
}

function moneySection(f: Filters, kind: 'payout' | 'reversal'): Section {
  const at = kind === 'payout' ? paidAt('p') : reversedAt('p');
  const statuses =
    kind === 'payout' ? sql`p.status IN ('SUCCEEDED', 'REVERSED')` : sql`p.status = 'REVERSED'`;
  return {
    lines: sql`SELECT ${lit(kind === 'payout' ? 'PAY-' : 'REV-')} || p.id AS entry_id, ${iso(at)} AS entry_date, ${lit(kind)} AS entry_type,
                      (CASE WHEN m.fx THEN l.n ELSE CASE WHEN l.n = 1 THEN 1 ELSE 2 END END)::text AS line,
                      acct.code AS account_code, acct.name AS account_name,
                      CASE WHEN l.side = 'D' THEN m.amount::text END AS debit, CASE WHEN l.side = 'C' THEN m.amount::text END AS credit,
                      m.currency, p.affiliate_id, p.provider, b.number AS batch_number, p.id::text AS payout_id, NULL::text AS commission_id,
                      ${kind === 'reversal' ? sql`'rev:' || p.id` : sql`NULL::text`} AS adjustment_id, p.provider_payout_id AS provider_reference,
                      ${kind === 'payout' ? sql`'payout to ' || p.affiliate_id || ' via ' || p.provider` : sql`'payout to ' || p.affiliate_id || ' reversed by ' || p.provider`} AS memo,
                      p.id AS _k1, l.n AS _k2
               FROM payouts p JOIN payout_batches b ON b.id = p.batch_id
               ${moneyLines(kind)}
               WHERE ${statuses} AND (m.fx OR l.n IN (1, 4))
                 AND ${where(f, { at, currency: sql`m.currency`, provider: sql`p.provider`, affiliate: sql`p.affiliate_id`, batch: sql`p.batch_id` })}`,
    order: sql`ORDER BY p.id, l.n`,
  };
}

/** The journal's sections for these filters, each a SELECT of JOURNAL_COLUMNS. */
function sections(f: Filters): Section[] {
  const out: Section[] = [];
  const onlyPayouts = f.provider !== null || f.batch !== null; // accruals and adjustments are not at a provider or in a batch
  if (!onlyPayouts && wanted(f, 'accrual')) out.push(accrualSection(f));
  const adjustmentTypes = [
    wanted(f, 'adjustment') ? 'adjustment' : null,
    wanted(f, 'clawback') ? 'clawback' : null,
  ].filter((t) => t !== null);
  if (!onlyPayouts && adjustmentTypes.length > 0) out.push(adjustmentSection(f, adjustmentTypes));
  if (wanted(f, 'payout')) out.push(moneySection(f, 'payout'));
  if (wanted(f, 'reversal')) out.push(moneySection(f, 'reversal'));
  return out;
}

/**
 * The journal's lines as queries (one per section), in file order; each ends with its hidden keys
 * _k1 (source id), _k2 (line).
 */
export function journalQueries(f: Filters): SQL[] {
  return sections(f).map((s) => sql`${s.lines} ${s.order}`);
}

/** Every line of the journal for these filters, unordered (for aggregates). */
export function journalLines(f: Filters): SQL {
  const list = sections(f);
  if (list.length === 0)
    return sql`SELECT ${sql.join(
      JOURNAL_COLUMNS.map((c) => sql`NULL::text AS ${sql.raw(c)}`),
      sql`, `,
    )} WHERE FALSE`;
  // The sections' hidden keys have different types (bigint, text, uuid): only the journal's
  // columns.
  const columns = sql.raw(JOURNAL_COLUMNS.map((c) => `s.${c}`).join(', '));
  return sql.join(
    list.map((s) => sql`SELECT ${columns} FROM (${s.lines}) s`),
    sql` UNION ALL `,
  );
}
