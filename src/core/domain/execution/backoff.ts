/**
 * Exponential backoff with full jitter and a cap: attempt n waits a random time in
 * [0, min(cap, base × 2^n)]. Jitter spreads retries so many payouts failing together do not all
 * hit the provider again at the same instant. `random` is injectable for deterministic tests.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const SEND_BACKOFF: BackoffPolicy = { baseMs: 200, capMs: 5_000 };
/** Automatic new attempts after a retryable provider failure (bank network hiccups). */
export const RETRY_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 60_000 };
export const MAX_AUTO_RETRIES = 3;

export function backoffDelay(
  policy: BackoffPolicy,
  n: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(n, 30));
  return Math.floor(random() * ceiling);
}

export const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
