/**
 * Per provider and currency: how many payouts, how many succeeded or failed, what was paid, how
 * long settling took (first attempt to success or failure), and the failure codes.
 */
import { useQuery } from '../../api';
import { BarChart, type ValueAxis } from '../../components/Chart';
import { Card, ErrorLine } from '../../components/Panel';
import { count, money, percent } from '../../format';
import { ProviderTotals } from './ProviderTotals';

interface Bar {
  label: string;
  rate: number;
  text: string;
}
const RATE_AXIS: ValueAxis<Bar> = { kind: 'percent' };

export function ProviderAnalysis({ from, to }: { from: string; to: string }) {
  const analysis = useQuery('reports.providerAnalysis', {
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  });
  const rows = analysis.data?.rows ?? [];
  const bars = rows
    .filter((r) => r.successRate !== null)
    .map((r) => ({
      label: `${r.provider} ${r.currency}`,
      // The bar's height only; its text is the exact rate from the counts.
      rate: Number(r.successRate),
      text: `${percent(r.succeeded + r.reversed, r.succeeded + r.reversed + r.failed)} of ${count(r.succeeded + r.reversed + r.failed)} settled`,
    }));
  return (
    <Card title="Providers" testId="report-providers" wide>
      <ErrorLine error={analysis.error?.message} />
      <div className="provider-analysis">
        <table className="facts" data-testid="report-providers-table">
          <thead>
            <tr>
              <th>Provider</th>
              <th>Currency</th>
              <th className="amount">Payouts</th>
              <th className="amount">Succeeded</th>
              <th className="amount">Failed</th>
              <th className="amount">Pending</th>
              <th className="amount">Cancelled</th>
              <th className="amount">Reversed</th>
              <th className="amount">Paid</th>
              <th className="amount">Failed amount</th>
              <th className="amount">Success rate</th>
              <th className="amount">Settle p50 / p95</th>
              <th className="amount">Fees</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={13} className="muted">
                  {analysis.loading ? 'Loading…' : 'No payout in this period.'}
                </td>
              </tr>
            )}
            {rows.map((r) => (
              <tr key={`${r.provider}|${r.currency}`}>
                <td>{r.provider}</td>
                <td>{r.currency}</td>
                <td className="amount">{count(r.payouts)}</td>
                <td className="amount">{count(r.succeeded)}</td>
                <td className="amount">{count(r.failed)}</td>
                <td className="amount">{count(r.pending)}</td>
                <td className="amount">{count(r.cancelled)}</td>
                <td className="amount">{count(r.reversed)}</td>
                <td className="amount">{money(r.paidMinor, r.currency)}</td>
                <td className="amount">{money(r.failedMinor, r.currency)}</td>
                <td className="amount">
                  {percent(r.succeeded + r.reversed, r.succeeded + r.reversed + r.failed)}
                </td>
                <td className="amount">
                  {r.settleSecondsP50 === null
                    ? '—'
                    : `${r.settleSecondsP50} s / ${r.settleSecondsP95} s`}
                </td>
                <td className="amount" title="Neither provider's payout API reports a fee">
                  {r.feesMinor === null ? 'not reported' : money(r.feesMinor, r.currency)}
                </td>
              </tr>
            ))}
          </tbody>
          <ProviderTotals rows={rows} />
        </table>
        {bars.length > 0 && (
          <div className="provider-chart">
            <BarChart
              data={bars}
              xKey="label"
              yKey="rate"
              yName="Success rate"
              axis={RATE_AXIS}
              tooltip={(d) => d.text}
              height={170}
              label="Success rate per provider and currency"
              testId="report-providers-chart"
            />
            <p className="muted small">
              Success rate: succeeded (reversed later included) out of settled.
            </p>
            {(analysis.data?.failureCodes ?? []).length > 0 && (
              <p className="small" data-testid="report-failure-codes">
                Failure codes:{' '}
                {analysis
                  .data!.failureCodes.map(
                    (f) => `${f.provider} ${f.currency} ${f.code} × ${count(f.count)}`,
                  )
                  .join(' · ')}
              </p>
            )}
          </div>
        )}
      </div>
    </Card>
  );
}
