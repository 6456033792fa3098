/**
 * Domain vocabularies the views offer in selects: the core's own lists, from its shared floor (the
 * only core code the renderer may import besides the bridge contract). The type checks at the end
 * tie each list to the router's schemas, so a list and the call that takes it cannot drift apart.
 */
import type { CallInput } from '../../../../core/host/bridge/contract';
import { BATCH_STATES, type BatchState } from '../../../../core/shared/batch-state';
import { ROLES, type Role } from '../../../../core/shared/permissions';
import {
  PROVIDER_CREDENTIALS,
  PROVIDER_LABELS,
  PROVIDER_NAMES,
  type CredentialWhich,
  type ProviderName,
} from '../../../../core/shared/providers';
import {
  KYC_STATUSES,
  PAYOUT_STATUSES,
  RECONCILE_OUTCOMES,
  type KycStatus,
} from '../../../../core/shared/vocabulary';

export {
  BATCH_STATES,
  KYC_STATUSES,
  PAYOUT_STATUSES,
  RECONCILE_OUTCOMES,
  ROLES,
  type BatchState,
  type KycStatus,
  type Role,
};

/**
 * The payment providers, from the core's provider vocabulary (core/shared/providers.ts), which the
 * provider registry is proven equal to: a provider added there appears in every select here.
 */
export const PROVIDERS = PROVIDER_NAMES;
export { PROVIDER_CREDENTIALS, PROVIDER_LABELS, type CredentialWhich, type ProviderName };

/** The words for each KYC outcome. */
export const KYC_LABELS: Record<KycStatus, string> = {
  pending: 'pending review',
  approved: 'approved',
  rejected: 'rejected',
};

/** A status as a coloured pill; the class names follow the state's meaning, not its spelling. */
export function statusTone(
  status: string | null | undefined,
): 'ok' | 'bad' | 'warn' | 'live' | 'plain' {
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

/** Roles from lowest to highest (ROLES' order); a role holds every lower role's permissions. */
export const roleRank = (role: string) => ROLES.indexOf(role as Role) + 1;

/** true only when A and B are the same set of literals. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type VocabulariesMatchTheRouter = [
  Holds<Same<BatchState, NonNullable<CallInput<'batch.list'>['status']>>>,
  Holds<Same<(typeof PAYOUT_STATUSES)[number], NonNullable<CallInput<'payouts.page'>['status']>>>,
  Holds<Same<ProviderName, NonNullable<CallInput<'payouts.page'>['provider']>>>,
  Holds<
    Same<
      (typeof RECONCILE_OUTCOMES)[number],
      NonNullable<CallInput<'reconcile.results'>['outcome']>
    >
  >,
  Holds<Same<Role, CallInput<'operators.create'>['role']>>,
  Holds<Same<KycStatus, CallInput<'affiliate.setKyc'>['status']>>,
  Holds<Same<ProviderName, CallInput<'affiliate.setDestination'>['provider']>>,
  Holds<Same<CredentialWhich, CallInput<'provider.credentials.set'>['which']>>,
];
