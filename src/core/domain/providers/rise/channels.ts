/** What Rise pays: USD through its one channel, from $1.00 (our floor), with no maximum. */
import type { ProviderChannels } from '../../../platform/payments/descriptor.js';

export const riseChannels: ProviderChannels = {
  currencies: ['USD'],
  // A payout above a maximum is deferred (Rise publishes none anyway).
  splitAllowed: false,
  limits: (channelCode, currency) => ({
    channelCode,
    currency,
    minimumMinor: 1_00n,
    maximumMinor: null,
    incrementMinor: 1n,
  }),
};
