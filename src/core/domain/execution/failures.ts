/**
 * Provider failure codes, classified. Only transient network/bank errors are retried
 * automatically (a new attempt, with backoff, after the old one is terminal). Insufficient balance
 * waits for a human to top up and retry; everything else — including codes we have never seen — is
 * final: a person decides whether to fix the destination and retry, or cancel and release.
 */
export type FailureClass = 'retryable' | 'retryable_after_topup' | 'final';

export const RETRYABLE_CODES: readonly string[] = [
  'TEMPORARY_TRANSFER_ERROR',
  'UNKNOWN_BANK_NETWORK_ERROR',
  'SERVER_ERROR',
  'TEMPORARY_ERROR',
];
const RETRYABLE = new Set(RETRYABLE_CODES);
const AFTER_TOPUP = new Set(['INSUFFICIENT_BALANCE']);

export function classifyFailure(code: string | null): FailureClass {
  if (code && RETRYABLE.has(code)) return 'retryable';
  if (code && AFTER_TOPUP.has(code)) return 'retryable_after_topup';
  return 'final';
}
