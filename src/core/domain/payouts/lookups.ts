/**
 * The lookup schedule of payouts that wait at the provider, kept on their attempts so that every
 * asker — the executor's rounds, `payouts.poll`, another workstation — follows one schedule: an
 * attempt is looked up when its `next_lookup_at` has come, and each answer "still waiting" pushes
 * it further out (LOOKUP_BACKOFF below). Final news ends the schedule by itself: only
 * waiting attempts are looked up.
 */
import { sql } from 'drizzle-orm';
import type { CentralTx } from '../../platform/central/store.js';

/** SQL condition on an attempt aliased `a`: its next lookup is due (or it was never looked up). */
export const LOOKUP_DUE = sql`(a.next_lookup_at IS NULL OR a.next_lookup_at <= clock_timestamp())`;

/** Records that these attempts were found still waiting at `now`: one statement for all. */
export async function noteStillWaiting(
  tx: CentralTx,
  attempts: readonly { payoutId: string; attempt: number }[],
  now: Date,
): Promise<void> {
  if (attempts.length === 0) return;
  const { baseMs, capMs } = LOOKUP_BACKOFF;
  await tx.execute(sql`
    UPDATE payout_attempts a SET lookups = a.lookups + 1,
           next_lookup_at = ${now.toISOString()}::timestamptz + least(${capMs}::float8, ${baseMs}::float8 * power(2, least(a.lookups, 30))) * interval '1 millisecond'
    FROM json_to_recordset(${JSON.stringify(attempts.map((x) => ({ payout_id: x.payoutId, attempt: x.attempt })))}::json) AS u(payout_id uuid, attempt int)
    WHERE a.payout_id = u.payout_id AND a.attempt = u.attempt`);
}

/**
 * Status lookups of a payout that waits at the provider (held for compliance, a cash pickup, a slow
 * bank): the n-th lookup that found it still waiting puts the next one base × 2^n later, up to a
 * few minutes — a payout held for an hour is asked about some twenty times, not every round (Xendit
 * rate limits per account; hundreds of held payouts asked four times a second would run into it).
 * No jitter: the bound is what matters, and one round asks many payouts together anyway.
 */
export const LOOKUP_BACKOFF = { baseMs: 250, capMs: 300_000 } as const;

export function lookupDelay(
  lookups: number,
  policy: { baseMs: number; capMs: number } = LOOKUP_BACKOFF,
): number {
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(lookups, 30));
}
