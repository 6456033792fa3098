/**
 * The treasury's Rise wallet: signs the sign-in message (SIWE) and the payments' typed data. The
 * private key stays inside this object (viem's account); `redact` cuts it out of any text.
 */
import type { Hex } from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { RISE_WALLET_KEY_ACCOUNT } from './credentials.js';
import type { Intent } from './typed-data.js';

export interface RiseWallet {
  readonly address: Hex;
  signMessage(message: string): Promise<Hex>;
  /** Signs a validated intent (typed-data.ts `toIntent`); throws when viem cannot sign it. */
  signTypedData(intent: Intent): Promise<Hex>;
  /** `text` without the private key (in any case). */
  redact(text: string): string;
}

export function riseWallet(walletPrivateKey: `0x${string}`): RiseWallet {
  let account: PrivateKeyAccount;
  try {
    account = privateKeyToAccount(walletPrivateKey);
  } catch {
    // viem's message would quote the key: say only what is wrong.
    throw new Error(
      `Rise wallet key is not a valid 32-byte hex private key (credential account "${RISE_WALLET_KEY_ACCOUNT}")`,
    );
  }
  const keyHex = walletPrivateKey.toLowerCase().replace(/^0x/, '');
  return {
    address: account.address,
    signMessage: (message) => account.signMessage({ message }),
    signTypedData: (intent) =>
      // viem types typed data from literal `types` known at compile time; Rise's arrive at run
      // time and were checked by typedDataSchema and toIntent, so the shape is asserted here.
      account.signTypedData(
        intent.signable as unknown as Parameters<PrivateKeyAccount['signTypedData']>[0],
      ),
    redact: (text) => text.replace(new RegExp(keyHex, 'gi'), '[redacted]'),
  };
}
