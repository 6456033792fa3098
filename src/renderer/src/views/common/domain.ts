/**
 * Domain vocabularies the views offer in selects. They mirror the core's lists (batch states,
 * payout statuses, providers, reconciliation outcomes, roles) — the renderer may not import core
 * runtime code — and the type checks at the end tie each list to the router's own schemas: a state
 * added or renamed in the core fails the type-check here. The router re-validates every value anyway.
 */
import type { CallInput } from '../../../../core/bridge/contract';

export const BATCH_STATES = ['DRAFT', 'SUBMITTED', 'APPROVED', 'EXECUTING', 'COMPLETED', 'COMPLETED_WITH_FAILURES', 'FAILED', 'CANCELLED'] as const;
export type BatchState = (typeof BATCH_STATES)[number];

export const PAYOUT_STATUSES = ['PENDING', 'UNKNOWN', 'ACCEPTED', 'SUCCEEDED', 'FAILED', 'REVERSED', 'CANCELLED'] as const;

export const PROVIDERS = ['xendit', 'rise', 'sandbox'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
/** Providers as people name them (a select's labels). */
export const PROVIDER_LABELS: Record<ProviderName, string> = { xendit: 'Xendit', rise: 'Rise', sandbox: 'Sandbox (test provider)' };

/** An affiliate's KYC review, and the words for each outcome. */
export const KYC_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type KycStatus = (typeof KYC_STATUSES)[number];
export const KYC_LABELS: Record<KycStatus, string> = { pending: 'pending review', approved: 'approved', rejected: 'rejected' };

export const RECONCILE_OUTCOMES = ['matched', 'amount_mismatch', 'status_mismatch', 'missing_at_provider', 'unknown_to_us'] as const;

/** A status as a coloured pill; the class names follow the state's meaning, not its spelling. */
export function statusTone(status: string | null | undefined): 'ok' | 'bad' | 'warn' | 'live' | 'plain' {
  switch (status) {
    case 'COMPLETED':
    case 'SUCCEEDED':
    case 'APPROVED':
    case 'matched':
    case 'active':
    case 'complete':
      return 'ok';
    case 'FAILED':
    case 'REVERSED':
    case 'COMPLETED_WITH_FAILURES':
    case 'amount_mismatch':
    case 'unknown_to_us':
    case 'missing_at_provider':
    case 'disabled':
    case 'high':
      return 'bad';
    case 'SUBMITTED':
    case 'UNKNOWN':
    case 'status_mismatch':
    case 'incomplete':
    case 'medium':
      return 'warn';
    case 'EXECUTING':
    case 'ACCEPTED':
    case 'PENDING':
      return 'live';
    default:
      return 'plain';
  }
}

/** Roles from lowest to highest; a role holds every lower role's permissions. */
export const ROLES = ['viewer', 'operator', 'processor', 'manager', 'admin', 'super_admin'] as const;
export type Role = (typeof ROLES)[number];
export const roleRank = (role: string) => ROLES.indexOf(role as Role) + 1;

/** true only when A and B are the same set of literals. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type VocabulariesMatchTheRouter = [
  Holds<Same<BatchState, NonNullable<CallInput<'batch.list'>['status']>>>,
  Holds<Same<(typeof PAYOUT_STATUSES)[number], NonNullable<CallInput<'payouts.page'>['status']>>>,
  Holds<Same<ProviderName, NonNullable<CallInput<'payouts.page'>['provider']>>>,
  Holds<Same<(typeof RECONCILE_OUTCOMES)[number], NonNullable<CallInput<'reconcile.results'>['outcome']>>>,
  Holds<Same<Role, CallInput<'operators.create'>['role']>>,
  Holds<Same<KycStatus, CallInput<'affiliate.setKyc'>['status']>>,
  Holds<Same<ProviderName, CallInput<'affiliate.setDestination'>['provider']>>,
];
