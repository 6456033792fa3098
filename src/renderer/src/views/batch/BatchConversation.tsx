/**
 * What maker and checker said through the batch: the rejection that stands until the maker
 * submits again (who, when, why), and the affiliates the maker left out — each with the amount not
 * paid, the reason, who and when — so the checker reviews what is missing as well as what is paid.
 */
import { Card } from '../../components/Panel';
import { count, money } from '../../format';
import { stamp } from '../common/stamp';
import type { BatchShown } from './batchRules';

/** The standing rejection, as a banner above the batch (gone once it is submitted again). */
export function RejectionBanner({ batch }: { batch: BatchShown }) {
  const r = batch.rejection;
  if (!r) return null;
  return (
    <div className="rejection-banner" role="status" data-testid="batch-rejection">
      <strong>
        Rejected by <span data-testid="batch-rejection-by">{r.by ?? 'a checker'}</span> on{' '}
        {stamp(r.at)} UTC:
      </strong>{' '}
      <q data-testid="batch-rejection-reason">{r.reason}</q>
      {batch.status === 'DRAFT' && (
        <span className="muted"> — change what is needed, then submit it again.</span>
      )}
    </div>
  );
}

/** The maker's exclusions: affiliate, amount, reason, who, when. */
export function LeftOutCard({ batch }: { batch: BatchShown }) {
  const list = batch.leftOut ?? [];
  return (
    <Card title={`Left out by the maker (${count(list.length)})`} testId="batch-left-out">
      {list.length === 0 ? (
        <p className="muted">None: every eligible affiliate of the preview is in the batch.</p>
      ) : (
        <table className="facts">
          <thead>
            <tr>
              <th>Affiliate</th>
              <th className="amount">Amount not paid</th>
              <th>Reason</th>
              <th>By</th>
              <th>When (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {list.map((l) => (
              <tr
                key={l.affiliateId}
                data-testid="batch-left-out-row"
                data-affiliate={l.affiliateId}
              >
                <td>
                  <span className="mono">{l.affiliateId}</span>{' '}
                  <span className="muted">{l.name}</span>
                </td>
                <td className="amount nowrap">{money(l.amountMinor, l.currency)}</td>
                <td data-testid="batch-left-out-reason">{l.reason}</td>
                <td>{l.by}</td>
                <td className="nowrap">{stamp(l.at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
