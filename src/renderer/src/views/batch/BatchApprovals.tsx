/**
 * Who approved, for which content, and whether the approval still counts: an approval given for
 * other content (the batch changed since) or voided by a rejection is listed with the reason.
 */
import { Card } from '../../components/Panel';
import { stamp } from '../common/stamp';
import { approvalProgress, createdByOf, validApprovals, type BatchShown } from './batchRules';

export function BatchApprovals({ batch }: { batch: BatchShown }) {
  const missing = batch.requiredApprovals - validApprovals(batch).length;
  return (
    <Card title="Approvals" testId="batch-approvals">
      <p className="muted small">
        {approvalProgress(batch)}
        {batch.status === 'SUBMITTED' &&
          missing > 0 &&
          ` — awaiting ${missing === 1 && validApprovals(batch).length > 0 ? 'a second approver' : `${missing} approver${missing === 1 ? '' : 's'}`} other than ${createdByOf(batch) ?? 'the maker'}`}
        {batch.highValue &&
          ' — high value: each approver needs permission to approve high-value batches'}
      </p>
      {batch.approvals.length === 0 ? (
        <p className="muted">No approval yet.</p>
      ) : (
        <table className="facts">
          <thead>
            <tr>
              <th>Approver</th>
              <th>When (UTC)</th>
              <th>Content</th>
              <th>Counts</th>
            </tr>
          </thead>
          <tbody>
            {batch.approvals.map((a, i) => (
              <tr key={i} data-testid="batch-approval">
                <td>{a.by}</td>
                <td className="nowrap">{stamp(a.at)}</td>
                <td className="mono" title={a.contentHash}>
                  {a.contentHash.slice(0, 8)}…
                </td>
                <td>
                  {a.valid ? (
                    <span className="ok">yes</span>
                  ) : (
                    <span className="warning">
                      no — {a.voidReason ?? 'given for other content'}
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
