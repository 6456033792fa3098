/**
 * What each provider can pay, known without asking it: the currencies it pays in and published
 * per-channel limits. Preview and batch creation work offline from this table; execution's
 * pre-flight asks the provider itself (its live limits win).
 *
 * Limits are returned in minor units. Xendit's figures are defaults for common channels; an unknown
 * channel of a supported currency gets the currency's limits, and execution's pre-flight checks the
 * live ones before anything is sent.
 */
import { exponentOf, pow10 } from '../../shared/money/index.js';
import type { ChannelLimits, ProviderName } from '../../platform/payments/provider.js';

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

export function knownChannelLimits(
  provider: ProviderName,
  channelCode: string,
  currency: string,
): ChannelLimits | null {
  if (!supportsCurrency(provider, currency)) return null;
  if (provider === 'rise')
    return { channelCode, currency, minimumMinor: 1_00n, maximumMinor: null, incrementMinor: 1n };
  if (provider === 'sandbox')
    return { channelCode, currency, minimumMinor: 1n, maximumMinor: null, incrementMinor: 1n };
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
export function channelProblem(
  limits: ChannelLimits,
  amountMinor: bigint,
):
  | 'amount_below_channel_minimum'
  | 'amount_above_channel_maximum'
  | 'amount_increment_not_supported'
  | null {
  if (amountMinor < limits.minimumMinor) return 'amount_below_channel_minimum';
  if (limits.maximumMinor !== null && amountMinor > limits.maximumMinor)
    return 'amount_above_channel_maximum';
  if (limits.incrementMinor > 1n && amountMinor % limits.incrementMinor !== 0n)
    return 'amount_increment_not_supported';
  return null;
}

/**
 * Providers that take several transfers to one destination for one payout (Xendit: each transfer is
 * its own payout with its own reference). The others defer a payout above a channel's maximum.
 */
export const SPLIT_ALLOWED: Readonly<Record<ProviderName, boolean>> = {
  xendit: true,
  rise: false,
  sandbox: true,
};

/** More parts than this is not a payout but a schedule: such a payout is deferred for a person. */
export const MAX_SPLIT_PARTS = 10;

/**
 * An amount above the channel's maximum as the fewest parts within the limits, as equal as the
 * increment allows (the larger ones first): each part ≥ minimum, ≤ maximum, a multiple of the
 * increment, and the parts sum exactly to the amount. null when no such split exists (the amount is
 * not a multiple of the increment, or it needs more than MAX_SPLIT_PARTS parts).
 */
export function splitAmount(limits: ChannelLimits, amountMinor: bigint): bigint[] | null {
  const { minimumMinor: min, maximumMinor: max, incrementMinor } = limits;
  const inc = incrementMinor > 0n ? incrementMinor : 1n;
  if (max === null || amountMinor <= max) return [amountMinor];
  if (amountMinor % inc !== 0n) return null;
  for (let n = (amountMinor + max - 1n) / max; n <= BigInt(MAX_SPLIT_PARTS); n++) {
    const base = (amountMinor / n / inc) * inc;
    const extra = (amountMinor - base * n) / inc; // steps of one increment, fewer than n
    const parts = Array.from(
      { length: Number(n) },
      (_, i) => base + (BigInt(i) < extra ? inc : 0n),
    );
    if (parts.every((p) => p >= min && p <= max)) return parts;
  }
  return null;
}
