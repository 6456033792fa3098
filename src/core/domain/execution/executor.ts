/**
 * Exactly-once execution of an approved batch.
 *
 * The rules (why each exists):
 * 1. One executor per batch: a lease with a fencing token (lease.ts). A crashed executor's lease
 *    expires and another run takes over; a stale executor's writes are refused.
 * 2. Before anything is sent: the content hash must still be the one the approvals were given for
 *    (else the approvals are voided and nothing is sent), and the pre-flight must pass (provider
 *    balance covers what is left to send, each amount within its channel's limits and increment).
 * 3. Per payout, the attempt (idempotency key from payout id + attempt number, and the exact
 *    request body) is committed BEFORE the provider is called. Waves of attempts share one
 *    commit, so the durable writes per payout stay far below one.
 * 4. A timeout, network error or 5xx leaves the payout UNKNOWN. It is resolved by resending the
 *    same key and identical body (the provider returns the payout it already made), then by looking
 *    up our reference. A new attempt (new key) only follows a provider-confirmed terminal failure,
 *    and only after a lookup shows nothing live under our reference.
 * 5. Killing the process at any instant loses nothing: whatever was committed says what may have
 *    been sent, and the next run resumes from there with the same keys.
 */
import { loadBatch } from '../batches/content.js';
import { preflight } from './preflight.js';
import { runRounds } from './rounds.js';
import { ExecutionRun } from './run.js';
import { checkApprovals, keepLease, takeLease } from './start.js';
import type { ExecuteOptions, ExecuteResult } from './types.js';

export type { ExecuteOptions, ExecuteProgress, ExecuteResult, ProviderResolver } from './types.js';
export { buildRequest, requestBody } from './request.js';

/**
 * Where each part lives: start.ts (approvals, lease, heartbeat), preflight.ts, then the rounds
 * (rounds.ts: read, send.ts, commit.ts), all sharing one ExecutionRun (run.ts).
 */
export async function executeBatch(ref: string, options: ExecuteOptions): Promise<ExecuteResult> {
  const started = Date.now();
  const run = new ExecutionRun(await loadBatch(options.store.db, ref), options, started);
  await checkApprovals(run);
  run.reportPreflight();
  await preflight(run.db, run.batch, (name) => run.provider(name));
  await takeLease(run);
  const stopHeartbeat = keepLease(run);
  try {
    return await runRounds(run);
  } finally {
    stopHeartbeat();
  }
}
