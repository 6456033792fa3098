/**
 * The commit step of a round (executor.ts, rules 3 and 5): ONE transaction records every outcome
 * with its audit entries, schedules the automatic retries and prepares the next wave of attempts —
 * key and exact body committed here, sent only by the next round. Waves share one commit, so the
 * durable writes per payout stay far below one; every write is fenced by the lease (run.ts).
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { pgArray } from '../../platform/central/arrays.js';
import type { CentralTx } from '../../platform/central/store.js';
import type { BatchAction } from '../../shared/batch-state.js';
import { loadBatch } from '../batches/content.js';
import { moveBatch } from '../batches/lifecycle.js';
import { noteStillWaiting } from '../payouts/lookups.js';
import { applyStatusUpdates, type StatusUpdate } from '../payouts/status.js';
import { compactReportAggregates } from '../reports/aggregates.js';
import { backoffDelay, RETRY_BACKOFF } from './backoff.js';
import { releaseLease } from './lease.js';
import { buildRequest, requestBody } from './request.js';
import type { ExecutionRun, Writing } from './run.js';
import type { Resolution, Sent } from './sent.js';
import type { PayoutRow, Round } from './work.js';

/** What a round has to write: the send step's outcomes and the work it read. */
export interface RoundOutcome extends Sent {
  retryable: PayoutRow[];
  /** Due payouts cleared for a new attempt (send.ts guardNewAttempts). */
  ready: PayoutRow[];
}

/** The round's one commit; none when the round has nothing to record. */
export async function commitRound(run: ExecutionRun, r: RoundOutcome): Promise<void> {
  if (
    r.outcomes.length === 0 &&
    r.news.length === 0 &&
    r.waiting.length === 0 &&
    r.retryable.length === 0 &&
    r.ready.length === 0
  )
    return;
  await run.write(async (w) => {
    if (r.outcomes.length > 0) await recordOutcomes(run, w, r.outcomes);
    if (r.news.length > 0) await applyStatusUpdates(w.tx, r.news, w.now, w.audit);
    await noteStillWaiting(w.tx, r.waiting, w.now);
    if (r.retryable.length > 0) await scheduleRetries(run, w, r.retryable);
    if (r.ready.length > 0) await prepareAttempts(run, w, r.ready);
  });
}

/** What the sends came to: how often each was sent, new statuses, rejections, still unknown. */
async function recordOutcomes(run: ExecutionRun, w: Writing, resolutions: Resolution[]) {
  await recordSends(run, w.tx, resolutions);
  const updates = resolutions.flatMap((r) => (r.kind === 'status' ? [r.update] : []));
  await applyStatusUpdates(w.tx, updates, w.now, w.audit);
  const rejected = resolutions.filter((r) => r.kind === 'rejected');
  if (rejected.length > 0) await recordRejections(w, rejected);
  const still = resolutions.filter((r) => r.kind === 'still_unknown');
  if (still.length > 0) {
    await w.tx.execute(sql`UPDATE payout_attempts a SET last_error = u.error, updated_at = now()
      FROM json_to_recordset(${JSON.stringify(still.map((r) => ({ id: r.payoutId, attempt: r.attempt, error: r.error })))}::json) AS u(id uuid, attempt int, error text)
      WHERE a.payout_id = u.id AND a.attempt = u.attempt`);
  }
}

/** The create calls counted since the last record (run.sends), added to each attempt's `sends`. */
async function recordSends(run: ExecutionRun, tx: CentralTx, resolutions: Resolution[]) {
  const sendCounts = resolutions.map((r) => ({
    id: r.kind === 'status' ? r.update.payoutId : r.payoutId,
    attempt: r.kind === 'status' ? r.update.attempt : r.attempt,
    n: run.sends.get(r.kind === 'status' ? r.update.payoutId : r.payoutId) ?? 0,
  }));
  for (const c of sendCounts) run.sends.delete(c.id);
  await tx.execute(sql`UPDATE payout_attempts a SET sends = a.sends + u.n FROM json_to_recordset(${JSON.stringify(sendCounts)}::json) AS u(id uuid, attempt int, n int)
    WHERE a.payout_id = u.id AND a.attempt = u.attempt AND u.n > 0`);
}

/** The provider refused the request itself: the attempt is REJECTED and the payout FAILED. */
async function recordRejections(
  w: Writing,
  rejected: Extract<Resolution, { kind: 'rejected' }>[],
): Promise<void> {
  const data = JSON.stringify(
    rejected.map((r) => ({ id: r.payoutId, attempt: r.attempt, code: r.code, message: r.message })),
  );
  await w.tx
    .execute(sql`UPDATE payout_attempts a SET state = 'REJECTED', failure_code = u.code, last_error = u.message, updated_at = now()
    FROM json_to_recordset(${data}::json) AS u(id uuid, attempt int, code text, message text) WHERE a.payout_id = u.id AND a.attempt = u.attempt AND a.state = 'PREPARED'`);
  await w.tx
    .execute(sql`UPDATE payouts p SET status = 'FAILED', failure_code = u.code, settled_at = now(), updated_at = now()
    FROM json_to_recordset(${data}::json) AS u(id uuid, attempt int, code text, message text) WHERE p.id = u.id AND p.attempt = u.attempt AND p.status = 'UNKNOWN'`);
  for (const r of rejected)
    w.audit({
      action: 'payout.status',
      entityType: 'payout',
      entityId: r.payoutId,
      before: { status: 'UNKNOWN' },
      after: {
        status: 'FAILED',
        attempt: r.attempt,
        failureCode: r.code,
        message: r.message,
        source: 'execute',
      },
    });
}

