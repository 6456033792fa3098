/**
 * The confirmation before execute or resume: exactly what will be sent, per currency — the PENDING
 * payouts, and the UNKNOWN ones, which are sent again under the same idempotency key — not the
 * batch's total, which after a partial run or a retry is not what goes out.
 */
import { Modal } from '../../components/Panel';
import { payoutsIn, whatExecuteSends, type BatchShown } from './batchRules';
import { useExecutions } from './executions';
import { payoutsWord, sumsText } from './executionState';

export function ExecuteDialog({
  batch,
  onClose,
  onStarted,
  onEnded,
}: {
  batch: BatchShown;
  onClose(): void;
  onStarted(): void;
  onEnded(): void;
}) {
  const resume = batch.status === 'EXECUTING';
  return (
    <Modal title={`${resume ? 'Resume' : 'Execute'} ${batch.number}`} testId="execute-dialog">
      <WhatIsSent batch={batch} />
      <p className="muted small">
        Each payout is sent exactly once; if this is interrupted, executing again resumes without
        sending twice. You will be asked for your password.
      </p>
      <div className="row">
        <button
          type="button"
          className="btn primary"
          autoFocus
          data-testid="execute-confirm"
          onClick={() => {
            onClose();
            void useExecutions.getState().start(batch.id, batch.number).then(onEnded);
            onStarted();
          }}
        >
          {resume ? 'Resume: send what is left' : 'Send the payouts'}
        </button>
        <button type="button" className="btn plain" onClick={onClose}>
          Back
        </button>
      </div>
    </Modal>
  );
}

function WhatIsSent({ batch }: { batch: BatchShown }) {
  const { pending, unknown, withProvider } = whatExecuteSends(batch);
  const [toSend, again] = [payoutsIn(pending), payoutsIn(unknown)];
  return (
    <div data-testid="execute-summary">
      {toSend > 0 && (
        <p data-testid="execute-sends">
          This sends {payoutsWord(toSend)} through the providers: {sumsText(pending)}.
        </p>
      )}
      {again > 0 && (
        <p data-testid="execute-resends">
          It sends again {payoutsWord(again)} whose earlier send got no answer ({sumsText(unknown)}
          ), with the same idempotency key: the provider pays each at most once.
        </p>
      )}
      {withProvider > 0 && (
        <p>{payoutsWord(withProvider)} already with the provider are looked up, not sent.</p>
      )}
      {toSend + again === 0 && (
        <p>
          Nothing is left to send
          {withProvider > 0 ? ': this waits for the provider to settle the payouts it holds' : ''}.
        </p>
      )}
    </div>
  );
}
