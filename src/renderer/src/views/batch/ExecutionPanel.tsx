/**
 * The execution view: a live progress bar while `batch.execute` runs (its progress events), and
 * afterwards what the payouts came to (from the batch's counts, refreshed every 2 s while the batch
 * is executing, so an execution started elsewhere shows too).
 */
import { Card, ProgressBar } from '../../components/Panel';
import { count, when } from '../../format';
import { useConsole } from '../../store';
import { countOf, settledCount, totalPayouts, type BatchShown } from './batchRules';
import type { Execution } from './executions';

const PHASES: Record<string, string> = { preflight: 'Pre-flight checks', sending: 'Sending', waiting: 'Waiting for the provider', done: 'Settled' };

export function ExecutionPanel({ batch, execution }: { batch: BatchShown; execution: Execution | undefined }) {
  const progress = useConsole((s) => (execution ? s.progress[execution.callId] : undefined));
  const running = !!execution && !execution.finishedAt;
  const total = totalPayouts(batch);
  // Live events while our call runs; the stored counts otherwise (or before the first event).
  const done = running && progress && progress.total ? progress.done : settledCount(batch);
  const of = running && progress && progress.total ? progress.total : total;
  const phase = running
    ? progress
      ? (PHASES[progress.phase] ?? progress.phase)
      : 'Starting'
    : batch.status === 'EXECUTING'
      ? 'Executing elsewhere, or waiting (retries queued, or interrupted): execute to send what is left'
      : batch.status === 'APPROVED'
        ? 'Not sent'
        : 'Settled';
  const result = execution?.result;
  return (
    <Card title="Execution" testId="execution">
      <div className="row">
        <div className="grow">
          <ProgressBar done={done} total={of} label={phase} testId="execution-progress" />
        </div>
        <span className="stat-line" data-testid="execution-counts">
          <span className="ok">{count(countOf(batch, 'SUCCEEDED'))} succeeded</span> · <span className="bad">{count(countOf(batch, 'FAILED'))} failed</span> ·{' '}
          {count(countOf(batch, 'ACCEPTED') + countOf(batch, 'UNKNOWN'))} with the provider · {count(countOf(batch, 'PENDING'))} pending
          {countOf(batch, 'CANCELLED') > 0 && <> · {count(countOf(batch, 'CANCELLED'))} cancelled</>}
          {countOf(batch, 'REVERSED') > 0 && <> · {count(countOf(batch, 'REVERSED'))} reversed</>}
        </span>
      </div>
      {execution?.error && (
        <p className="error" role="alert" data-testid="execution-error">
          {execution.error}
        </p>
      )}
      {result && (
        <p className="muted small" data-testid="execution-result">
          Last run from this console ended {when(execution.finishedAt)}: {result.status}, {count(result.providerCalls)} provider calls in {count(Math.round(result.elapsedMs / 1000))} s
          {result.takenOverFrom ? `, took over from ${result.takenOverFrom}` : ''}.
          {result.status === 'EXECUTING' && ' Some payouts are still with the provider: execute again (or poll) to finish.'}
        </p>
      )}
    </Card>
  );
}
