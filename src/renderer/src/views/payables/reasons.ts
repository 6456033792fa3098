/**
 * Why an affiliate is not paid, in words treasury staff use. The codes come from the core
 * (payables' IneligibleReason, batch preview's ExclusionReason); an unknown code is shown as is.
 */
import type { PayableReason } from './types';

const LABELS: Record<string, string> = {
  affiliate_inactive: 'affiliate not active',
  affiliate_suspended: 'affiliate suspended or closed',
  payouts_held: 'payouts held by a person',
  kyc_not_approved: 'KYC not approved',
  no_destination: 'no payout destination',
  hold_period: 'in hold period',
  nothing_payable: 'nothing payable',
  negative_balance: 'negative balance (carried forward)',
  below_minimum: 'below minimum payout',
  currency_not_in_rules: 'currency not in the rules',
  currency_not_supported_by_provider: 'currency not paid by the provider',
  amount_below_channel_minimum: 'below the channel minimum',
  amount_above_channel_maximum: 'above the channel maximum',
  amount_increment_not_supported: 'amount step not supported by the channel',
  fx_rate_missing: 'FX rate needed',
  multiple_currencies: 'owed in several currencies',
};

/** The payables' reason codes, in the order the core decides them (the reason filter's list). */
export const REASON_CODES = [
  'affiliate_inactive',
  'payouts_held',
  'kyc_not_approved',
  'no_destination',
  'nothing_payable',
  'negative_balance',
  'below_minimum',
  'currency_not_in_rules',
] as const satisfies readonly PayableReason[];

/**
 * What is known about the affiliate besides the codes: where the hold's own reason is at hand (the
 * affiliate drawer), "payouts held" says why in the words of the person who held them.
 */
export interface ReasonContext {
  holdReason?: string | null | undefined;
}

export function reasonLabel(code: string | null | undefined, context: ReasonContext = {}): string {
  if (!code) return '';
  if (code === 'payouts_held' && context.holdReason) return `payouts held: ${context.holdReason}`;
  return LABELS[code] ?? code.replace(/_/g, ' ');
}

export function reasonsLabel(
  codes: readonly string[] | null | undefined,
  context: ReasonContext = {},
): string {
  return (codes ?? []).map((c) => reasonLabel(c, context)).join('; ');
}
