/**
 * The operator's jobs — exports, calculations, imports, executions started and left to run — from
 * the top bar: a button with the number running, and a panel listing running and recent jobs with
 * progress, elapsed and remaining time, cancel, and the result (file, rows, totals, checksum).
 *
 * Jobs live in the workstation (workstation/jobs.ts), not in the page: a reload finds them still
 * running. The list is polled every second while a job runs or the panel is open (progress at
 * least once a second), every 5 s otherwise (jobs started from the CLI attached to this host).
 * A job started here that ends says so in a notice; an export started in a browser is downloaded
 * when it succeeds.
 */
import { useEffect, useRef, useState } from 'react';
import type { ExportName, JobView } from '../../../core/host/bridge/contract';
import { call, describeError } from '../api';
import { count } from '../format';
import { useConsole } from '../store';
import { CALC, calcDone, calcTitle } from '../views/common/calcJob';
import { exportDone, exportTitle, isExport } from '../views/common/exportReport';
import { ProgressBar } from './Panel';

const FAST_MS = 1000;
const SLOW_MS = 5000;

const title = (job: JobView) =>
  isExport(job.name)
    ? exportTitle(job.name as ExportName)
    : job.name === CALC
      ? calcTitle
      : job.name;

const doneText = (job: JobView) =>
  isExport(job.name)
    ? exportDone(job)
    : job.name === CALC
      ? calcDone(job)
      : `${title(job)} finished`;

/** "1 min 05 s" */
function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** Remaining time from the rate so far; null until there is a total and some progress. */
function remaining(job: JobView, now: number): string | null {
  if (job.state !== 'running' || !job.total || !job.done) return null;
  const elapsed = now - Date.parse(job.startedAt);
  return duration((elapsed * (job.total - job.done)) / job.done);
}

function download(url: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = '';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

/** Polls jobs.list; notices and downloads for jobs of this page that end. */
function useJobsPolling(): void {
  const jobs = useConsole((s) => s.jobs);
  const open = useConsole((s) => s.jobsOpen);
  const running = jobs.some((j) => j.state === 'running');
  const seen = useRef(new Map<string, JobView['state']>());
  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      try {
        // In the background: polling is not the operator's activity (the session still times out).
        const list = await call('jobs.list', {}, { background: true });
        if (stopped) return;
        const state = useConsole.getState();
        for (const job of list) {
          const before = seen.current.get(job.id);
          seen.current.set(job.id, job.state);
          if (before !== 'running' || job.state === 'running') continue;
          if (job.state === 'succeeded') state.notify('success', doneText(job));
          else
            state.notify(
              job.state === 'cancelled' ? 'info' : 'error',
              `${title(job)} ${job.state}${job.error ? `: ${job.error.message}` : ''}`,
            );
        }
        for (const [id, url] of Object.entries(state.downloads)) {
          const job = list.find((j) => j.id === id);
          if (job?.state === 'running') continue;
          if (job?.state === 'succeeded') download(url);
          state.downloaded(id);
        }
        state.setJobs(list);
      } catch {
        /* signed out or the host is restarting: the next poll tries again */
      }
    };
    void poll();
    const t = setInterval(() => void poll(), running || open ? FAST_MS : SLOW_MS);
    return () => {
      stopped = true;
      clearInterval(t);
    };
  }, [running, open]);
}

export function JobsButton() {
  useJobsPolling();
  const jobs = useConsole((s) => s.jobs);
  const open = useConsole((s) => s.jobsOpen);
  const running = jobs.filter((j) => j.state === 'running').length;
  return (
    <>
      <button
        type="button"
        className="btn plain"
        onClick={() => useConsole.getState().showJobs(!open)}
        data-testid="jobs-button"
        aria-expanded={open}
      >
        Jobs{running > 0 ? ` (${running} running)` : ''}
      </button>
      {open && <JobsDrawer jobs={jobs} />}
    </>
  );
}

const close = () => useConsole.getState().showJobs(false);

