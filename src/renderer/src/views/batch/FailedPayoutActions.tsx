/**
 * After an execution: a new attempt for failed payouts (all of them, the one selected in the grid,
 * or the several ticked — BulkPayoutDialog), after a dialog that says how many and for how much; or giving a failed payout up (its
 * commissions become payable for a later batch). Both need the central store; a retry needs the
 * password again.
 */
import { useState } from 'react';
import { call } from '../../api';
import { Action } from '../../components/Action';
import { count } from '../../format';
import { useConsole } from '../../store';
import { ReasonDialog } from '../common/ReasonDialog';
import type { BatchPayout } from './BatchPayoutsGrid';
import { failedCount, retryBlocked, sumsOf, type BatchShown } from './batchRules';
import { RetryDialog, type RetryTarget } from './RetryDialog';
import type { BulkItem } from './bulkOutcome';
import { BulkPayoutDialog, type BulkKind } from './BulkPayoutDialog';
import { statusInWords } from '../common/words';

export function FailedPayoutActions({
  batch,
  selected,
  selectedMany = selected ? [selected] : [],
  running,
  onChanged,
}: {
  batch: BatchShown;
  selected: BatchPayout | null;
  /** Every payout selected in the grid: more than one → the bulk dialog. */
  selectedMany?: BatchPayout[];
  running: boolean;
  onChanged(): void;
}) {
  const notify = useConsole((s) => s.notify);
  const [cancelling, setCancelling] = useState(false);
  const [retrying, setRetrying] = useState<RetryTarget | null>(null);
  const failed = failedCount(batch);
  const [bulk, setBulk] = useState<BulkKind | null>(null);
  const many = selectedMany.length > 1;
  const selectedBlocked = running
    ? 'wait for the execution to finish'
    : many
      ? selectedMany.some((p) => p.status === 'FAILED')
        ? null
        : 'none of the selected payouts failed: only failed ones'
      : !selected
        ? 'select a failed payout in the grid (tick several for all at once)'
        : selected.status !== 'FAILED'
          ? `the selected payout is ${statusInWords(selected.status).toLowerCase()}: only a failed one`
          : null;
  const base = { batchId: batch.id, batchNumber: batch.number };
  const items: BulkItem[] = selectedMany.map((p) => ({
    payoutId: p.id,
    batchId: batch.id,
    batchNumber: batch.number,
    affiliateId: p.affiliateId,
    currency: p.currency,
    amountMinor: p.amountMinor,
    refusal:
      p.status === 'FAILED'
        ? null
        : `${statusInWords(p.status).toLowerCase()}: only a failed payout`,
  }));

  return (
    <div className="row" data-testid="failed-payout-actions">
      <Action
        call="batch.retry"
        online
        blocked={retryBlocked(batch, running)}
        onRun={() => setRetrying({ ...base, sums: sumsOf(batch, ['FAILED']) })}
        testId="batch-retry"
      >
        Retry {count(failed)} failed payout{failed === 1 ? '' : 's'}…
      </Action>
      <Action
        call="batch.retry"
        online
        blocked={selectedBlocked}
        onRun={() =>
          void (many
            ? setBulk('retry')
            : selected &&
              setRetrying({
                ...base,
                payoutIds: [selected.id],
                sums: [
                  { currency: selected.currency, payouts: 1, amountMinor: selected.amountMinor },
                ],
              }))
        }
        testId="payout-retry"
      >
        {many ? `Retry ${count(selectedMany.length)} selected…` : 'Retry selected…'}
      </Action>
      <Action
        call="payout.cancel"
        online
        blocked={selectedBlocked}
        onRun={() => (many ? setBulk('cancel') : setCancelling(true))}
        kind="danger"
        testId="payout-cancel"
      >
        {many ? `Cancel ${count(selectedMany.length)} selected…` : 'Cancel selected payout…'}
      </Action>
      {bulk && (
        <BulkPayoutDialog
          kind={bulk}
          items={items}
          onClose={() => setBulk(null)}
          onChanged={onChanged}
        />
      )}
      {retrying && (
        <RetryDialog target={retrying} onClose={() => setRetrying(null)} onChanged={onChanged} />
      )}
      {cancelling && selected && (
        <ReasonDialog
          title={`Give up payout to ${selected.affiliateId}`}
          prompt="Why is this payout given up? Its commissions become payable again for a later batch."
          confirm="Cancel the payout"
          danger
          testId="payout-cancel-dialog"
          onClose={() => setCancelling(false)}
          onSubmit={async (reason) => {
            const r = await call('payout.cancel', { payoutId: selected.id, reason });
            notify('success', `Payout cancelled: ${count(r.itemsReleased)} items payable again`);
            onChanged();
          }}
        />
      )}
    </div>
  );
}
