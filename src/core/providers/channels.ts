/**
 * What each provider can pay, known without asking it: the currencies it pays in and published
 * per-channel limits. Preview and batch creation work offline from this table; execution's
 * pre-flight asks the provider itself (its live limits win).
 *
 * Limits are in minor units. Xendit's figures are the published defaults for common channels
 * (IDR and VND are whole units, so their minor unit is 1 rupiah/dong); an unknown channel of a
 * supported currency gets the currency's own limits and is checked live before sending.
 */
import type { ChannelLimits, ProviderName } from './provider.js';

export const PROVIDER_CURRENCIES: Readonly<Record<ProviderName, readonly string[] | 'any'>> = {
  xendit: ['IDR', 'PHP', 'VND', 'THB', 'MYR'],
  rise: ['USD'],
  sandbox: 'any',
};

const XENDIT_DEFAULTS: Record<string, { minimum: bigint; maximum: bigint | null; increment: bigint }> = {
  IDR: { minimum: 10_000n, maximum: 10_000_000_000n, increment: 1n }, // whole rupiah
  PHP: { minimum: 1_00n, maximum: 50_000_000_00n, increment: 1n }, // centavos
  VND: { minimum: 10_000n, maximum: 500_000_000n, increment: 1n },
  THB: { minimum: 1_00n, maximum: 2_000_000_00n, increment: 1n },
  MYR: { minimum: 1_00n, maximum: 1_000_000_00n, increment: 1n },
};

/** E-wallet channels carry lower maximums than bank transfers. */
const XENDIT_CHANNEL_MAXIMUM: Record<string, bigint> = {
  ID_OVO: 20_000_000n,
  ID_DANA: 20_000_000n,
  PH_GCASH: 500_000_00n,
  PH_PAYMAYA: 500_000_00n,
};

export function knownChannelLimits(provider: ProviderName, channelCode: string, currency: string): ChannelLimits | null {
  if (!supportsCurrency(provider, currency)) return null;
  if (provider === 'rise') return { channelCode, currency, minimumMinor: 1_00n, maximumMinor: null, incrementMinor: 1n };
  if (provider === 'sandbox') return { channelCode, currency, minimumMinor: 1n, maximumMinor: null, incrementMinor: 1n };
  const d = XENDIT_DEFAULTS[currency]!;
  return { channelCode, currency, minimumMinor: d.minimum, maximumMinor: XENDIT_CHANNEL_MAXIMUM[channelCode] ?? d.maximum, incrementMinor: d.increment };
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