function JobsDrawer({ jobs }: { jobs: JobView[] }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return (
    // A shelf at the bottom right, not a drawer over the page: the operator keeps working beside
    // it, and the pages' own actions (top right) stay within reach.
    <aside
      className="jobs-panel"
      role="dialog"
      aria-label="Jobs"
      data-testid="jobs-panel"
      onKeyDown={(e) => e.key === 'Escape' && close()}
    >
      <header>
        <h2>Jobs</h2>
        <button
          type="button"
          className="btn plain"
          onClick={close}
          aria-label="Close the jobs panel"
        >
          ✕
        </button>
      </header>
      <div className="jobs-body">
        {jobs.length === 0 && (
          <p className="muted">
            No jobs yet. Exports and other long work run here while you keep working.
          </p>
        )}
        {jobs.map((job) => (
          <JobRow key={job.id} job={job} now={now} />
        ))}
      </div>
    </aside>
  );
}

function JobRow({ job, now }: { job: JobView; now: number }) {
  const [cancelling, setCancelling] = useState(false);
  const elapsed = (job.endedAt ? Date.parse(job.endedAt) : now) - Date.parse(job.startedAt);
  const left = remaining(job, now);
  const cancel = async () => {
    setCancelling(true);
    try {
      await call('jobs.cancel', { id: job.id });
    } catch (error) {
      useConsole.getState().notify('error', describeError(error));
    } finally {
      setCancelling(false);
    }
  };
  return (
    <div className="card job" data-testid="job" data-state={job.state} data-job={job.name}>
      <h2>
        {title(job)}{' '}
        <span className={`badge job-${job.state}`} data-testid="job-state">
          {job.state}
        </span>
      </h2>
      {job.state === 'running' && (
        <ProgressBar
          done={job.done ?? 0}
          total={job.total ?? undefined}
          label={job.phase ?? 'starting'}
          testId="job-progress"
        />
      )}
      <p className="muted small" data-testid="job-times">
        {job.state === 'running' ? 'running for' : 'took'} {duration(elapsed)}
        {left ? ` · about ${left} left` : ''}
      </p>
      {job.state === 'running' && job.cancellable && (
        <button
          type="button"
          className="btn"
          onClick={() => void cancel()}
          disabled={cancelling}
          data-testid="job-cancel"
        >
          {cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
      )}
      {job.state === 'running' && !job.cancellable && (
        <p className="muted small">This job commits as it goes and cannot be cancelled half-way.</p>
      )}
      {job.state === 'succeeded' && <JobResult job={job} />}
      {job.error && (
        <p className="error" data-testid="job-error">
          {job.error.message}
        </p>
      )}
    </div>
  );
}

/** An export's file, rows, totals and checksum; other jobs' results in brief. */
function JobResult({ job }: { job: JobView }) {
  if (!isExport(job.name))
    return (
      <p className="small" data-testid="job-result">
        {job.name === CALC ? calcDone(job) : 'Done.'}
      </p>
    );
  const r = job.result as {
    file: string;
    rowCount: number;
    fileSha256: string;
    totals: { column: string; currency: string; group: string | null; amount: string }[];
  };
  const browser = useConsole.getState().host?.host === 'browser';
  return (
    <div className="small" data-testid="job-result">
      <p>
        {count(r.rowCount)} rows ·{' '}
        {browser ? (
          // The host keeps the file until it is downloaded once (or for an hour): after a reload,
          // this page no longer downloads it by itself.
          <a href={`/bridge/download/${job.id}`} download data-testid="job-download">
            Download
          </a>
        ) : (
          <span data-testid="job-file">{r.file}</span>
        )}
      </p>
      <p className="mono" title={r.fileSha256}>
        SHA-256 {r.fileSha256.slice(0, 16)}…
      </p>
      {r.totals
        .filter((t) => t.group === null)
        .map((t) => (
          <p key={`${t.column}-${t.currency}`} className="num">
            {t.column} {t.currency} {t.amount}
          </p>
        ))}
    </div>
  );
}
