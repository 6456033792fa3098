/** Rise's part of the demo data: US affiliates paid in USD, each with a Rise user id. */
import type { ProviderDemo } from '../../../platform/payments/descriptor.js';

export const riseDemo: ProviderDemo = {
  markets: [
    {
      share: 0.35,
      country: 'US',
      currency: 'USD',
      channels: ['RISE_USD'],
      order: [20, 600],
      names: [
        'Emily Carter',
        'James Miller',
        'Olivia Brown',
        'Liam Wilson',
        'Sophia Moore',
        'Noah Taylor',
      ],
    },
  ],
  account: (_channel, rand) =>
    `us-${Math.floor(rand() * 36 ** 8)
      .toString(36)
      .padStart(8, '0')}`,
};
