/**
 * Executions in progress: every batch the central store reports as executing (refreshed with the
 * summary), plus the batch.execute calls this console is running right now, whose progress events
 * arrive live between two refreshes.
 */
import { ProgressBar } from '../../components/Panel';
import { count } from '../../format';
import { useConsole } from '../../store';
import type { DashboardSummary } from './types';

type Execution = DashboardSummary['executions'][number];

/** What each batch's situation is called: never "executing" when nothing runs. */
const SITUATION: Record<Execution['situation'], string> = {
  running: 'Executing',
  retries_queued: 'Retries queued: execute to send',
  waiting_for_provider: 'Waiting for the provider',
  interrupted: 'Interrupted: resume to finish',
};

export function Executions({ executions }: { executions: Execution[] }) {
  const go = useConsole((s) => s.go);
  const progress = useConsole((s) => s.progress);
  const live = Object.values(progress).filter(
    (p) => p.name === 'batch.execute' && p.phase !== 'done',
  );
  if (executions.length === 0 && live.length === 0)
    return <p className="muted">No batch is executing.</p>;
  return (
    <ul className="executions">
      {executions.map((e) => (
        <li key={e.batchId} data-testid={`dash-execution-${e.number}`}>
          <div className="row">
            <button type="button" className="link" onClick={() => go('batch', e.batchId)}>
              {e.number}
            </button>
            <span className="status" title={e.status}>
              {SITUATION[e.situation]}
            </span>
            <span className="muted small">
              <span className="ok">{count(e.succeeded)} succeeded</span> ·{' '}
              <span className={e.failed > 0 ? 'error' : ''}>{count(e.failed)} failed</span> ·{' '}
              {count(e.inFlight)} with the provider
            </span>
          </div>
          <ProgressBar done={e.done} total={e.total} label="settled" />
        </li>
      ))}
      {live.map((p) => (
        <li key={p.callId} data-testid="dash-execution-live">
          <div className="row">
            <span>Running from this console</span>
            <span className="status">{p.phase}</span>
          </div>
          <ProgressBar done={p.done} total={p.total} label={p.phase} />
        </li>
      ))}
    </ul>
  );
}
