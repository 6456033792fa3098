/**
 * What Xendit pays, known without asking it: its currencies and default per-channel limits.
 * Preview and batch creation work offline from these; execution's pre-flight asks Xendit for the
 * live ones (`GET /payouts_channels`) before anything is sent.
 */
import { exponentOf, pow10 } from '../../../shared/money/index.js';
import type { ProviderChannels } from '../../../platform/payments/descriptor.js';

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

export const xenditChannels: ProviderChannels = {
  currencies: ['IDR', 'PHP', 'VND', 'THB', 'MYR'],
  // Each transfer is its own payout with its own reference.
  splitAllowed: true,
  // An unknown channel of a supported currency gets the currency's limits.
  limits(channelCode, currency) {
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
  },
};
