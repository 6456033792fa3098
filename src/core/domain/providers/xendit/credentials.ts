/** Xendit's secrets in the credential store: the API secret key and the webhook callback token. */
import type { ProviderDescriptor } from '../../../platform/payments/descriptor.js';

export const XENDIT_SECRET_ACCOUNT = 'provider:xendit:secret-key';
export const XENDIT_CALLBACK_TOKEN_ACCOUNT = 'provider:xendit:callback-token';

export const xenditCredentials: ProviderDescriptor<'xendit'>['credentials'] = {
  // A new key is proven with an IDR balance call before it replaces the old one.
  xendit: { account: XENDIT_SECRET_ACCOUNT, use: 'api', proofCurrency: 'IDR' },
  'xendit-callback-token': { account: XENDIT_CALLBACK_TOKEN_ACCOUNT, use: 'webhook' },
};
