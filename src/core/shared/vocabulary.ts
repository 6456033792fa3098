/**
 * The words the core and the console share: the lists the console offers in selects and the router
 * validates against. They live here, on the lowest floor, so that the renderer imports them instead
 * of copying them (batch states are in batch-state.ts, roles and permissions in permissions.ts).
 */

/** A payout's status in our books; the last four never change again. */
export const PAYOUT_STATUSES = [
  'PENDING',
  'UNKNOWN',
  'ACCEPTED',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'REVERSED',
] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];
export const TERMINAL_PAYOUT_STATUSES: ReadonlySet<PayoutStatus> = new Set([
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'REVERSED',
]);

/** What reconciling one payout against the provider's records found. */
export const RECONCILE_OUTCOMES = [
  'matched',
  'amount_mismatch',
  'status_mismatch',
  'missing_at_provider',
  'unknown_to_us',
] as const;
export type ReconcileOutcome = (typeof RECONCILE_OUTCOMES)[number];

export const AFFILIATE_STATUSES = ['active', 'suspended', 'closed'] as const;
/** An affiliate's KYC review. */
export const KYC_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type KycStatus = (typeof KYC_STATUSES)[number];
