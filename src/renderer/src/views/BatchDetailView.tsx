/**
 * One batch: what it holds (content hash, totals, maker, the maker's note), a rejection while it
 * stands, who approved it, what may be done with it now and why not, what the maker left out and
 * why, its execution (live progress, then succeeded/failed), and its payouts. While
 * it is executing the batch is read again every 2 s and the payouts grid follows.
 */
import { useState } from 'react';
import { useQuery } from '../api';
import { Card, ErrorLine, Page } from '../components/Panel';
import { useConsole } from '../store';
import { BatchActions } from './batch/BatchActions';
import { BatchApprovals } from './batch/BatchApprovals';
import { LeftOutCard, RejectionBanner } from './batch/BatchConversation';
import { BatchFacts } from './batch/BatchFacts';
import { BatchPayoutsGrid, type BatchPayout } from './batch/BatchPayoutsGrid';
import { ExecutionPanel } from './batch/ExecutionPanel';
import { FailedPayoutActions } from './batch/FailedPayoutActions';
import { useExecution } from './batch/executions';

const AFTER_EXECUTION = new Set(['EXECUTING', 'COMPLETED', 'COMPLETED_WITH_FAILURES', 'FAILED']);

export function BatchDetailView() {
  const batchId = useConsole((s) => s.batchId);
  const manifest = useConsole((s) => s.manifest)!;
  const go = useConsole((s) => s.go);
  const execution = useExecution(batchId);
  const running = !!execution && !execution.finishedAt;
  // Read again every 2 s while our execution runs, or while the batch is EXECUTING anywhere
  // (another workstation, an interrupted run, retries waiting to be sent).
  const [executingElsewhere, setExecutingElsewhere] = useState(false);
  const shown = useQuery(
    'batch.show',
    batchId ? { batch: batchId } : null,
    running || executingElsewhere ? 2000 : undefined,
  );
  const batch = shown.data && shown.data.id === batchId ? shown.data : undefined;
  const [selected, setSelected] = useState<BatchPayout | null>(null);
  const [selectedMany, setSelectedMany] = useState<BatchPayout[]>([]);
  // The refresh interval above is chosen before this render's answer is read: follow the status
  // while rendering (React re-renders at once, before any child sees the old value).
  if (executingElsewhere !== (batch?.status === 'EXECUTING'))
    setExecutingElsewhere(batch?.status === 'EXECUTING');

  if (!batchId) {
    return (
      <Page title="Batch" testId="view-batch">
        <p>
          No batch chosen.{' '}
          <button type="button" className="btn" onClick={() => go('batches')}>
            Open the batches list
          </button>
        </p>
      </Page>
    );
  }

  return (
    <Page
      title={batch ? `Batch ${batch.number}` : 'Batch'}
      testId="view-batch"
      actions={
        <button
          type="button"
          className="btn plain"
          onClick={() => go('batches')}
          data-testid="batch-back"
        >
          ← All batches
        </button>
      }
    >
      <ErrorLine error={shown.error?.message} />
      {!batch ? (
        <p className="muted">{shown.loading ? 'Loading…' : ''}</p>
      ) : (
        <div className="batch-detail">
          <RejectionBanner batch={batch} />
          <div className="batch-top">
            <BatchFacts batch={batch} />
            <BatchApprovals batch={batch} />
            <BatchActions
              batch={batch}
              viewer={{ username: manifest.operator.username, permissions: manifest.permissions }}
              running={running}
              onChanged={shown.reload}
            />
          </div>
          <LeftOutCard batch={batch} />
          {(running || execution || AFTER_EXECUTION.has(batch.status)) && (
            <ExecutionPanel batch={batch} execution={execution} asOf={shown.askedAt} />
          )}
          <Card title="Payouts" testId="batch-payouts">
            {AFTER_EXECUTION.has(batch.status) && (
              <FailedPayoutActions
                batch={batch}
                selected={selected}
                selectedMany={selectedMany}
                running={running}
                onChanged={shown.reload}
              />
            )}
            <div className="batch-payouts-grid">
              <BatchPayoutsGrid
                batchId={batch.id}
                withFx={Object.keys(batch.fxRates ?? {}).length > 0}
                refreshToken={shown.data}
                onSelect={setSelected}
                onSelectMany={setSelectedMany}
              />
            </div>
          </Card>
        </div>
      )}
    </Page>
  );
}
