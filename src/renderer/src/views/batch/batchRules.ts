/**
 * What the batch detail may offer, and why not — the same rules the router enforces
 * (core/batches/state.ts and lifecycle.ts), evaluated on what the console shows so that a disabled
 * button can say the reason before the operator tries. The router re-checks everything.
 */
import type { CallOutput } from '../../../../core/host/bridge/contract';

export type BatchShown = CallOutput<'batch.show'>;

export interface Viewer {
  username: string;
  permissions: readonly string[];
}

/** Approvals that count: given for the content the batch holds now and not voided. */
export function validApprovals(batch: BatchShown) {
  return batch.approvals.filter((a) => a.valid);
}

export function createdByOf(batch: BatchShown): string | null {
  return typeof batch.createdBy === 'string' ? batch.createdBy : null;
}

export function approvalProgress(batch: BatchShown): string {
  return `${validApprovals(batch).length} of ${batch.requiredApprovals} approval${batch.requiredApprovals === 1 ? '' : 's'}`;
}

const isMe = (name: string | null | undefined, viewer: Viewer) =>
  !!name && name.toLowerCase() === viewer.username.toLowerCase();

export function submitBlocked(batch: BatchShown): string | null {
  if (batch.status === 'DRAFT') return null;
  return 'only a DRAFT is submitted';
}

export function approveBlocked(batch: BatchShown, viewer: Viewer): string | null {
  if (batch.status === 'DRAFT') return 'the batch is a DRAFT: its maker submits it first';
  if (batch.status === 'APPROVED') return `already approved (${approvalProgress(batch)})`;
  if (batch.status !== 'SUBMITTED') return 'only a SUBMITTED batch is approved';
  if (isMe(createdByOf(batch), viewer))
    return 'you created this batch: a second approver must approve it';
  if (validApprovals(batch).some((a) => isMe(a.by, viewer)))
    return `you approved it already: awaiting a second approver (${approvalProgress(batch)})`;
  if (batch.highValue && !viewer.permissions.includes('batches.approve_high_value'))
    return 'it holds high-value payouts: approving needs permission to approve high-value batches';
  if (!batch.contentHash) return 'the batch has no content hash yet';
  return null;
}

export function rejectBlocked(batch: BatchShown, viewer: Viewer): string | null {
  if (batch.status !== 'SUBMITTED') return 'only a SUBMITTED batch is rejected';
  if (isMe(createdByOf(batch), viewer))
    return 'you created this batch: a checker rejects it (cancel it instead)';
  return null;
}

export function cancelBlocked(batch: BatchShown): string | null {
  if (batch.status === 'DRAFT' || batch.status === 'SUBMITTED' || batch.status === 'APPROVED')
    return null;
  return batch.status === 'CANCELLED' ? 'already cancelled' : 'already sent to the providers';
}

/**
 * Execute sends an APPROVED batch, and resumes an EXECUTING one (safe to run again: exactly once).
 */
export function executeBlocked(batch: BatchShown, running: boolean): string | null {
  if (running) return 'executing now on this workstation';
  switch (batch.status) {
    case 'APPROVED':
      return null;
    case 'EXECUTING': {
      // The router would refuse (LEASE_HELD) while another executor holds a live lease.
      const lease = liveLease(batch);
      return lease
        ? `executing elsewhere (${lease.owner}): wait for it to finish, or for its lease to expire if it stopped`
        : null;
    }
    case 'DRAFT':
      return 'the batch is a DRAFT: submit it and have it approved first';
    case 'SUBMITTED':
      return `awaiting approval (${approvalProgress(batch)})`;
    case 'COMPLETED':
      return 'completed: nothing left to send';
    case 'COMPLETED_WITH_FAILURES':
    case 'FAILED':
      return 'retry the failed payouts first';
    default:
      return `the batch is ${batch.status}: nothing to send`;
  }
}

export function failedCount(batch: BatchShown): number {
  return batch.payoutsByStatus
    .filter((s) => s.status === 'FAILED')
    .reduce((n, s) => n + s.payouts, 0);
}

export function retryBlocked(batch: BatchShown, running: boolean): string | null {
  if (running) return 'wait for the execution to finish';
  if (failedCount(batch) === 0) return 'no failed payout to retry';
  return null;
}

export function totalPayouts(batch: BatchShown): number {
  return batch.payoutsByStatus.reduce((n, s) => n + s.payouts, 0);
}

/**
 * Payouts no longer waiting on us or the provider (for the progress bar between progress events).
 */
export function settledCount(batch: BatchShown): number {
  return batch.payoutsByStatus
    .filter((s) => !['PENDING', 'UNKNOWN', 'ACCEPTED'].includes(s.status))
    .reduce((n, s) => n + s.payouts, 0);
}

export function countOf(batch: BatchShown, status: string): number {
  return batch.payoutsByStatus
    .filter((s) => s.status === status)
    .reduce((n, s) => n + s.payouts, 0);
}

/**
 * batch.show spreads the batch row's metadata (summary and dates) untyped: read it through here.
 */
export interface BatchMeta {
  summary?: {
    totals?: unknown;
    highValuePayouts?: number;
    commissions?: number;
    adjustments?: number;
  } | null;
  created_at?: unknown;
  submitted_at?: unknown;
  execution_started_at?: unknown;
  completed_at?: unknown;
}
export function metaOf(batch: BatchShown): BatchMeta {
  // batch.show's answer carries these fields; its wire type leaves the dates `unknown`.
  return batch as unknown as BatchMeta;
}

export interface CurrencySum {
  currency: string;
  payouts: number;
  amountMinor: string;
}

/** Payouts in the given statuses, per currency, summed exactly (bigint minor units). */
export function sumsOf(batch: BatchShown, statuses: readonly string[]): CurrencySum[] {
  const m = new Map<string, { payouts: number; amount: bigint }>();
  for (const s of batch.payoutsByStatus) {
    if (!statuses.includes(s.status)) continue;
    const cur = m.get(s.currency) ?? { payouts: 0, amount: 0n };
    cur.payouts += s.payouts;
    cur.amount += BigInt(s.amountMinor ?? '0');
    m.set(s.currency, cur);
  }
  return [...m.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, v]) => ({ currency, payouts: v.payouts, amountMinor: v.amount.toString() }));
}

export const payoutsIn = (sums: readonly CurrencySum[]) => sums.reduce((n, s) => n + s.payouts, 0);

/**
 * What executing the batch now would send: PENDING payouts (never sent, or queued by a retry), and
 * UNKNOWN ones — sent once without an answer, so they are sent again with the same idempotency key
 * and the provider pays each at most once. ACCEPTED ones are with the provider: only looked up.
 */
export function whatExecuteSends(batch: BatchShown) {
  return {
    pending: sumsOf(batch, ['PENDING']),
    unknown: sumsOf(batch, ['UNKNOWN']),
    withProvider: countOf(batch, 'ACCEPTED'),
  };
}

/**
 * Another executor holds the batch now: a lease whose expiry is still ahead. An expired lease is a
 * dead executor's (the next execute takes it over). The expiry is the central store's clock and
 * this is the workstation's: a skew of seconds only shifts when "elsewhere" turns to "interrupted".
 */
export function liveLease(
  batch: BatchShown,
  now = Date.now(),
): { owner: string; expiresAt: string } | null {
  const lease = batch.lease;
  if (!lease?.expiresAt) return null;
  return new Date(lease.expiresAt).getTime() > now
    ? { owner: lease.owner, expiresAt: lease.expiresAt }
    : null;
}
