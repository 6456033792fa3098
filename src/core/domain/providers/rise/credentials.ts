/** Rise's secrets in the credential store: the treasury wallet's key and the webhook secret. */
import type { ProviderDescriptor } from '../../../platform/payments/descriptor.js';

export const RISE_WALLET_KEY_ACCOUNT = 'provider:rise:wallet-key';
export const RISE_WEBHOOK_SECRET_ACCOUNT = 'provider:rise:webhook-secret';

export const riseCredentials: ProviderDescriptor<'rise'>['credentials'] = {
  // A new key is proven with a USD balance call before it replaces the old one.
  rise: {
    account: RISE_WALLET_KEY_ACCOUNT,
    use: 'api',
    proofCurrency: 'USD',
    formatProblem: (secret) =>
      /^0x[0-9a-fA-F]{64}$/.test(secret)
        ? null
        : {
            message: 'a Rise wallet key is 0x followed by 64 hex digits',
            problem: 'not a 32-byte hex private key',
          },
  },
  'rise-webhook-secret': { account: RISE_WEBHOOK_SECRET_ACCOUNT, use: 'webhook' },
};
