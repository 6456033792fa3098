/** A batch's totals per currency and provider, as stored in its summary when it was created. */
import { count, money } from '../../format';

export interface BatchTotal {
  currency: string;
  provider: string;
  payouts: number;
  amountMinor: string;
}

/** The summary's totals arrive untyped (a JSON column): keep only well-formed entries. */
export function totalsOf(value: unknown): BatchTotal[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (t): t is BatchTotal =>
      typeof t === 'object' &&
      t !== null &&
      typeof (t as BatchTotal).currency === 'string' &&
      typeof (t as BatchTotal).amountMinor === 'string',
  );
}

/** Sums per currency (a batch may pay one currency through several providers). Exact: bigint. */
export function perCurrency(
  totals: readonly BatchTotal[],
): { currency: string; amountMinor: string; payouts: number }[] {
  const m = new Map<string, { amount: bigint; payouts: number }>();
  for (const t of totals) {
    const cur = m.get(t.currency) ?? { amount: 0n, payouts: 0 };
    cur.amount += BigInt(t.amountMinor);
    cur.payouts += t.payouts;
    m.set(t.currency, cur);
  }
  return [...m.entries()].map(([currency, v]) => ({
    currency,
    amountMinor: v.amount.toString(),
    payouts: v.payouts,
  }));
}

/**
 * Totals per currency and provider: a batch's, or the builder's included rows before creating one.
 */
export function TotalsTable({
  totals,
  testId,
  compact,
}: {
  totals: readonly BatchTotal[];
  testId?: string;
  compact?: boolean;
}) {
  return (
    <table className={compact ? 'facts compact' : 'facts'} data-testid={testId}>
      <thead>
        <tr>
          <th>Currency</th>
          <th>Provider</th>
          <th className="amount">Payouts</th>
          <th className="amount">Amount</th>
        </tr>
      </thead>
      <tbody>
        {totals.map((t) => (
          <tr key={`${t.currency}|${t.provider}`}>
            <td>{t.currency}</td>
            <td>{t.provider}</td>
            <td className="amount">{count(t.payouts)}</td>
            <td className="amount">{money(t.amountMinor, t.currency)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
