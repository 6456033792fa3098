/**
 * The providers table's totals, one row per currency: payouts by status and amounts summed, the
 * success rate of the sums. Settle-time percentiles do not add up, so they are not totalled.
 */
import type { CallOutput } from '../../../../core/host/bridge/contract';
import { count, money, percent } from '../../format';
import { totalsByCurrency } from './currencyTotals';

type Row = CallOutput<'reports.providerAnalysis'>['rows'][number];

const FIELDS = [
  'payouts',
  'succeeded',
  'failed',
  'pending',
  'cancelled',
  'reversed',
  'paidMinor',
  'failedMinor',
  'feesMinor',
] as const;

export function ProviderTotals({ rows }: { rows: Row[] }) {
  const totals = totalsByCurrency(rows, FIELDS, (r, f) => r[f]);
  if (totals.length === 0) return null;
  const n = (v: bigint | null) => count(v === null ? null : v.toString());
  return (
    <tfoot data-testid="report-providers-totals">
      {totals.map(({ currency, sums: s }) => (
        <tr key={currency} className="totals" data-currency={currency}>
          <th scope="row">Total</th>
          <td>{currency}</td>
          <td className="amount">{n(s.payouts)}</td>
          <td className="amount">{n(s.succeeded)}</td>
          <td className="amount">{n(s.failed)}</td>
          <td className="amount">{n(s.pending)}</td>
          <td className="amount">{n(s.cancelled)}</td>
          <td className="amount">{n(s.reversed)}</td>
          <td className="amount">{money(s.paidMinor?.toString(), currency)}</td>
          <td className="amount">{money(s.failedMinor?.toString(), currency)}</td>
          <td className="amount">
            {percent(s.succeeded! + s.reversed!, s.succeeded! + s.reversed! + s.failed!)}
          </td>
          <td className="amount muted">—</td>
          <td className="amount">
            {s.feesMinor === null ? 'not reported' : money(s.feesMinor.toString(), currency)}
          </td>
        </tr>
      ))}
    </tfoot>
  );
}
