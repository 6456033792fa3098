/**
 * Before creation: how many approvals the batch will need, and which payouts make it high-value
 * (at or above their currency's threshold, settings `high_value_thresholds`): any one of them
 * means two approvers holding batches.approve_high_value. Rows the operator left out no longer
 * count. (A batch split into parts needs two only for the parts that hold such a payout.)
 */
import { count, money } from '../../format';
import type { Preview, PreviewRow } from './types';

export function ApprovalsNeeded({
  preview,
  leftOut,
}: {
  preview: Preview;
  leftOut: ReadonlyMap<string, PreviewRow>;
}) {
  const high = preview.highValue;
  const leftHigh = new Set(
    [...leftOut.values()].filter((r) => r.highValue).map((r) => r.affiliateId),
  );
  const remaining = high.count - leftHigh.size;
  const listed = high.rows.filter((r) => !leftHigh.has(r.affiliateId));
  if (remaining <= 0)
    return (
      <p className="builder-approvals muted small" data-testid="builder-approvals">
        Needs <strong data-testid="builder-approvals-needed">1 approval</strong>: no payout is at or
        above its high-value threshold.
      </p>
    );
  return (
    <p className="builder-approvals warning small" data-testid="builder-approvals">
      Needs <strong data-testid="builder-approvals-needed">2 approvals</strong> from operators
      allowed to approve high-value batches: {count(remaining)} high-value payout
      {remaining === 1 ? '' : 's'} (
      {listed.map((r) => `${r.affiliateId} ${money(r.amountMinor, r.currency)}`).join(', ')}
      {remaining > listed.length ? ', …' : ''}) — marked in the preview; “high-value only” lists
      them.
    </p>
  );
}
