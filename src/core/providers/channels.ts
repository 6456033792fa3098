/**
 * What each provider can pay, known without asking it: the currencies it pays in and published
 * per-channel limits. Preview and batch creation work offline from this table; execution's
 * pre-flight asks the provider itself (its live limits win).
 *
 * Limits are returned in minor units. Xendit's figures are defaults for common channels; an unknown
 * channel of a supported currency gets the currency's limits, and execution's pre-flight checks the
 * live ones before anything is sent.
 */
import { exponentOf, pow10 } from '../money/index.js';
import type { ChannelLimits, ProviderName } from './provider.js';

export const PROVIDER_CURRENCIES: Readonly<Record<ProviderName, readonly string[] | 'any'>> = {
  xendit: ['IDR', 'PHP', 'VND', 'THB', 'MYR'],
  rise: ['USD'],
  sandbox: 'any',
};

/** Xendit's defaults in MAJOR units; converted with the currency's ISO exponent below. */
const XENDIT_DEFAULTS: Record<string, { minimum: bigint; maximum: bigint | null }> = {
  IDR: { minimum: 10_000n, maximum: 50_000_000_000n },
  PHP: { minimum: 1n, maximum: null }, // PESONet bank transfers: no upper limit
  VND: { minimum: 10_000n, maximum: 500_000_000n },
  THB: { minimum: 1n, maximum: 2_000_000n },
  MYR: { minimum: 1n, maximum: 1_000_000n },
};

/** E-wallet channels carry lower maximums than bank transfers (major units). */
const XENDIT_CHANNEL_MAXIMUM: Record<string, bigint> = {
  ID_OVO: 20_000_000n,
  ID_DANA: 20_000_000n,
  PH_GCASH: 100_000n,
  PH_PAYMAYA: 100_000n,
};

/**
 * Xendit pays IDR and VND in whole units only, although ISO 4217 gives IDR two decimals: the
 * increment of an IDR payout is 100 minor units (one rupiah).
 */
const XENDIT_WHOLE_UNITS = new Set(['IDR', 'VND']);

export function knownChannelLimits(provider: ProviderName, channelCode: string, currency: string): ChannelLimits | null {
  if (!supportsCurrency(provider, currency)) return null;
  if (provider === 'rise') return { channelCode, currency, minimumMinor: 1_00n, maximumMinor: null, incrementMinor: 1n };
  if (provider === 'sandbox') return { channelCode, currency, minimumMinor: 1n, maximumMinor: null, incrementMinor: 1n };
  const d = XENDIT_DEFAULTS[currency]!;
  const unit = pow10(exponentOf(currency));
  const maximum = XENDIT_CHANNEL_MAXIMUM[channelCode] ?? d.maximum;
  return {
    channelCode,
    currency,
    minimumMinor: d.minimum * unit,
    maximumMinor: maximum === null ? null : maximum * unit,
    incrementMinor: XENDIT_WHOLE_UNITS.has(currency) ? unit : 1n,
  };
}

export function supportsCurrency(provider: ProviderName, currency: string): boolean {
  const list = PROVIDER_CURRENCIES[provider];
  return list === 'any' || list.includes(currency);
}

/** Why an amount cannot go through a channel, or null when it can. */
export function channelProblem(limits: ChannelLimits, amountMinor: bigint): 'amount_below_channel_minimum' | 'amount_above_channel_maximum' | 'amount_increment_not_supported' | null {
  if (amountMinor < limits.minimumMinor) return 'amount_below_channel_minimum';
  if (limits.maximumMinor !== null && amountMinor > limits.maximumMinor) return 'amount_above_channel_maximum';
  if (limits.incrementMinor > 1n && amountMinor % limits.incrementMinor !== 0n) return 'amount_increment_not_supported';
  return null;
}
