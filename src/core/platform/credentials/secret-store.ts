/**
 * The one small interface every credential store implements (store.ts chooses one), and the error
 * a store that cannot answer throws: shared by the stores without their importing one another.
 */
export type CredentialKind = 'keychain' | 'env' | 'vault';

export interface CredentialStore {
  readonly kind: CredentialKind;
  /** For a fallback: why it was chosen and where it keeps the secrets (safe to show). */
  readonly note?: string;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

/** A store that cannot answer (no keychain, a locked vault). */
export class CredentialStoreError extends Error {
  readonly code = 'CREDENTIAL_STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialStoreError';
  }
}
