/** Xendit's part of the demo data: Indonesian and Philippine affiliates, banks and e-wallets. */
import type { ProviderDemo } from '../../../platform/payments/descriptor.js';

export const xenditDemo: ProviderDemo = {
  markets: [
    {
      share: 0.4,
      country: 'ID',
      currency: 'IDR',
      channels: ['ID_BCA', 'ID_BNI', 'ID_BRI', 'ID_MANDIRI', 'ID_OVO', 'ID_DANA'],
      order: [150_000, 4_500_000],
      names: [
        'Budi Santoso',
        'Siti Rahma',
        'Agus Wijaya',
        'Dewi Lestari',
        'Rina Kusuma',
        'Eko Prasetyo',
        'Putri Ayu',
        'Joko Susilo',
      ],
    },
    {
      share: 0.25,
      country: 'PH',
      currency: 'PHP',
      channels: ['PH_BDO', 'PH_BPI', 'PH_GCASH', 'PH_PAYMAYA'],
      order: [500, 18_000],
      names: [
        'Maria Santos',
        'Jose Reyes',
        'Ana Cruz',
        'Mark Bautista',
        'Grace Garcia',
        'Paolo Mendoza',
      ],
    },
  ],
  // E-wallets are mobile numbers; banks ten digits.
  account: (channel, rand) =>
    /_(OVO|DANA|GCASH|PAYMAYA)$/.test(channel)
      ? `08${String(Math.floor(rand() * 1e10)).padStart(10, '0')}`
      : String(Math.floor(rand() * 1e10)).padStart(10, '0'),
};
