/**
 * What the batch would pay, per currency and provider, for the rows still included — summed here as
 * bigint minor units from the preview's exact strings, so excluding a row changes the totals exactly.
 */
import { useMemo } from 'react';
import { count } from '../../format';
import { TotalsTable } from '../batch/BatchTotals';
import { reasonLabel } from '../payables/reasons';
import type { Preview, PreviewRow } from './types';

export function IncludedTotals({ preview, included }: { preview: Preview; included: PreviewRow[] }) {
  const totals = useMemo(() => {
    const m = new Map<string, { currency: string; provider: string; payouts: number; amount: bigint }>();
    for (const r of included) {
      const key = `${r.currency}|${r.provider ?? ''}`;
      const t = m.get(key) ?? { currency: r.currency, provider: r.provider ?? '', payouts: 0, amount: 0n };
      t.payouts++;
      t.amount += BigInt(r.amountMinor);
      m.set(key, t);
    }
    return [...m.values()].sort((a, b) => (a.currency + a.provider).localeCompare(b.currency + b.provider));
  }, [included]);
  const excluded = Object.entries(preview.excluded as Record<string, number>).sort((a, b) => b[1] - a[1]);
  const deselected = preview.eligibleCount - included.length;
  return (
    <div className="builder-summary">
      <div data-testid="builder-totals">
        <h2>
          Included: {count(included.length)} of {count(preview.eligibleCount)} eligible
          {deselected > 0 && <span className="warning small"> ({count(deselected)} left out by you)</span>}
        </h2>
        {totals.length === 0 ? (
          <p className="muted">Nothing included.</p>
        ) : (
          <TotalsTable compact totals={totals.map((t) => ({ currency: t.currency, provider: t.provider, payouts: t.payouts, amountMinor: t.amount.toString() }))} />
        )}
      </div>
      <div data-testid="builder-excluded">
        <h2>Excluded: {count(preview.rows.length - preview.eligibleCount)}</h2>
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