/**
 * Automatic new attempts for transient failures, after a backoff with jitter (due by the central
 * clock, which is what loadWork compares next_attempt_at with).
 */
async function scheduleRetries(run: ExecutionRun, w: Writing, retryable: PayoutRow[]) {
  const plan = retryable.map((p) => ({
    id: p.id,
    at: new Date(
      w.now.getTime() + backoffDelay(RETRY_BACKOFF, Number(p.auto_retries), run.random),
    ).toISOString(),
  }));
  await w.tx
    .execute(sql`UPDATE payouts p SET status = 'PENDING', auto_retries = p.auto_retries + 1, next_attempt_at = u.at, updated_at = now()
    FROM json_to_recordset(${JSON.stringify(plan)}::json) AS u(id uuid, at timestamptz) WHERE p.id = u.id AND p.status = 'FAILED'`);
  for (const p of retryable)
    w.audit({
      action: 'payout.auto_retry',
      entityType: 'payout',
      entityId: p.id,
      before: { status: 'FAILED', failureCode: p.failure_code },
      after: { status: 'PENDING', autoRetry: Number(p.auto_retries) + 1 },
    });
}

/**
 * The next wave of attempts (rule 3): each attempt — key and exact body — is committed here, and the
 * payout is UNKNOWN from now on; it is sent only in the next round.
 */
async function prepareAttempts(run: ExecutionRun, w: Writing, ready: PayoutRow[]) {
  const lease = run.heldLease;
  const prepared: { p: PayoutRow; attempt: number; key: string; body: string }[] = [];
  for (const p of ready) {
    const attempt = Number(p.attempt) + 1;
    const request = buildRequest(p, attempt, run.batch.number);
    const body = requestBody(await run.provider(p.provider), request);
    prepared.push({ p, attempt, key: request.idempotencyKey, body });
  }
  await w.tx.execute(sql`
    INSERT INTO payout_attempts (payout_id, attempt, provider, idempotency_key, request_body, lease_token)
    SELECT a.payout_id, a.attempt, a.provider, a.key, a.body, ${lease.token.toString()}::bigint
    FROM json_to_recordset(${JSON.stringify(prepared.map((x) => ({ payout_id: x.p.id, attempt: x.attempt, provider: x.p.provider, key: x.key, body: x.body })))}::json)
         AS a(payout_id uuid, attempt int, provider text, key text, body text)`);
  await w.tx
    .execute(sql`UPDATE payouts p SET status = 'UNKNOWN', attempt = a.attempt, next_attempt_at = NULL, updated_at = now()
    FROM json_to_recordset(${JSON.stringify(prepared.map((x) => ({ id: x.p.id, attempt: x.attempt })))}::json) AS a(id uuid, attempt int)
    WHERE p.id = a.id AND p.status = 'PENDING'`);
  for (const x of prepared)
    w.audit({
      action: 'payout.attempt',
      entityType: 'payout',
      entityId: x.p.id,
      before: { status: 'PENDING' },
      after: {
        status: 'UNKNOWN',
        attempt: x.attempt,
        idempotencyKey: x.key,
        bodySha256: sha256(x.body),
      },
    });
  run.sent += prepared.length;
}

/** A payout we thought failed is alive at the provider: go back to tracking that attempt. */
export async function adoptLive(run: ExecutionRun, adopt: StatusUpdate[]): Promise<void> {
  await run.write(async (w) => {
    await w.tx.execute(
      sql`UPDATE payouts SET status = 'ACCEPTED', next_attempt_at = NULL WHERE id = ANY(${pgArray(adopt.map((a) => a.payoutId))}::uuid[]) AND status = 'PENDING'`,
    );
    await applyStatusUpdates(w.tx, adopt, w.now, w.audit);
  });
}

/** Every payout settled: the batch ends (completed_at, its final state), the lease is released. */
export async function finishBatch(run: ExecutionRun, round: Round): Promise<string> {
  const lease = run.heldLease;
  return run.write(async (w) => {
    const batch = await loadBatch(w.tx, run.batch.id, { forUpdate: true });
    await w.tx.execute(
      sql`UPDATE payout_batches SET completed_at = now() WHERE id = ${batch.id}::uuid`,
    );
    const s = await moveBatch(w, batch, finalAction(round), { payouts: round.summary() });
    await compactReportAggregates(w.tx); // every wave appended report deltas (reports/aggregates.ts)
    await releaseLease(w.tx, lease);
    return s;
  });
}

/**
 * complete: every payout not cancelled was paid (reversed ones included) and none failed; fail:
 * none was paid; otherwise complete_with_failures.
 */
function finalAction(round: Round): BatchAction {
  const paid = round.count('SUCCEEDED') + round.count('REVERSED');
  if (paid === round.total - round.count('CANCELLED') && round.count('FAILED') === 0)
    return 'complete';
  return paid === 0 ? 'fail' : 'complete_with_failures';
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
