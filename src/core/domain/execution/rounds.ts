/**
 * The executor's rounds, under the lease. Each round reads what to send next (work.ts), sends it
 * (send.ts: the provider calls, concurrently), and commits every outcome with its audit entries in
 * one transaction that also prepares the next wave of attempts (commit.ts), which the next round
 * sends. The rounds end when every payout is settled, or when the run stops waiting.
 */
import { releaseLease } from './lease.js';
import { sleep } from './backoff.js';
import { commitRound, finishBatch } from './commit.js';
import type { ExecutionRun } from './run.js';
import { guardNewAttempts, sendRound } from './send.js';
import type { ExecuteResult } from './types.js';
import { loadWork, NIL_UUID, Round, statusCounts } from './work.js';

/** Rounds until the batch is settled (it ends) or the run stops waiting (it stays EXECUTING). */
export async function runRounds(run: ExecutionRun): Promise<ExecuteResult> {
  const lease = run.heldLease;
  const deadline = Date.now() + run.waitMs;
  let pollAfter = NIL_UUID;
  for (;;) {
    if (run.lost) throw run.lost;
    const round = await readRound(run, pollAfter);
    pollAfter = round.nextPollAfter;
    if (round.open === 0) {
      const status = await finishBatch(run, round);
      run.report('done', round);
      return run.result(status, round);
    }
    if (Date.now() > deadline) {
      // Stop waiting: the batch stays EXECUTING, and the lease is free for the next run at once.
      await run.db.transaction((tx) => releaseLease(tx, lease));
      run.report('done', round);
      return run.result('EXECUTING', round);
    }
    const sent = await sendRound(run, round.work);
    const { due, retryable } = round.work;
    const ready = due.length > 0 ? await guardNewAttempts(run, due) : [];
    await commitRound(run, { ...sent, retryable, ready });
    const progressed =
      sent.outcomes.some((r) => r.kind !== 'still_unknown') ||
      sent.news.length > 0 ||
      retryable.length > 0 ||
      ready.length > 0;
    if (!progressed) await sleep(run.pollMs);
  }
}

/** The read step: counts by status and the bounded work at hand; progress is reported from it. */
async function readRound(run: ExecutionRun, pollAfter: string): Promise<Round> {
  const tRead = performance.now();
  const counts = await statusCounts(run.db, run.batch.id);
  const work = await loadWork(run.db, run.batch.id, run.waveSize, pollAfter);
  // A full page of payouts to poll: the next round polls on after the last one, else from the start.
  const next = work.accepted.length === run.waveSize * 2 ? work.accepted.at(-1)!.id : NIL_UUID;
  const round = new Round(counts, work, next);
  run.report(round.toSend > 0 ? 'sending' : 'waiting', round);
  run.timing.readMs += performance.now() - tRead;
  return round;
}
