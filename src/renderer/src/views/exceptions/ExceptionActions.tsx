/**
 * What can be done about one exception: the actions the queue says fit it, each a button that is
 * disabled with the reason when the operator may not (permission, offline, an execution of its
 * batch running here), and the dialog each needs — the retry's confirmation, a reason for a release
 * or a cancellation at the provider, a note for an acknowledgement, the resume confirmation with
 * what will be sent. Step-up calls ask for the password through callWithStepUp.
 */
import { useEffect, useState } from 'react';
import { call, callWithStepUp, describeError } from '../../api';
import { Action } from '../../components/Action';
import { count } from '../../format';
import { gate, useConsole } from '../../store';
import { ExecuteDialog } from '../batch/ExecuteDialog';
import { useExecutions } from '../batch/executions';
import { RetryDialog } from '../batch/RetryDialog';
import type { BatchShown } from '../batch/batchRules';
import { ReasonDialog } from '../common/ReasonDialog';
import { ACTIONS, type ExceptionAction, type ExceptionRow } from './kinds';

export interface PendingAction {
  row: ExceptionRow;
  action: ExceptionAction;
}

/** Actions that change the batch's payouts wait while this console executes that batch. */
const WAIT_FOR_EXECUTION: readonly ExceptionAction[] = ['retry', 'release', 'resume'];

function useBlocked(row: ExceptionRow) {
  const running = useExecutions(
    (s) => !!s.byBatch[row.batchId] && !s.byBatch[row.batchId]!.finishedAt,
  );
  return (action: ExceptionAction) =>
    running && WAIT_FOR_EXECUTION.includes(action)
      ? `wait for the execution of ${row.batchNumber} to finish`
      : null;
}

/**
 * The row's buttons. In a grid cell (`compact`) each reason is said once after the buttons rather
 * than after each one: three buttons refused for the same missing permission say it once.
 */
export function ExceptionActionButtons({
  row,
  onAction,
  compact,
}: {
  row: ExceptionRow;
  onAction(p: PendingAction): void;
  compact?: boolean;
}) {
  const blocked = useBlocked(row);
  const manifest = useConsole((s) => s.manifest);
  const host = useConsole((s) => s.host);
  const reasons = compact
    ? [
        ...new Set(
          row.actions
            .map(
              (a) =>
                gate({ manifest, host }, ACTIONS[a].call, { online: true, blocked: blocked(a) })
                  .reason,
            )
            .filter((r): r is string => !!r),
        ),
      ]
    : [];
  return (
    <div className={compact ? 'grid-actions' : 'action-list'} data-testid="exception-actions">
      {row.actions.map((a) => (
        <Action
          key={a}
          call={ACTIONS[a].call}
          online
          blocked={blocked(a)}
          onRun={() => onAction({ row, action: a })}
          testId={`exception-${a}`}
          kind={a === 'retry' || a === 'resume' ? 'primary' : 'plain'}
        >
          <span title={ACTIONS[a].title}>{ACTIONS[a].label}</span>
        </Action>
      ))}
      {reasons.length > 0 && (
        <span className="reason" title={reasons.join('; ')}>
          {reasons.join('; ')}
        </span>
      )}
    </div>
  );
}

/**
 * Asks the provider about the payout now (no dialog: it changes nothing the provider did not say).
 */
export async function pollNow(row: ExceptionRow): Promise<void> {
  const notify = useConsole.getState().notify;
  try {
    const r = await call('payouts.poll', { payoutIds: [row.payoutId] });
    const changed = Object.entries(r.changed).map(([status, n]) => `${count(n)} now ${status}`);
    const waiting = Object.keys(r.waiting);
    notify(
      r.errors > 0 ? 'error' : 'success',
      r.errors > 0
        ? `The provider could not be asked: ${r.problems[0]?.message ?? 'no answer'}`
        : changed.length > 0
          ? `Asked ${row.provider}: ${changed.join(', ')}`
          : `Asked ${row.provider}: no change${waiting.length > 0 ? ` (still ${waiting.join(', ')})` : ''}`,
    );
  } catch (error) {
    notify('error', describeError(error));
  }
}

