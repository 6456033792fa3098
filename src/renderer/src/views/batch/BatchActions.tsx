/**
 * The lifecycle actions of one batch, each with the reason it cannot be taken now: submit, approve
 * (step-up, bound to the content hash on screen), reject and cancel (with a reason), execute
 * (step-up, central store only, after a confirmation that says exactly what will be sent: see
 * ExecuteDialog), and the export of its payout items.
 */
import { useState } from 'react';
import { call, callWithStepUp, describeError } from '../../api';
import { Action } from '../../components/Action';
import { Card } from '../../components/Panel';
import { count } from '../../format';
import { useConsole } from '../../store';
import { exportReport } from '../common/exportReport';
import { ReasonDialog } from '../common/ReasonDialog';
import {
  approveBlocked,
  cancelBlocked,
  executeBlocked,
  rejectBlocked,
  submitBlocked,
  type BatchShown,
  type Viewer,
} from './batchRules';
import { ExecuteDialog } from './ExecuteDialog';

type Dialog = 'reject' | 'cancel' | 'execute' | null;

export function BatchActions({
  batch,
  viewer,
  running,
  onChanged,
}: {
  batch: BatchShown;
  viewer: Viewer;
  running: boolean;
  onChanged(): void;
}) {
  const notify = useConsole((s) => s.notify);
  const [busy, setBusy] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);

  /**
   * Runs one action: busy while it runs, the router's answer (or refusal) as a notice, then a
   * reload.
   */
  const run = async (
    key: string,
    work: () => Promise<string | { kind: 'success' | 'info'; text: string }>,
  ) => {
    setBusy(key);
    try {
      const said = await work();
      if (typeof said === 'string') notify('success', said);
      else notify(said.kind, said.text);
    } catch (error) {
      notify('error', describeError(error));
    } finally {
      setBusy(null);
      onChanged();
    }
  };

  const submit = () =>
    run('submit', async () => {
      const r = await call('batch.submit', { batch: batch.id });
      return `Batch ${r.number} submitted: it now needs ${batch.requiredApprovals === 1 ? 'an approver' : `${count(batch.requiredApprovals)} approvers`} other than its maker`;
    });
  const approve = () =>
    run('approve', async () => {
      // The hash on screen goes with the approval: if the batch changed since, the router refuses.
      const r = await callWithStepUp('batch.approve', {
        batch: batch.id,
        ...(batch.contentHash ? { contentHash: batch.contentHash } : {}),
      });
      if ('held' in r && r.held)
        return `Approval held: ${String((r as { reason?: unknown }).reason ?? 'a security event needs a second administrator')}`;
      const a = r as { status: string; approvals?: number; requiredApprovals?: number };
      return a.status === 'APPROVED'
        ? `Batch ${batch.number} approved: it can be executed`
        : `Approval recorded (${count(a.approvals ?? 0)} of ${count(a.requiredApprovals ?? batch.requiredApprovals)}): awaiting a second approver`;
    });
  const exportItems = () =>
    run('export', () =>
      exportReport(
        'export.payoutItems',
        { format: 'csv', batch: batch.number },
        `${batch.number}-payouts.csv`,
      ),
    );

  return (
    <Card title="Actions" testId="batch-actions">
      <div className="action-list">
        <Action
          call="batch.submit"
          blocked={submitBlocked(batch)}
          onRun={submit}
          busy={busy === 'submit'}
          kind="primary"
          testId="batch-submit"
        >
          Submit for approval
        </Action>
        <Action
          call="batch.approve"
          blocked={approveBlocked(batch, viewer)}
          onRun={approve}
          busy={busy === 'approve'}
          kind="primary"
          testId="batch-approve"
        >
          Approve this content
        </Action>
        <Action
          call="batch.reject"
          blocked={rejectBlocked(batch, viewer)}
          onRun={() => setDialog('reject')}
          busy={busy === 'reject'}
          testId="batch-reject"
        >
          Reject…
        </Action>
        <Action
          call="batch.execute"
          online
          blocked={executeBlocked(batch, running)}
          onRun={() => setDialog('execute')}
          busy={running}
          kind="primary"
          testId="batch-execute"
        >
          {batch.status === 'EXECUTING' ? 'Resume execution…' : 'Execute…'}
        </Action>
        <Action
          call="batch.cancel"
          blocked={cancelBlocked(batch)}
          onRun={() => setDialog('cancel')}
          busy={busy === 'cancel'}
          kind="danger"
          testId="batch-cancel"
        >
          Cancel batch…
        </Action>
        <Action
          call="export.payoutItems"
          online
          onRun={exportItems}
          busy={busy === 'export'}
          testId="batch-export"
        >
          Export payout items (CSV)
        </Action>
      </div>
      {dialog === 'reject' && (
        <ReasonDialog
          title={`Reject ${batch.number}`}
          prompt="Why is it rejected? It goes back to its maker as a DRAFT."
          confirm="Reject"
          danger
          testId="reject-dialog"
          onClose={() => setDialog(null)}
          onSubmit={async (reason) => {
            await call('batch.reject', { batch: batch.id, reason });
            notify('success', `Batch ${batch.number} rejected: back to DRAFT`);
            onChanged();
          }}
        />
      )}
      {dialog === 'cancel' && (
        <ReasonDialog
          title={`Cancel ${batch.number}`}
          prompt="Why is it cancelled? Its commissions become payable again."
          confirm="Cancel the batch"
          danger
          testId="cancel-dialog"
          onClose={() => setDialog(null)}
          onSubmit={async (reason) => {
            const r = await call('batch.cancel', { batch: batch.id, reason });
            notify(
              'success',
              `Batch ${batch.number} cancelled: ${count(r.payoutsReleased)} payouts released`,
            );
            onChanged();
          }}
        />
      )}
      {dialog === 'execute' && (
        <ExecuteDialog
          batch={batch}
          onClose={() => setDialog(null)}
          onStarted={onChanged}
          onEnded={onChanged}
        />
      )}
    </Card>
  );
}
