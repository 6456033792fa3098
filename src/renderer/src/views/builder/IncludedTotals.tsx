/**
 * What the batch would pay, per currency and provider: the preview's totals over every eligible
 * affiliate (computed by the workstation, not from rows held here) minus the rows the operator
 * left out — bigint minor units from the exact strings, so leaving a row out changes them exactly.
 */
import { useMemo } from 'react';
import { count } from '../../format';
import { TotalsTable } from '../batch/BatchTotals';
import { reasonLabel } from '../payables/reasons';
import { partsCount } from './parts';
import type { Preview, PreviewRow } from './types';

export function IncludedTotals({
  preview,
  leftOut,
}: {
  preview: Preview;
  leftOut: ReadonlyMap<string, PreviewRow>;
}) {
  const totals = useMemo(() => {
    const m = new Map<
      string,
      { currency: string; provider: string; payouts: number; amount: bigint }
    >();
    for (const t of preview.totals)
      m.set(`${t.currency}|${t.provider}`, {
        currency: t.currency,
        provider: t.provider,
        payouts: t.payouts,
        amount: BigInt(t.amountMinor),
      });
    for (const r of leftOut.values()) {
      const t = m.get(`${r.currency}|${r.provider ?? ''}`);
      if (!t) continue;
      // A row sent in parts is that many payouts (the preview's totals count them so).
      t.payouts -= partsCount(r.parts);
      t.amount -= BigInt(r.amountMinor);
    }
    return [...m.values()]
      .filter((t) => t.payouts > 0)
      .sort((a, b) => (a.currency + a.provider).localeCompare(b.currency + b.provider));
  }, [preview, leftOut]);
  const excluded = Object.entries(preview.excluded as Record<string, number>).sort(
    (a, b) => b[1] - a[1],
  );
  const included = preview.eligibleCount - leftOut.size;
  return (
    <div className="builder-summary">
      <div data-testid="builder-totals">
        <h2>
          Included: {count(included)} of {count(preview.eligibleCount)} eligible
          {leftOut.size > 0 && (
            <span className="warning small"> ({count(leftOut.size)} left out by you)</span>
          )}
        </h2>
        {totals.length === 0 ? (
          <p className="muted">Nothing included.</p>
        ) : (
          <TotalsTable
            compact
            totals={totals.map((t) => ({
              currency: t.currency,
              provider: t.provider,
              payouts: t.payouts,
              amountMinor: t.amount.toString(),
            }))}
          />
        )}
      </div>
      <div data-testid="builder-excluded">
        <h2>Excluded: {count(preview.considered - preview.eligibleCount)}</h2>
        {excluded.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <table className="facts compact">
            <tbody>
              {excluded.map(([reason, n]) => (
                <tr key={reason}>
                  <td>{reasonLabel(reason)}</td>
                  <td className="amount">{count(n)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}