/** The dialog of the action chosen; `onDone` reloads the queue after anything was changed. */
export function ExceptionActionDialog({
  pending,
  onClose,
  onDone,
}: {
  pending: PendingAction;
  onClose(): void;
  onDone(): void;
}) {
  const { row, action } = pending;
  const notify = useConsole((s) => s.notify);
  const who = `${row.affiliateName} (${row.affiliateId})`;
  switch (action) {
    case 'retry':
      return (
        <RetryDialog
          target={{
            batchId: row.batchId,
            batchNumber: row.batchNumber,
            payoutIds: [row.payoutId],
            sums: [{ currency: row.currency, payouts: 1, amountMinor: row.amountMinor }],
          }}
          onClose={onClose}
          onChanged={onDone}
        />
      );
    case 'resume':
      return <ResumeDialog batchId={row.batchId} onClose={onClose} onDone={onDone} />;
    case 'release':
      return (
        <ReasonDialog
          title={`Release the payout to ${who}`}
          prompt="Why is this payout given up? Its commissions become payable again for a later batch."
          confirm="Release the payout"
          danger
          testId="exception-release-dialog"
          onClose={onClose}
          onSubmit={async (reason) => {
            const r = await call('payout.cancel', { payoutId: row.payoutId, reason });
            notify(
              'success',
              `Payout to ${who} released: ${count(r.itemsReleased)} items payable again`,
            );
            onDone();
          }}
        />
      );
    case 'cancel_at_provider':
      return (
        <ReasonDialog
          title={`Cancel the payout to ${who} at ${row.provider}`}
          prompt="Why is it cancelled? The provider decides: if it paid meanwhile, the payout is recorded as paid."
          confirm="Ask the provider to cancel"
          danger
          testId="exception-cancel-dialog"
          onClose={onClose}
          onSubmit={async (reason) => {
            const r = await callWithStepUp('payout.cancelAtProvider', {
              payoutId: row.payoutId,
              reason,
            });
            notify(
              'success',
              `${row.provider} answered ${r.providerStatus ?? 'nothing new'}: the payout is ${r.status}`,
            );
            onDone();
          }}
        />
      );
    case 'acknowledge':
      return (
        <ReasonDialog
          title={`Acknowledge the payout to ${who}`}
          prompt="What was done about it? The note is kept with the payout and in the audit trail; the payout itself does not change."
          confirm="Acknowledge"
          testId="exception-acknowledge-dialog"
          onClose={onClose}
          onSubmit={async (note) => {
            await call('exception.acknowledge', { payoutId: row.payoutId, note });
            notify('success', `Acknowledged: the payout to ${who} left the queue`);
            onDone();
          }}
        />
      );
    case 'hold_affiliate':
      return (
        <ReasonDialog
          title={`Hold payouts to ${who}`}
          prompt="Why are this affiliate's payouts held? Until someone releases the hold, they are left out of batches and not sent from approved ones."
          confirm="Hold their payouts"
          danger
          testId="exception-hold-dialog"
          onClose={onClose}
          onSubmit={async (reason) => {
            await call('affiliate.hold', { affiliateId: row.affiliateId, reason });
            notify('success', `Payouts to ${who} are held`);
            onDone();
          }}
        />
      );
    case 'poll':
      return null; // no dialog: see pollNow
  }
}

/** The resume confirmation needs the batch's counts (what will be sent): read first. */
function ResumeDialog({
  batchId,
  onClose,
  onDone,
}: {
  batchId: string;
  onClose(): void;
  onDone(): void;
}) {
  const [batch, setBatch] = useState<BatchShown | null>(null);
  useEffect(() => {
    call('batch.show', { batch: batchId })
      .then(setBatch)
      .catch((error: unknown) => {
        useConsole.getState().notify('error', `Batch not read: ${describeError(error)}`);
        onClose();
      });
    // Read once per batch; the parent's onClose is a new function each render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [batchId]);
  if (!batch) return null;
  return <ExecuteDialog batch={batch} onClose={onClose} onStarted={onDone} onEnded={onDone} />;
}
