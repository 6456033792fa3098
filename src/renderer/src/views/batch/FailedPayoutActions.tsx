/**
 * After an execution: a new attempt for failed payouts (all of them, or the one selected in the
 * grid), or giving a failed payout up (its commissions become payable for a later batch). Both need
 * the central store; a retry needs the password again.
 */
import { useState } from 'react';
import { call, callWithStepUp, describeError } from '../../api';
import { Action } from '../../components/Action';
import { count } from '../../format';
import { useConsole } from '../../store';
import { ReasonDialog } from '../common/ReasonDialog';
import type { BatchPayout } from './BatchPayoutsGrid';
import { failedCount, retryBlocked, type BatchShown } from './batchRules';

export function FailedPayoutActions({ batch, selected, running, onChanged }: { batch: BatchShown; selected: BatchPayout | null; running: boolean; onChanged(): void }) {
  const notify = useConsole((s) => s.notify);
  const [busy, setBusy] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const failed = failedCount(batch);
  const selectedBlocked = running
    ? 'wait for the execution to finish'
    : !selected
      ? 'select a failed payout in the grid'
      : selected.status !== 'FAILED'
        ? `the selected payout is ${selected.status}: only a FAILED one`
        : null;

  const retry = async (payoutIds?: string[]) => {
    setBusy(payoutIds ? 'one' : 'all');
    try {
      const r = await callWithStepUp('batch.retry', { batch: batch.id, ...(payoutIds ? { payoutIds } : {}) });
      notify('success', `${count(r.retried)} payout${r.retried === 1 ? '' : 's'} queued for a new attempt: the batch is EXECUTING again — execute it to send them`);
    } catch (error) {
      notify('error', describeError(error));
    } finally {
      setBusy(null);
      onChanged();
    }
  };

  return (
    <div className="row" data-testid="failed-payout-actions">
      <Action call="batch.retry" online blocked={retryBlocked(batch, running)} onRun={() => retry()} busy={busy === 'all'} testId="batch-retry">
        Retry {count(failed)} failed payout{failed === 1 ? '' : 's'}
      </Action>
      <Action call="batch.retry" online blocked={selectedBlocked} onRun={() => retry([selected!.id])} busy={busy === 'one'} testId="payout-retry">
        Retry selected
      </Action>
      <Action call="payout.cancel" online blocked={selectedBlocked} onRun={() => setCancelling(true)} kind="danger" testId="payout-cancel">
        Cancel selected payout…
      </Action>
      {cancelling && selected && (
        <ReasonDialog
          title={`Give up payout to ${selected.affiliate_id}`}
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
