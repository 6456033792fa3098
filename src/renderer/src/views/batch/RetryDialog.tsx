/**
 * The confirmation before a retry: how many failed payouts get a new attempt and for how much, per
 * currency. A retry only queues them (the batch is EXECUTING again); "Retry and send now" then
 * executes the batch, which sends them — and anything else the batch still has to send.
 */
import { useState } from 'react';
import { callWithStepUp, describeError } from '../../api';
import { ErrorLine, Modal } from '../../components/Panel';
import { useConsole } from '../../store';
import { payoutsIn, type CurrencySum } from './batchRules';
import { useExecutions } from './executions';
import { payoutsWord, sumsText } from './executionState';

export interface RetryTarget {
  batchId: string;
  batchNumber: string;
  /** The failed payouts retried, per currency. */
  sums: CurrencySum[];
  /** Only these payouts; all the batch's failed payouts when absent. */
  payoutIds?: string[];
}

export function RetryDialog({
  target,
  onClose,
  onChanged,
}: {
  target: RetryTarget;
  onClose(): void;
  onChanged(): void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const n = payoutsIn(target.sums);

  const retry = async (sendNow: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const r = await callWithStepUp('batch.retry', {
        batch: target.batchId,
        ...(target.payoutIds ? { payoutIds: target.payoutIds } : {}),
      });
      const queued = `${payoutsWord(r.retried)} of batch ${target.batchNumber} queued for a new attempt`;
      useConsole
        .getState()
        .notify(
          'success',
          sendNow
            ? `${queued}: sending now`
            : `${queued}: execute the batch to send ${r.retried === 1 ? 'it' : 'them'}`,
        );
      onClose();
      onChanged();
      // The retry is a step-up call of its own; the execution right after it needs no second
      // password.
      if (sendNow)
        void useExecutions.getState().start(target.batchId, target.batchNumber).then(onChanged);
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <Modal
      title={`Retry ${n === 1 ? 'a failed payout' : 'failed payouts'} of ${target.batchNumber}`}
      testId="retry-dialog"
    >
      <p data-testid="retry-summary">
        This retries {payoutsWord(n)}: {sumsText(target.sums)}.
      </p>
      <p className="muted small">
        Each gets a new attempt under a new idempotency key (the failed attempt is final at the
        provider, so nothing is paid twice). The batch becomes EXECUTING again; executing it sends
        the retries, with anything else it still has to send. You may be asked for your password.
      </p>
      <ErrorLine error={error} />
      <div className="row">
        <button
          type="button"
          className="btn primary"
          autoFocus
          disabled={busy}
          onClick={() => void retry(true)}
          data-testid="retry-send"
        >
          {busy ? '…' : 'Retry and send now'}
        </button>
        <button
          type="button"
          className="btn"
          disabled={busy}
          onClick={() => void retry(false)}
          data-testid="retry-queue"
        >
          Queue the retry only
        </button>
        <button type="button" className="btn plain" onClick={onClose}>
          Back
        </button>
      </div>
    </Modal>
  );
}
