/**
 * What the batch is: state, the maker's note, content hash (what approvers bind to), totals, maker
 * and dates.
 */
import { Card } from '../../components/Panel';
import { count, when } from '../../format';
import { StatusPill } from '../common/StatusPill';
import { approvalProgress, createdByOf, metaOf, totalPayouts, type BatchShown } from './batchRules';
import { totalsOf, TotalsTable } from './BatchTotals';

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function BatchFacts({ batch }: { batch: BatchShown }) {
  const meta = metaOf(batch);
  const summary = meta.summary ?? {};
  const fx = Object.entries(batch.fxRates ?? {});
  return (
    <Card title="Batch" testId="batch-facts">
      <table className="facts kv">
        <tbody>
          <tr>
            <th>Status</th>
            <td>
              <StatusPill status={batch.status} testId="batch-status" />
            </td>
          </tr>
          {batch.note && (
            <tr>
              <th>Maker's note</th>
              <td data-testid="batch-note">{batch.note}</td>
            </tr>
          )}
          <tr>
            <th>Content hash</th>
            <td>
              <code
                className="hash"
                data-testid="content-hash"
                title="SHA-256 over payouts, amounts, destinations, FX rates and the commissions behind them: an approval binds to it"
              >
                {batch.contentHash ?? '—'}
              </code>
            </td>
          </tr>
          <tr>
            <th>Payouts</th>
            <td data-testid="batch-payout-count">
              {count(totalPayouts(batch))}
              {summary.commissions !== undefined && (
                <span className="muted">
                  {' '}
                  · {count(summary.commissions)} commissions, {count(summary.adjustments ?? 0)}{' '}
                  adjustments
                </span>
              )}
            </td>
          </tr>
          <tr>
            <th>Approvals</th>
            <td>
              {approvalProgress(batch)}
              {batch.highValue && (
                <span
                  className="status tone-warn"
                  title="A payout at or above its currency's high-value threshold: two approvers allowed to approve high-value batches"
                >
                  high value
                  {summary.highValuePayouts ? ` · ${count(summary.highValuePayouts)} payouts` : ''}
                </span>
              )}
            </td>
          </tr>
          <tr>
            <th>Created</th>
            <td data-testid="batch-created">
              {createdByOf(batch) ?? '—'}{' '}
              <span className="muted">{when(text(meta.created_at))}</span>
            </td>
          </tr>
          <tr>
            <th>Submitted</th>
            <td data-testid="batch-submitted">
              {when(text(meta.submitted_at)) || <span className="muted">not yet</span>}
            </td>
          </tr>
          {text(meta.execution_started_at) && (
            <tr>
              <th>Execution</th>
              <td>
                started {when(text(meta.execution_started_at))}
                {text(meta.completed_at) && <> · finished {when(text(meta.completed_at))}</>}
              </td>
            </tr>
          )}
          {fx.length > 0 && (
            <tr>
              <th>FX rates</th>
              <td className="mono">{fx.map(([pair, rate]) => `${pair} ${rate}`).join(' · ')}</td>
            </tr>
          )}
        </tbody>
      </table>
      <TotalsTable totals={totalsOf(summary.totals)} testId="batch-totals" />
    </Card>
  );
}
