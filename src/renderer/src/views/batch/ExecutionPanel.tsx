/**
 * The execution view: a live progress bar while `batch.execute` runs here (its progress events),
 * and otherwise what the batch's own counts say (refreshed every 2 s while it is EXECUTING), with a
 * sentence that tells what is really going on — running, executing elsewhere (a live lease),
 * interrupted with so much left, or retries waiting to be sent.
 *
 * The bar never goes back while a call runs: it shows the most done seen for that call, and after
 * the call ends it keeps that until a batch read asked for after the end arrives (a read in flight
 * at the end may still hold the counts of before).
 */
import { useState } from 'react';
import type { ProgressEvent } from '../../../../core/host/bridge/contract';
import { Card, ProgressBar } from '../../components/Panel';
import { count, when } from '../../format';
import { useConsole } from '../../store';
import { countOf, settledCount, totalPayouts, type BatchShown } from './batchRules';
import type { Execution } from './executions';
import { situationOf } from './executionState';

export function ExecutionPanel({
  batch,
  execution,
  asOf,
}: {
  batch: BatchShown;
  execution: Execution | undefined;
  asOf: number;
}) {
  const progress = useConsole((s) => (execution ? s.progress[execution.callId] : undefined));
  const running = !!execution && !execution.finishedAt;
  const { done, of } = useShownDone(batch, execution, progress, asOf);
  const situation = situationOf(batch, running, progress);
  const result = execution?.result;
  return (
    <Card title="Execution" testId="execution">
      <div className="row">
        <div className="grow">
          <ProgressBar done={done} total={of} label={situation.label} testId="execution-progress" />
        </div>
        <span className="stat-line" data-testid="execution-counts">
          <span className="ok">{count(countOf(batch, 'SUCCEEDED'))} succeeded</span> ·{' '}
          <span className="bad">{count(countOf(batch, 'FAILED'))} failed</span> ·{' '}
          {count(countOf(batch, 'ACCEPTED') + countOf(batch, 'UNKNOWN'))} with the provider ·{' '}
          {count(countOf(batch, 'PENDING'))} pending
          {countOf(batch, 'CANCELLED') > 0 && (
            <> · {count(countOf(batch, 'CANCELLED'))} cancelled</>
          )}
          {countOf(batch, 'REVERSED') > 0 && <> · {count(countOf(batch, 'REVERSED'))} reversed</>}
        </span>
      </div>
      <p
        className={situation.kind === 'interrupted' ? 'warning' : 'muted small'}
        data-testid="execution-state"
        data-state={situation.kind}
      >
        {situation.sentence ?? ''}
      </p>
      {execution?.error && (
        <p className="error" role="alert" data-testid="execution-error">
          {execution.error}
        </p>
      )}
      {result && (
        <p className="muted small" data-testid="execution-result">
          Last run from this console ended {when(execution.finishedAt)}: {result.status},{' '}
          {count(result.providerCalls)} provider calls in{' '}
          {count(Math.round(result.elapsedMs / 1000))} s
          {result.takenOverFrom ? `, took over from ${result.takenOverFrom}` : ''}.
          {result.status === 'EXECUTING' &&
            ' Some payouts were still with the provider when it stopped waiting: Resume to finish.'}
        </p>
      )}
    </Card>
  );
}

/**
 * The bar's value: the most seen for this console's call while it runs and until fresh counts
 * arrive. The peak is information from previous renders: state, raised while rendering.
 */
function useShownDone(
  batch: BatchShown,
  execution: Execution | undefined,
  progress: ProgressEvent | undefined,
  asOf: number,
) {
  const [peak, setPeak] = useState<{ callId: string; done: number } | null>(null);
  const settled = settledCount(batch);
  const total = totalPayouts(batch);
  const fresh = !execution || (!!execution.finishedAt && asOf >= Date.parse(execution.finishedAt));
  if (fresh) return { done: settled, of: total };
  const seen = progress?.total ? progress.done : settled;
  const before = peak?.callId === execution.callId ? peak.done : 0;
  const done = Math.max(before, seen);
  if (peak?.callId !== execution.callId || peak.done !== done)
    setPeak({ callId: execution.callId, done });
  return { done, of: progress?.total || total };
}
