/**
 * The console's one vocabulary for states: every batch, payout, reconciliation, commission,
 * operator, affiliate and outbox status in the words a treasury team uses ("Awaiting approval",
 * "Outcome unknown — being checked"). The router's enum stays the truth and is shown on hover
 * (title) and in detail drawers; the lists are typed against the core's own, so a status added
 * there fails the type-check here until it has words.
 */
import type { BatchState } from '../../../../core/shared/batch-state';
import type {
  AFFILIATE_STATUSES,
  PayoutStatus,
  ReconcileOutcome,
} from '../../../../core/shared/vocabulary';
import type { CallOutput, CommissionStatus } from '../../../../core/host/bridge/contract';

export const BATCH_STATE_WORDS: Record<BatchState, string> = {
  DRAFT: 'Draft',
  SUBMITTED: 'Awaiting approval',
  APPROVED: 'Approved — ready to pay',
  EXECUTING: 'Paying out',
  COMPLETED: 'Paid',
  COMPLETED_WITH_FAILURES: 'Paid with failures',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
};

export const PAYOUT_STATUS_WORDS: Record<PayoutStatus, string> = {
  PENDING: 'Not sent yet',
  UNKNOWN: 'Outcome unknown — being checked',
  ACCEPTED: 'Accepted by the provider',
  SUCCEEDED: 'Paid',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
  REVERSED: 'Reversed — money returned',
};

export const RECONCILE_OUTCOME_WORDS: Record<ReconcileOutcome, string> = {
  matched: 'Matched',
  amount_mismatch: 'Amount differs',
  status_mismatch: 'Status differs',
  missing_at_provider: 'Missing at the provider',
  unknown_to_us: 'Not in our books',
};

/** A commission's status ('paid' is the central store's fourth, after its batch paid it). */
export const COMMISSION_STATUS_WORDS: Record<CommissionStatus | 'paid', string> = {
  pending: 'On hold',
  payable: 'Payable',
  voided: 'Voided',
  paid: 'Paid',
};

export const AFFILIATE_STATUS_WORDS: Record<(typeof AFFILIATE_STATUSES)[number], string> = {
  active: 'Active',
  suspended: 'Suspended',
  closed: 'Closed',
};

export const OPERATOR_STATUS_WORDS: Record<'active' | 'disabled' | 'locked', string> = {
  active: 'Active',
  disabled: 'Disabled',
  locked: 'Locked',
};

export const RECONCILE_RUN_WORDS: Record<'complete' | 'incomplete', string> = {
  complete: 'Complete',
  incomplete: 'Incomplete',
};

export const RISK_WORDS: Record<'low' | 'medium' | 'high', string> = {
  low: 'Low risk',
  medium: 'Medium risk',
  high: 'High risk',
};

type OutboxStatus = CallOutput<'outbox.list'>[number]['status'];
export const OUTBOX_STATUS_WORDS: Record<OutboxStatus, string> = {
  pending: 'Waiting to be pushed',
  applied: 'Applied centrally',
  rejected: 'Refused by the central store',
  discarded: 'Discarded',
};

/**
 * Statuses as one lookup for pills and grid cells, which get a bare value. Where two domains share
 * a spelling they share the words (FAILED, CANCELLED, active); 'pending' is a commission's here —
 * the outbox uses its own list.
 */
const ALL: Record<string, string> = {
  ...OPERATOR_STATUS_WORDS,
  ...AFFILIATE_STATUS_WORDS,
  ...RECONCILE_RUN_WORDS,
  ...RISK_WORDS,
  ...RECONCILE_OUTCOME_WORDS,
  ...COMMISSION_STATUS_WORDS,
  ...PAYOUT_STATUS_WORDS,
  ...BATCH_STATE_WORDS,
};

/** A status in words; one without words is shown readably (underscores as spaces), never hidden. */
export function statusInWords(status: string): string {
  return ALL[status] ?? status.replace(/_/g, ' ').toLowerCase();
}

/** Filter choices: the router's value, labelled in words. */
export function statusChoices(statuses: readonly string[]): { value: string; label: string }[] {
  return statuses.map((s) => ({ value: s, label: statusInWords(s) }));
}
