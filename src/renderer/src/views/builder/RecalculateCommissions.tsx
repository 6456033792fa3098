/**
 * "Recalculate commissions" before building a batch. Over a million conversions it takes a minute
 * or more, so it runs as a job (workstation/jobs.ts): the operator keeps working, the jobs panel
 * shows its progress and can cancel it, and this button follows the job until it ends, then asks
 * the builder to preview again. The job's end is announced by the jobs panel, like any job's.
 */
import { useEffect, useState } from 'react';
import { call, describeError } from '../../api';
import { Action } from '../../components/Action';
import { ProgressBar } from '../../components/Panel';
import { useConsole } from '../../store';
import { CALC } from '../common/calcJob';

export function RecalculateCommissions({ onDone }: { onDone(): void }) {
  const [jobId, setJobId] = useState<string | null>(null);
  // A calculation already running (started before a reload, or from the CLI) is followed too.
  const job = useConsole((s) =>
    s.jobs.find((j) => (jobId ? j.id === jobId : j.name === CALC && j.state === 'running')),
  );
  const notify = useConsole((s) => s.notify);
  const running = job?.state === 'running';

  // The job followed ends in the jobs list (polled by the jobs panel): heard from the store, as an
  // external system's change, once.
  useEffect(() => {
    if (!jobId) return;
    let heard = false;
    return useConsole.subscribe(({ jobs }) => {
      const ended = jobs.find((j) => j.id === jobId);
      if (heard || !ended || ended.state === 'running') return;
      heard = true;
      setJobId(null);
      if (ended.state === 'succeeded') onDone();
    });
  }, [jobId, onDone]);

  const run = async () => {
    try {
      const started = await call('jobs.start', { name: CALC, payload: {} });
      useConsole.getState().jobStarted(started);
      setJobId(started.id);
    } catch (error) {
      notify('error', `The calculation did not start: ${describeError(error)}`);
    }
  };

  return (
    <span className="calc">
      <Action
        call="commissions.calculate"
        online
        onRun={run}
        busy={running || jobId !== null}
        testId="builder-calc"
      >
        Recalculate commissions
      </Action>
      {running && (
        <ProgressBar
          done={job.done ?? 0}
          total={job.total ?? undefined}
          label={job.phase ?? 'starting'}
          testId="builder-calc-progress"
        />
      )}
    </span>
  );
}
