/**
 * What each provider can pay, known without asking it: the currencies it pays in and published
 * per-channel limits (each provider's descriptor: `channels`). Preview and batch creation work
 * offline from this; execution's pre-flight asks the provider itself (its live limits win).
 *
 * Limits are returned in minor units. An unknown channel of a supported currency gets the
 * currency's limits, and execution's pre-flight checks the live ones before anything is sent.
 */
import type { ChannelLimits, ProviderName } from '../../platform/payments/provider.js';
import { byProvider, providerDescriptor } from './registry.js';

export const PROVIDER_CURRENCIES: Readonly<Record<ProviderName, readonly string[] | 'any'>> =
  byProvider((d) => d.channels.currencies);

export function knownChannelLimits(
  provider: ProviderName,
  channelCode: string,
  currency: string,
): ChannelLimits | null {
  if (!supportsCurrency(provider, currency)) return null;
  return providerDescriptor(provider)!.channels.limits(channelCode, currency);
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
export const SPLIT_ALLOWED: Readonly<Record<ProviderName, boolean>> = byProvider(
  (d) => d.channels.splitAllowed,
);

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
