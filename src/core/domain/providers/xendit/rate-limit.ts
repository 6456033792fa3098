/** Xendit's rate limits: when to try again after it answers 429. */

/** Longest wait we accept from a header; anything later is treated as a misreading. */
const MAX_RATE_LIMIT_WAIT_MS = 60 * 60 * 1000;

/**
 * When to try again after a 429, in epoch ms. Xendit documents `Rate-Limit-Reset` as the seconds
 * left in the current window ("58.37"); some gateways send an epoch instead, so: a value ≥ 1e12 is
 * epoch milliseconds, ≥ 1e9 epoch seconds, anything smaller seconds-until-reset (fractions kept).
 * An HTTP date is accepted too, then `Retry-After` (seconds or date); without any usable header, 1
 * s. A time in the past means "now"; more than an hour away is capped at an hour.
 */
export function xenditRetryAt(
  headers: { get(name: string): string | null },
  now: number = Date.now(),
): number {
  const at =
    fromHeader(headers.get('rate-limit-reset'), now, true) ??
    fromHeader(headers.get('retry-after'), now, false) ??
    now + 1000;
  return Math.min(Math.max(at, now), now + MAX_RATE_LIMIT_WAIT_MS);
}

function fromHeader(value: string | null, now: number, allowEpoch: boolean): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    // A time, not money: a float is fine here.
    const n = Number(text);
    if (allowEpoch && n >= 1e12) return Math.ceil(n);
    if (allowEpoch && n >= 1e9) return Math.ceil(n * 1000);
    return now + Math.ceil(n * 1000);
  }
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : date;
}
