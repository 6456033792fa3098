/**
 * Jobs: a long call (an export, a calculation, an import, an execution…) started and left to run
 * while the operator keeps working. A job has an id, a phase and progress (done/total), a result
 * or an error at its end, and — where stopping keeps nothing half-done — a cancel: the call stops
 * at its next progress report, its transaction rolls back or its partial file is removed, and the
 * audit trail says it was cancelled (commands/router.ts). Execution and sync commit as they go and
 * cannot be cancelled half-way (an execution that stops resumes where it was, exactly once).
 *
 * The board lives with the workstation (in the host's workstation thread), so a page reload finds
 * its jobs still running; each operator sees and cancels only their own. Finished jobs are kept
 * for the board's history (the newest RECENT of them).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { toTreasuryError, TreasuryError, type ErrorCode } from '../../shared/errors.js';
import { cancellable, type Call, type Definition, type Progress } from './router.js';

export type JobState = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobView {
  id: string;
  /** The call the job runs. */
  name: string;
  operator: string;
  state: JobState;
  phase: string | null;
  done: number | null;
  total: number | null;
  startedAt: string;
  endedAt: string | null;
  /** Whether cancel can stop it without leaving anything half-done. */
  cancellable: boolean;
  /** The call's result (the file written, rows, totals, checksum…), once succeeded. */
  result: unknown;
  error: { code: ErrorCode; message: string } | null;
}

export const jobStartInput = z.strictObject({
  name: z.string().min(1).max(100),
  payload: z.unknown().optional(),
});
export const jobIdInput = z.strictObject({ id: z.string().uuid('a job id is a uuid') });

const RECENT = 50;

interface Job {
  view: JobView;
  controller: AbortController | null;
  /** Settles when the job ends (tests, and a host that waits for its jobs before closing). */
  ended: Promise<void>;
}

export class JobBoard {
  private readonly jobs = new Map<string, Job>();

  /**
   * Starts `call` on `run` (the workstation's door) and returns at once. `definition` says whether
   * it may be cancelled; the call's own permission check, step-up and audit happen as it runs.
   */
  start(
    run: (c: Call) => Promise<unknown>,
    call: Omit<Call, 'onProgress' | 'signal'>,
    operator: string,
    definition: Pick<Definition, 'kind' | 'transactional' | 'cancellable'>,
  ): JobView {
    const controller = cancellable(definition) ? new AbortController() : null;
    const view: JobView = {
      id: randomUUID(),
      name: call.name,
      operator,
      state: 'running',
      phase: null,
      done: null,
      total: null,
      startedAt: new Date().toISOString(),
      endedAt: null,
      cancellable: controller !== null,
      result: null,
      error: null,
    };
    const onProgress = (p: Progress) => {
      view.phase = p.phase;
      view.done = p.done;
      view.total = p.total ?? null;
      if (p.cancellable === false) view.cancellable = false;
    };
    const ended = run({
      ...call,
      onProgress,
      ...(controller ? { signal: controller.signal } : {}),
    }).then(
      (result) => this.end(view, 'succeeded', result, null),
      (error: unknown) => {
        const e = toTreasuryError(error);
        this.end(view, e.code === 'JOB_CANCELLED' ? 'cancelled' : 'failed', null, {
          code: e.code,
          message: e.message,
        });
      },
    );
    this.jobs.set(view.id, { view, controller, ended });
    this.forgetOld();
    return { ...view };
  }

  /** The operator's jobs, running first, then the newest finished. */
  list(operator: string): JobView[] {
    const own = [...this.jobs.values()].map((j) => j.view).filter((v) => v.operator === operator);
    const order = (v: JobView) => (v.state === 'running' ? 0 : 1);
    return own
      .sort((a, b) => order(a) - order(b) || b.startedAt.localeCompare(a.startedAt))
      .map((v) => ({ ...v }));
  }

  get(id: string, operator: string): JobView {
    return { ...this.own(id, operator).view };
  }

  /** Asks a running job to stop; it ends as 'cancelled' at its next progress report. */
  cancel(id: string, operator: string): JobView {
    const job = this.own(id, operator);
    if (job.view.state !== 'running')
      throw new TreasuryError('CONFLICT', `job ${id} has already ended (${job.view.state})`);
    if (!job.controller) {
      throw new TreasuryError(
        'CONFLICT',
        `${job.view.name} commits as it goes and cannot be cancelled half-way; it resumes where it stopped if interrupted`,
      );
    }
    if (!job.view.cancellable) {
      throw new TreasuryError(
        'CONFLICT',
        `${job.view.name} has begun writing (${job.view.phase ?? 'working'}) and completes now: it cannot be cancelled half-way`,
      );
    }
    job.controller.abort();
    return { ...job.view };
  }

  /** Settles when the job has ended. */
  async settled(id: string): Promise<void> {
    await this.jobs.get(id)?.ended;
  }

  private own(id: string, operator: string): Job {
    const job = this.jobs.get(id);
    // Another operator's job is not found, rather than forbidden: its existence is not theirs to
    // know.
    if (!job || job.view.operator !== operator)
      throw new TreasuryError('NOT_FOUND', `no job ${id} of ${operator} on this workstation`);
    return job;
  }

  private end(view: JobView, state: JobState, result: unknown, error: JobView['error']): void {
    view.state = state;
    view.endedAt = new Date().toISOString();
    view.result = result ?? null;
    view.error = error;
    this.forgetOld();
  }

  private forgetOld(): void {
    const finished = [...this.jobs.values()]
      .filter((j) => j.view.state !== 'running')
      .sort((a, b) => b.view.startedAt.localeCompare(a.view.startedAt));
    for (const j of finished.slice(RECENT)) this.jobs.delete(j.view.id);
  }
}
