/**
 * Retry or cancel several payouts at once (batch payouts grid, exception queue). What the server
 * can do set-based it does in one call: a retry is `batch.retry` with the payouts named, one
 * transaction and one audit entry per payout per batch. A cancellation is `payout.cancel` payout by
 * payout (each its own transaction, its audit entry, its released commissions), with the progress
 * shown and a summary at the end — the ones refused and why, never silently skipped. Payouts the
 * action does not fit (known from the grid) are refused before anything is sent.
 */
import { useState } from 'react';
import { call, callWithStepUp, describeError } from '../../api';
import { ErrorLine, Modal } from '../../components/Panel';
import { count } from '../../format';
import { useConsole } from '../../store';
import { bulkSummary, byBatch, sumsOfItems, type BulkItem, type BulkOutcome } from './bulkOutcome';
import { useExecutions } from './executions';
import { payoutsWord, sumsText } from './executionState';

export type BulkKind = 'retry' | 'cancel';

async function retryAll(items: readonly BulkItem[], sendNow: boolean): Promise<BulkOutcome> {
  const outcome: BulkOutcome = { done: 0, refused: [] };
  for (const [batchId, group] of byBatch(items)) {
    try {
      const r = await callWithStepUp('batch.retry', {
        batch: batchId,
        payoutIds: group.map((i) => i.payoutId),
      });
      outcome.done += r.retried;
      // The server retries only payouts whose last attempt is final at the provider; the others
      // of the group were left as they are.
      const left = group.length - r.retried;
      for (const i of group.slice(0, left))
        outcome.refused.push({
          affiliateId: i.affiliateId,
          why: 'its last attempt is not final at the provider yet',
        });
      if (sendNow && r.retried > 0)
        void useExecutions.getState().start(batchId, group[0]!.batchNumber);
    } catch (error) {
      for (const i of group)
        outcome.refused.push({ affiliateId: i.affiliateId, why: describeError(error) });
    }
  }
  return outcome;
}

export function BulkPayoutDialog({
  kind,
  items,
  onClose,
  onChanged,
}: {
  kind: BulkKind;
  items: readonly BulkItem[];
  onClose(): void;
  onChanged(): void;
}) {
  const notify = useConsole((s) => s.notify);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fit = items.filter((i) => i.refusal === null);
  const unfit = items.filter((i) => i.refusal !== null);
  const verb = kind === 'retry' ? 'retried' : 'cancelled';

  const finish = (outcome: BulkOutcome) => {
    for (const i of unfit) outcome.refused.push({ affiliateId: i.affiliateId, why: i.refusal! });
    notify(outcome.done > 0 ? 'success' : 'error', bulkSummary(verb, outcome));
    onClose();
    onChanged();
  };

  const retry = async (sendNow: boolean) => {
    setBusy(true);
    setError(null);
    try {
      finish(await retryAll(fit, sendNow));
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  const cancel = async () => {
    setBusy(true);
    setError(null);
    const outcome: BulkOutcome = { done: 0, refused: [] };
    for (const [n, item] of fit.entries()) {
      setProgress({ done: n, total: fit.length });
      try {
        await call('payout.cancel', { payoutId: item.payoutId, reason: reason.trim() });
        outcome.done++;
      } catch (err) {
        outcome.refused.push({ affiliateId: item.affiliateId, why: describeError(err) });
      }
    }
    setProgress({ done: fit.length, total: fit.length });
    finish(outcome);
  };

  const title =
    kind === 'retry'
      ? `Retry ${payoutsWord(items.length)}`
      : `Give up ${payoutsWord(items.length)}`;
  return (
    <Modal title={title} testId="bulk-dialog">
      <p data-testid="bulk-summary">
        {fit.length > 0
          ? `${kind === 'retry' ? 'Retries' : 'Cancels'} ${payoutsWord(fit.length)}: ${sumsText(sumsOfItems(fit))}.`
          : `None of the selected payouts can be ${verb}.`}
      </p>
      {unfit.length > 0 && (
        <p className="muted small" data-testid="bulk-unfit">
          {count(unfit.length)} left as they are —{' '}
          {[...new Set(unfit.map((i) => i.refusal))].join('; ')}
        </p>
      )}
      <p className="muted small">
        {kind === 'retry'
          ? 'Each gets a new attempt under a new idempotency key (the failed attempt is final at the provider, so nothing is paid twice); its batch becomes EXECUTING again. You may be asked for your password.'
          : 'Their commissions become payable again for a later batch. Each payout is cancelled with its own audit entry.'}
      </p>
      {kind === 'cancel' && (
        <label>
          Why are these payouts given up?
          <textarea
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            rows={3}
            maxLength={500}
            autoFocus
            disabled={busy}
            data-testid="bulk-reason"
          />
        </label>
      )}
      {progress && (
        <p data-testid="bulk-progress" aria-live="polite">
          Cancelled {count(progress.done)} of {count(progress.total)}…
        </p>
      )}
      <ErrorLine error={error} />
      <div className="row">
        {kind === 'retry' ? (
          <>
            <button
              type="button"
              className="btn primary"
              disabled={busy || fit.length === 0}
              onClick={() => void retry(true)}
              data-testid="bulk-retry-send"
            >
              {busy ? '…' : 'Retry and send now'}
            </button>
            <button
              type="button"
              className="btn"
              disabled={busy || fit.length === 0}
              onClick={() => void retry(false)}
              data-testid="bulk-retry-queue"
            >
              Queue the retries only
            </button>
          </>
        ) : (
          <button
            type="button"
            className="btn danger"
            disabled={busy || fit.length === 0 || reason.trim().length < 3}
            title={reason.trim().length < 3 ? 'say why, in at least 3 characters' : undefined}
            onClick={() => void cancel()}
            data-testid="bulk-cancel-confirm"
          >
            {busy ? '…' : `Cancel ${payoutsWord(fit.length)}`}
          </button>
        )}
        <button type="button" className="btn plain" onClick={onClose} disabled={busy}>
          Back
        </button>
      </div>
    </Modal>
  );
}
