/** The payables view's data as it arrives over the bridge. */
import type { CallInput, CallOutput } from '../../../../core/host/bridge/contract';

export type PayablesPage = CallOutput<'payables.page'>;
export type PayablesRow = PayablesPage['rows'][number];
export type PayablesTotal = PayablesPage['totals'][number];
export type PayablesSortField = NonNullable<CallInput<'payables.page'>['sort']>['field'];
export type AffiliateDetail = CallOutput<'affiliate.detail'>;
/** A reason an affiliate is not payable now (the reason filter's values). */
export type PayableReason = NonNullable<
  NonNullable<CallInput<'payables.page'>['filters']>['reason']
>[number];
